"""The lab's data set: interleaved spirals, one arm per class, in the plane. Provided; do not
edit (the grader supplies its own copy of this file).

``make_spirals(n_per_class, seed)`` is deterministic: the same seed gives the same points on
every machine (NumPy's legacy generator, float64 arithmetic, then float32 tensors).
"""
from __future__ import annotations

import numpy as np

CLASSES = 3
TRAIN_SEED = 0        # the notebook trains on this split
TEST_SEED = 1         # and reports its accuracy on this one


def spiral_arrays(n_per_class: int, seed: int, classes: int = CLASSES,
                  noise: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    """X (classes * n_per_class, 2) float64 and y (classes * n_per_class,) int64, class by
    class. Each arm turns once around the origin; ``noise`` jitters the angle (radians)."""
    rng = np.random.RandomState(seed)
    radius = np.tile(np.linspace(0.05, 1.0, n_per_class), classes)
    labels = np.repeat(np.arange(classes), n_per_class)
    angle = (radius * 4.0 + labels * (2 * np.pi / classes)
             + rng.standard_normal(classes * n_per_class) * noise)
    points = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return points, labels.astype(np.int64)


def make_spirals(n_per_class: int = 100, seed: int = TRAIN_SEED):
    """The same spirals as torch tensors: X (N, 2) float32 and y (N,) int64."""
    import torch
    points, labels = spiral_arrays(n_per_class, seed)
    return torch.tensor(points, dtype=torch.float32), torch.tensor(labels)

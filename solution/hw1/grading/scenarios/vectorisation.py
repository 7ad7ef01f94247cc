"""Vectorisation: does MLP.forward + MLP.backward loop over the samples in Python?

The worker times one forward+backward pass at a small and a large batch size, interleaved
(small, large, large, small, ...), and keeps the minimum per size: the minimum is the run least
disturbed by the other case running on the second core. Only the RATIO of the two times is
used, never an absolute time, so a slow or busy machine changes nothing.

Why the ratio separates the two kinds of code: a pass costs a fixed part F (a few dozen NumPy
calls, the same for any batch size) plus a per-sample part c * batch. The layers here are a few
units wide, so vectorised code has c of well under a microsecond and the time hardly grows
(about 2x from 4 to 1024 samples), while a Python loop over the samples costs microseconds per
sample and iteration (tens of times more for 256x the samples). Growth is summarised as the
exponent p in  t_large / t_small = (large / small) ** p;  vectorised code measures p < 0.2 and
a single per-sample loop anywhere in forward or backward p > 0.5. The allowance is p = 1/3.

The worker returns only the growth BEYOND the allowance (0 for vectorised code). This keeps the
references (generated from the solution by this same ``run``) deterministic, and lets the
trusted ``check`` report by how much a flagged submission exceeded it.

Code whose forward() or backward() raises cannot be timed: the case then passes (a crash is no
sign of a loop over samples, and the items that grade those values report it), except for
NotImplementedError, which fails it as "not implemented".

params: seed, input_size, output_size, hiddens, activations (as in mlp_forward), num_bn_layers,
criterion ("probe" (default) or a student class such as "SoftmaxCrossEntropy"), small_batch
(default 4), large_batch (default 1024), repeats (default 9).
"""
from __future__ import annotations

import math
import time

import numpy as np

from .common import ProbeCriterion, build_mlp, case_rng, random_labels

ALLOWED_EXPONENT = 1.0 / 3.0
DEFAULTS = {"small_batch": 4, "large_batch": 1024, "repeats": 9}


def batch_sizes(params: dict) -> tuple[int, int]:
    return (int(params.get("small_batch", DEFAULTS["small_batch"])),
            int(params.get("large_batch", DEFAULTS["large_batch"])))


def make_batch(params: dict, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (size, input_size), one-hot labels and a probe upstream gradient (size, out)."""
    rng = case_rng(params["seed"], stream=200 + size)
    n_in, n_out = int(params["input_size"]), int(params["output_size"])
    return (rng.standard_normal((size, n_in)), random_labels(rng, size, n_out),
            rng.standard_normal((size, n_out)))


def timed_pass(mlp, criterion, batch) -> float:
    """Seconds for one forward and one backward on ``batch``."""
    x, labels, upstream = batch
    if isinstance(criterion, ProbeCriterion):
        criterion.upstream = upstream
    start = time.perf_counter()
    mlp.forward(x)
    mlp.backward(labels)
    return time.perf_counter() - start


def run(api, params: dict) -> dict[str, np.ndarray]:
    small, large = batch_sizes(params)
    batches = {size: make_batch(params, size) for size in (small, large)}
    name = params.get("criterion", "probe")
    criterion = (ProbeCriterion(batches[small][2]) if name == "probe" else getattr(api, name)())
    mlp = build_mlp(api, params, criterion)
    try:
        for size in (small, large):  # warm-up: first calls allocate and fill caches
            timed_pass(mlp, criterion, batches[size])
    except (NotImplementedError, MemoryError):
        raise
    except Exception:  # noqa: BLE001
        # Code that raises cannot be timed, and a crash is no sign of a loop over samples: the
        # items that grade its values report it; here it is not flagged.
        return {"timing.batch_sizes": np.array([small, large], dtype=float),
                "timing.excess_exponent": np.array([0.0])}
    best = {small: math.inf, large: math.inf}
    for repeat in range(int(params.get("repeats", DEFAULTS["repeats"]))):
        for size in ((small, large) if repeat % 2 == 0 else (large, small)):
            best[size] = min(best[size], timed_pass(mlp, criterion, batches[size]))
    ratio = max(best[large], 1e-12) / max(best[small], 1e-12)
    exponent = math.log(ratio) / math.log(large / small)
    return {"timing.batch_sizes": np.array([small, large], dtype=float),
            "timing.excess_exponent": np.array([max(0.0, exponent - ALLOWED_EXPONENT)])}


# check() judges the submission against itself: grading need not read the saved reference.
NEEDS_REFERENCE = False


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """Flag time that grows with the batch size like a loop over samples (trusted side)."""
    small, large = batch_sizes(params)
    sizes, excess = got.get("timing.batch_sizes"), got.get("timing.excess_exponent")
    if sizes is None or excess is None or sizes.shape != (2,) or excess.shape != (1,):
        return ["the timing of forward() and backward() did not finish"]
    excess = float(excess[0])
    if not np.array_equal(sizes, [small, large]) or not np.isfinite(excess) or excess < 0:
        return ["the timing records are inconsistent (did the code change the grader's timer?)"]
    if excess == 0:
        return []
    growth = (large / small) ** (ALLOWED_EXPONENT + excess)
    allowed = (large / small) ** ALLOWED_EXPONENT
    return [f"not vectorised: forward() + backward() took {growth:.0f}x as long on a batch of "
            f"{large} samples as on a batch of {small} (vectorised code takes at most about "
            f"{allowed:.0f}x here; its cost hardly depends on the batch size). That is how a "
            f"Python loop over the samples behaves: compute each layer for the whole batch at "
            f"once with matrix operations (x @ W, sums over axis 0) instead."]

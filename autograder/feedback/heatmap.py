"""The |expected - got| heat map of an array whose values failed their comparison: where the
student's tensor is wrong often says more than the first differing entry (a wrong row: a
transposed or shifted index; a wrong column: a bias; everything: a scale).

Drawn with NumPy alone (each entry a square of pixels on a dark-to-bright ramp; NaN or
infinite entries of the student's array in magenta), so a failing case costs no plotting
library's import; the caption carries the scale."""
from __future__ import annotations

import numpy as np

from autograder.feedback.png import encode_png
from autograder.results.model import Image

MAX_SIDE = 480          # pixels
MIN_SIDE = 160          # small matrices are enlarged to about this
_RAMP = np.array([[0.05, 0.03, 0.15], [0.35, 0.10, 0.50], [0.80, 0.25, 0.30],
                  [0.98, 0.60, 0.10], [1.00, 1.00, 0.75]])   # dark (equal) -> bright (far)
_NOT_FINITE = np.array([1.0, 0.0, 1.0])


def as_matrix(array: np.ndarray) -> np.ndarray | None:
    """The array as 2-D: a matrix as it is, more dimensions folded into the columns; None for
    fewer than 2 dimensions or fewer than 2 entries."""
    if array.ndim < 2 or array.size < 2:
        return None
    return array.reshape(array.shape[0], -1)


def heat_map(key: str, expected: np.ndarray, got: np.ndarray) -> Image | None:
    """The image of |expected - got| for two arrays of one shape (None when it cannot help:
    other shapes, fewer than 2 dimensions, or no difference at all)."""
    if expected.shape != got.shape:
        return None
    e, g = as_matrix(np.asarray(expected, float)), as_matrix(np.asarray(got, float))
    if e is None:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(e - g)
    finite = np.isfinite(difference)
    largest = float(difference[finite].max()) if finite.any() else 0.0
    if largest == 0.0 and finite.all():
        return None
    cells = _fit(np.where(finite, difference, np.inf))
    rgb = _colour(cells, largest)
    scale = max(1, min(MIN_SIDE // max(cells.shape), MAX_SIDE // max(cells.shape)))
    rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    row, column = np.unravel_index(np.argmax(np.where(finite, difference, -1.0)), e.shape)
    shape = "x".join(map(str, expected.shape))
    caption = (f"heat map of |expected - got| for {key} ({shape}"
               + (f", shown as {e.shape[0]}x{e.shape[1]}" if expected.ndim > 2 else "")
               + f"): dark = equal, brightest = {largest:.3g} at row {row}, column {column}"
               + ("; magenta = NaN or infinite" if not finite.all() else ""))
    return Image(caption, encode_png(rgb))


def _fit(matrix: np.ndarray) -> np.ndarray:
    """Larger than MAX_SIDE entries a side: the maximum of each block, so no peak is lost."""
    rows, columns = matrix.shape
    factor = max(1, -(-max(rows, columns) // MAX_SIDE))
    if factor == 1:
        return matrix
    padded = np.full((-(-rows // factor) * factor, -(-columns // factor) * factor), 0.0)
    padded[:rows, :columns] = matrix
    return padded.reshape(padded.shape[0] // factor, factor,
                          padded.shape[1] // factor, factor).max(axis=(1, 3))


def _colour(cells: np.ndarray, largest: float) -> np.ndarray:
    finite = np.isfinite(cells)
    level = np.where(finite, cells, 0.0) / largest if largest > 0 else np.zeros(cells.shape)
    position = np.clip(level, 0.0, 1.0) * (len(_RAMP) - 1)
    low = np.floor(position).astype(int).clip(0, len(_RAMP) - 2)
    part = (position - low)[..., None]
    rgb = _RAMP[low] * (1 - part) + _RAMP[low + 1] * part
    rgb[~finite] = _NOT_FINITE
    return rgb

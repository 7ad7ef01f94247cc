"""Take the feedback out of a case's arrays before its check sees them, validating every byte.

A case's family may return, besides the arrays it is judged on, arrays under two reserved key
prefixes (the worker-side helpers are in autograder/scenarios/notebook.py):

    figure.<label>                       an (h, w, 3) image, floats in [0, 1]
    export.<notebook>.<i>.<field>        cell i of a notebook's export (1-based, all cells):
                                         field head | source | output, UTF-8 bytes as a 1-D
                                         array of integers 0..255

Nothing from the sandbox is trusted: an image must have that shape, at most ``MAX_SIDE`` pixels
a side, finite values in [0, 1]; a text must be a 1-D array of integers 0..255, at most
``MAX_TEXT_BYTES``, and is decoded with errors="replace"; labels and notebook names must be
plain. Anything else is left out with a reason. At most ``MAX_IMAGES_PER_CASE`` images and
``MAX_EXPORT_BYTES`` of text per case are kept. The PNG is encoded here (feedback/png.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from autograder.feedback.png import encode_png
from autograder.results.model import Image

FIGURE_PREFIX = "figure."
EXPORT_PREFIX = "export."
RESERVED_PREFIXES = (FIGURE_PREFIX, EXPORT_PREFIX)
MAX_SIDE = 480                     # pixels, width and height of an image
MAX_IMAGES_PER_CASE = 6
MAX_TEXT_BYTES = 100_000           # one field of one cell
MAX_EXPORT_BYTES = 2_000_000       # all export texts of one case
MAX_EXPORT_CELLS = 2_000           # cells of one notebook
MAX_PROBLEMS = 5                   # reasons reported per case
_LABEL = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,119}$")
_NOTEBOOK = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_ .-]{0,99}\.ipynb$")
_FIELDS = ("head", "source", "output")


@dataclass
class ExportCell:
    head: str = ""
    source: str = ""
    output: str = ""


@dataclass
class Feedback:
    """One case's arrays split: what its check judges, and the feedback."""
    arrays: dict                                      # every other array, untouched
    images: list[Image] = field(default_factory=list)
    exports: dict[str, list[ExportCell]] = field(default_factory=dict)   # notebook -> cells
    problems: list[str] = field(default_factory=list)


def is_feedback(key: str) -> bool:
    return key.startswith(RESERVED_PREFIXES)


def without_feedback(arrays: dict) -> dict:
    """The arrays with every reserved key left out (references never store feedback)."""
    return {key: value for key, value in arrays.items() if not is_feedback(key)}


def split_feedback(arrays: dict) -> Feedback:
    found = Feedback({key: value for key, value in arrays.items() if not is_feedback(key)})
    cells: dict[str, dict[int, ExportCell]] = {}
    text_bytes = 0
    for key in sorted(k for k in arrays if is_feedback(k)):
        value = arrays[key]
        if key.startswith(FIGURE_PREFIX):
            label = key[len(FIGURE_PREFIX):]
            if len(found.images) >= MAX_IMAGES_PER_CASE:
                _problem(found, f"{_shown(key)}: left out (at most {MAX_IMAGES_PER_CASE} "
                                f"images a case)")
                continue
            reason = image_problem(label, value)
            if reason:
                _problem(found, f"{_shown(key)}: {reason}")
                continue
            found.images.append(Image(label, encode_png(value)))
            continue
        parsed = _export_key(key[len(EXPORT_PREFIX):])
        if parsed is None:
            _problem(found, f"{_shown(key)}: not export.<notebook>.ipynb.<cell>.<head|source|"
                            f"output>")
            continue
        notebook, index, field_name = parsed
        text, reason = decode_text(value)
        if reason is None and text_bytes + value.size > MAX_EXPORT_BYTES:
            reason = f"left out (at most {MAX_EXPORT_BYTES} bytes of notebook text a case)"
        if reason:
            _problem(found, f"{_shown(key)}: {reason}")
            continue
        text_bytes += value.size
        setattr(cells.setdefault(notebook, {}).setdefault(index, ExportCell()), field_name, text)
    found.exports = {name: [by_index[i] for i in sorted(by_index)]
                     for name, by_index in cells.items()}
    return found


def image_problem(label: str, value) -> str | None:
    """Why an array cannot be shown as an image (None: it can)."""
    if not _LABEL.match(label):
        return "the label must be letters, digits, '.', '-' or '_' (at most 120)"
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
        return "not a float array"
    if value.ndim != 3 or value.shape[2] != 3:
        return f"not an (h, w, 3) image (shape {tuple(value.shape)})"
    height, width = value.shape[:2]
    if not (1 <= height <= MAX_SIDE and 1 <= width <= MAX_SIDE):
        return f"{width}x{height} pixels; at most {MAX_SIDE} a side"
    if not np.isfinite(value).all():
        return "holds NaN or infinite values"
    if value.min() < 0.0 or value.max() > 1.0:
        return "values outside [0, 1]"
    return None


def decode_text(value) -> tuple[str, str | None]:
    """(text, None), or ("", why) when the array is not UTF-8 bytes as floats."""
    if not isinstance(value, np.ndarray) or value.dtype.kind != "f" or value.ndim != 1:
        return "", "not a 1-D float array of bytes"
    if value.size > MAX_TEXT_BYTES:
        return "", f"{value.size} bytes; at most {MAX_TEXT_BYTES}"
    if not np.isfinite(value).all() or ((value < 0) | (value > 255)).any() \
            or (value != np.floor(value)).any():
        return "", "not bytes (integers 0..255)"
    return value.astype(np.uint8).tobytes().decode("utf-8", errors="replace"), None


def _export_key(rest: str) -> tuple[str, int, str] | None:
    notebook, _, tail = rest.rpartition(".ipynb.")
    index_text, _, field_name = tail.partition(".")
    notebook += ".ipynb"
    if (not _NOTEBOOK.match(notebook) or field_name not in _FIELDS
            or not index_text.isdigit() or not 1 <= int(index_text) <= MAX_EXPORT_CELLS):
        return None
    return notebook, int(index_text), field_name


def _problem(found: Feedback, text: str) -> None:
    if len(found.problems) < MAX_PROBLEMS:
        found.problems.append(text)


def _shown(key: str) -> str:
    printable = "".join(ch if ch.isprintable() else "?" for ch in key)
    return printable if len(printable) <= 80 else printable[:77] + "..."

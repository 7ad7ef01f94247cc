"""Compare a submission's arrays with the reference arrays and explain every difference.

An array matches when its shape is the expected one and every element satisfies

    |got - expected| <= atol + rtol * |expected|,   atol = atol_scale * max(1, max |expected|)

(docs/tolerances.md says why these numbers). NaN matches only NaN and an infinity only the
same infinity. Array keys are the names students see (``net.dW[1]``); a key may carry a
``@when`` suffix (``net.W[0]@after_step_2``), shown as ``net.W[0] (after step 2)``. Arrays
whose names match the assignment's ``vector_names`` (assignment.toml, [comparison]) may be
(1, n) where (n,) is expected, and the other way.

A failing comparison's message is one line, then, indented on lines of their own, what
autograder.diagnosis can tell about it: one constant factor off (always), and a known mistake
(when the Comparison carries the case's known mistakes).

``Comparison`` is what a family's trusted-side ``check(got, expected, params, compare)``
receives: everything a comparison needs besides the arrays, passed as a value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from autograder import diagnosis

DEFAULT_RTOL = 1e-6
DEFAULT_ATOL_SCALE = 1e-8

# Keys must also be valid npz member names, so they are kept to this alphabet.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.\[\]@]+$")

# What separates a diagnosis line from the line before it in a message.
DIAGNOSIS_INDENT = "\n    "


@dataclass(frozen=True)
class Comparison:
    """How one case's arrays are compared.

    ``vector_names``: a regular expression searched in a key without its ``@when``, naming the
    arrays (biases, say) for which a (1, n) and an (n,) array are the same answer; None: no
    array is a vector. ``known``: the case's known mistakes (``diagnosis.CaseMistakes``, or a
    ``diagnosis.SignatureCollector`` while references are generated); None: no such
    diagnosis."""
    vector_names: str | None = None
    known: object | None = None

    def __post_init__(self):
        # Compiled once per Comparison (an invalid pattern fails here, not mid-grading).
        object.__setattr__(self, "_pattern",
                           re.compile(self.vector_names) if self.vector_names else None)

    def with_known(self, known) -> "Comparison":
        """The same comparison with ``known`` as the case's known mistakes."""
        return replace(self, known=known)

    def is_vector(self, key: str) -> bool:
        """True for keys the assignment names as vectors, whose shape may be (1, n) or (n,)."""
        return bool(self._pattern and self._pattern.search(key.partition("@")[0]))

    def array(self, key: str, got, expected, params: dict | None = None,
              **tolerance) -> str | None:
        """One array: None when it matches, else the message naming ``display_name(key)``.
        Tolerances: ``tolerance`` (rtol=, atol_scale=), else ``params``, else the defaults;
        ``params["batch"]`` is named by the scale diagnosis."""
        params = params or {}
        return compare_arrays(
            display_name(key), got, expected,
            rtol=float(tolerance.get("rtol", params.get("rtol", DEFAULT_RTOL))),
            atol_scale=float(tolerance.get("atol_scale",
                                           params.get("atol_scale", DEFAULT_ATOL_SCALE))),
            vector_ok=self.is_vector(key), batch=params.get("batch"))

    def all(self, got: dict, expected: dict, params: dict | None = None) -> list[str]:
        """Compare every expected array (in order) with the one ``got`` holds under the same
        key; one message per differing or missing array.

        ``params`` may set ``rtol`` and ``atol_scale`` for a whole case; ``params["batch"]``
        is the case's batch size. A failing array that matches one of the ``known`` mistakes
        gets the line "matches a known mistake: ...", once per case."""
        params = params or {}
        messages, named = [], set()
        for key, exp in expected.items():
            if key not in got:
                messages.append(f"{display_name(key)}: missing (the case stopped before "
                                f"producing it)")
                continue
            message = self.array(key, got[key], exp, params)
            if message and self.known is not None:
                array = aligned(got[key], exp, self.is_vector(key))
                line = None if array is None else self.known.diagnose(
                    key, array, np.asarray(exp, dtype=float))
                if line and line not in named:
                    named.add(line)
                    message += DIAGNOSIS_INDENT + line
            if message:
                messages.append(message)
        return messages


def display_name(key: str) -> str:
    """``net.W[0]@after_step_2`` -> ``net.W[0] (after step 2)``."""
    base, _, when = key.partition("@")
    return f"{base} ({when.replace('_', ' ')})" if when else base


def compare_arrays(name: str, got, expected, *, rtol: float = DEFAULT_RTOL,
                   atol_scale: float = DEFAULT_ATOL_SCALE, vector_ok: bool = False,
                   batch=None) -> str | None:
    """None when ``got`` matches ``expected``; else one line naming ``name`` and the difference,
    followed by the scale diagnosis (indented, on a line of its own) when ``got`` is one
    constant factor times ``expected``. ``batch``: the case's batch size, a factor named as
    such."""
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"{name}: got a value that is not an array of numbers"
    if got.shape != expected.shape:
        if vector_ok and _same_vector(got.shape, expected.shape):
            got = got.reshape(expected.shape)
        else:
            return f"{name}: {_shape_message(expected.shape, got.shape)}"
    if expected.size == 0:
        return None

    exp_finite = np.isfinite(expected)
    bad_nonfinite = ~np.isfinite(got) & exp_finite
    if bad_nonfinite.any():
        return (f"{name}: {_count(bad_nonfinite)} NaN or inf where finite values were expected; "
                f"{_first(bad_nonfinite, expected, got)}")
    # Non-finite expected values (not produced by the reference cases, handled for completeness).
    mismatched_special = ~exp_finite & ~((got == expected) | (np.isnan(got) & np.isnan(expected)))

    scale = np.max(np.abs(expected[exp_finite]), initial=0.0)
    atol = atol_scale * max(1.0, scale)
    abs_err = np.where(exp_finite, np.abs(got - np.where(exp_finite, expected, 0.0)), 0.0)
    bound = atol + rtol * np.abs(np.where(exp_finite, expected, 0.0))
    differs = (abs_err > bound) | mismatched_special
    if not differs.any():
        return None
    text = f"{name}: {_count(differs)} values differ; max abs err {np.max(abs_err):.1e}"
    nonzero = differs & exp_finite & (expected != 0)
    if nonzero.any():  # over the differing values; omitted when they all should be 0
        rel = abs_err[nonzero] / np.abs(expected[nonzero])
        text += f", max rel err {np.max(rel):.1e}"
    text = f"{text}; {_first(differs, expected, got)}"
    if exp_finite.all():   # then got is finite too (checked above)
        note = diagnosis.scale_note(
            got, expected, lambda scaled: _within(got, scaled, rtol, atol_scale), atol, batch)
        if note:
            text += DIAGNOSIS_INDENT + note
    return text


def annotate(message: str, text: str) -> str:
    """``message`` with ``text`` added to the end of its first line, before any diagnosis line
    (for a check that explains where its expected values came from)."""
    first, newline, rest = message.partition("\n")
    return f"{first}{text}{newline}{rest}"


def _within(got: np.ndarray, expected: np.ndarray, rtol: float, atol_scale: float) -> bool:
    """The tolerance rule for finite arrays of one shape."""
    atol = atol_scale * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))


def aligned(got, expected, vector_ok: bool = False) -> np.ndarray | None:
    """``got`` as a float array, in ``expected``'s shape when it is the same vector in the
    other layout ((1, n) or (n,)); None when it is not an array of numbers."""
    expected = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if got.shape != expected.shape and vector_ok and _same_vector(got.shape, expected.shape):
        got = got.reshape(expected.shape)
    return got


def _same_vector(a: tuple, b: tuple) -> bool:
    """(1, n) and (n,) in either order."""
    return {len(a), len(b)} == {1, 2} and (a[-1:] == b[-1:]) and (1,) in (a[:-1], b[:-1])


def _shape_message(expected: tuple, got: tuple) -> str:
    text = f"shape: expected {_shape(expected)}, got {_shape(got)}"
    if len(got) == 2 and got[::-1] == expected and got != expected:
        text += " (transposed?)"
    return text


def _shape(shape: tuple) -> str:
    return "()" if not shape else f"({', '.join(map(str, shape))}{',' if len(shape) == 1 else ''})"


def _count(mask: np.ndarray) -> str:
    return f"{int(mask.sum())} of {mask.size}"


def _first(mask: np.ndarray, expected: np.ndarray, got: np.ndarray) -> str:
    """'first at [i, j]: expected 0.5123, got 0.4987' with just enough digits to tell them apart."""
    index = np.unravel_index(int(np.argmax(mask.ravel())), mask.shape)
    exp, val = float(expected[index]), float(got[index])
    digits = 4
    while digits < 17 and f"{exp:.{digits}g}" == f"{val:.{digits}g}":
        digits += 1
    values = f"expected {exp:.{digits}g}, got {val:.{digits}g}"
    if not index:
        return values
    return f"first at [{', '.join(str(int(i)) for i in index)}]: {values}"

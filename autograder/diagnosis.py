"""Two diagnoses added to a failing comparison, each one extra line of its message
(docs/tolerances.md, "Diagnoses").

Scale: the submitted array is one constant factor k times the reference (the comparison passes
against k * expected): a sum where a mean belongs, a sign error, something counted twice.

Known mistake: the submitted array is, to 6 digits of the reference's magnitude, what a
classic mistake of the assignment's mutation catalogue (grading/mutants.py) produces on this
visible case. ``python -m autograder references`` runs every mutant through the visible cases and
stores a signature (a hash) of each failing array in ``data/visible/mistakes.json``:

    {"format": 1, "mistakes": {mutant id: description},
     "signatures": {case name: {array key: {digest: [mutant id, ...]}}}}

A signature equal to the reference array's own is never stored, nor one of an array with NaN
or inf; hidden cases are never run, so the file names none of them.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

MISTAKES_FILE = "mistakes.json"
MISTAKES_FORMAT = 1
MISTAKE_PREFIX = "matches a known mistake: "
_OR = " (or: "
_QUANTUM = 1e6            # signature resolution: 1e-6 of max(1, max |expected|)
_DIGEST_CHARS = 24
_INT_LIMIT = 2.0 ** 62


# ---------------------------------------------------------------------------------- scale

def scale_note(got: np.ndarray, expected: np.ndarray, passes: Callable[[np.ndarray], bool],
               atol: float, batch=None) -> str | None:
    """The scale diagnosis of a failing comparison, or None.

    ``got`` and ``expected`` are finite arrays of one shape; ``passes(candidate)`` says whether
    ``got`` matches ``candidate`` under the comparison's tolerance; ``atol`` is that
    tolerance's absolute floor (values below it count as zero); ``batch`` is the case's batch
    size, if it has one."""
    significant = np.abs(expected) > atol
    if not significant.any() or not (np.abs(got) > atol).any():
        return None   # the expected values are all ~0 (any factor fits), or got is all ~0
    size = _batch_size(batch)
    named = []
    if size is not None:
        named += [(float(size), "batch"), (1.0 / size, "per_batch")]
    named += [(-1.0, "sign"), (2.0, "twice"), (0.5, "half")]
    for k, kind in named:
        if passes(k * expected):
            return _scale_words(kind, k, size)
    values = expected[significant]
    if values.size < 2 or np.ptp(values) <= 1e-6 * np.max(np.abs(values)):
        return None   # one value, or one value repeated, is a multiple of any other
    k = float(np.vdot(got, expected) / np.vdot(expected, expected))
    if not np.isfinite(k) or k == 0.0 or k == 1.0 or not passes(k * expected):
        return None
    return (f"every value is {_factor(k)}x the expected (one constant factor: a missing or "
            f"extra scale factor?)")


def _batch_size(batch) -> int | None:
    if isinstance(batch, bool) or not isinstance(batch, (int, float)):
        return None
    if batch != int(batch) or batch < 2:
        return None
    return int(batch)


def _scale_words(kind: str, k: float, size: int | None) -> str:
    if kind == "batch":
        return (f"every value is {k:.2f}x the expected; {size} is this case's batch size: "
                f"a sum where a mean belongs?")
    if kind == "per_batch":
        return (f"every value is 1/{size} of the expected; {size} is this case's batch size: "
                f"a mean where a sum belongs (or a division by the batch size twice)?")
    if kind == "sign":
        return ("every value has the wrong sign (-1x the expected): a sign error, e.g. "
                "p += lr*g instead of p -= lr*g?")
    if kind == "twice":
        return "every value is 2.00x the expected: counted twice?"
    return "every value is half the expected (0.50x): a stray factor 1/2?"


def _factor(k: float) -> str:
    """3.7 -> '3.70'; small, large and almost-1 factors with the digits that tell them apart."""
    text = f"{k:.2f}" if 0.1 <= abs(k) < 1000 else f"{k:.3g}"
    digits = 3
    while float(text) in (1.0, -1.0) and digits < 17:
        digits += 1
        text = f"{k:.{digits}g}"
    return text


# ------------------------------------------------------------------------------ signatures

def signature(got, expected) -> str | None:
    """A digest of ``got`` rounded to 1e-6 of max(1, max |expected|), with its shape; None when
    ``got`` holds NaN or inf. Rounding errors of a correct float64 formula (about 1e-13
    relative) almost never change it; any real difference does."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if not np.isfinite(got).all():
        return None
    finite = expected[np.isfinite(expected)]
    scale = max(1.0, float(np.max(np.abs(finite), initial=0.0)))
    with np.errstate(over="ignore", invalid="ignore"):
        quantised = np.clip(np.round(got / scale * _QUANTUM), -_INT_LIMIT, _INT_LIMIT)
    data = np.ascontiguousarray(quantised.astype("<i8"))   # -0.0 becomes 0
    shape = repr(tuple(int(n) for n in got.shape)).encode()
    return hashlib.sha256(shape + b":" + data.tobytes()).hexdigest()[:_DIGEST_CHARS]


def mistake_line(descriptions: list[str]) -> str:
    """'matches a known mistake: A' or 'matches a known mistake: A (or: B)'."""
    text = MISTAKE_PREFIX + descriptions[0]
    return text + (f"{_OR}{descriptions[1]})" if len(descriptions) > 1 else "")


def named_mistakes(message: str, descriptions: dict[str, str]) -> list[str]:
    """The ids (of ``descriptions``: id -> description) a message names as known mistakes."""
    named = []
    for line in message.splitlines():
        line = line.strip()
        if not line.startswith(MISTAKE_PREFIX):
            continue
        rest = line[len(MISTAKE_PREFIX):]
        for mistake_id, words in descriptions.items():
            if (rest == words or rest.startswith(words + _OR)
                    or rest.endswith(f"{_OR}{words})")) and mistake_id not in named:
                named.append(mistake_id)
    return named


@dataclass(frozen=True)
class CaseMistakes:
    """The known mistakes of one case: array key -> {digest: [mistake id, ...]}."""
    descriptions: dict[str, str]
    by_key: dict[str, dict[str, list[str]]]

    def diagnose(self, key: str, got: np.ndarray, expected: np.ndarray) -> str | None:
        """The 'matches a known mistake' line for a failing array, or None."""
        table = self.by_key.get(key)
        if not table:
            return None
        digest = signature(got, expected)
        if digest is None or digest == signature(expected, expected):
            return None   # never name a correct answer as a mistake
        words = [self.descriptions[i] for i in table.get(digest, []) if i in self.descriptions]
        return mistake_line(words[:2]) if words else None


@dataclass
class SignatureCollector:
    """Stands in for CaseMistakes while references are generated: records the signature of
    every failing array the comparison would look up (key -> digest), through the same code
    path that grading uses."""
    found: dict[str, str] = field(default_factory=dict)

    def diagnose(self, key: str, got: np.ndarray, expected: np.ndarray) -> None:
        digest = signature(got, expected)
        if digest is not None and digest != signature(expected, expected):
            self.found[key] = digest
        return None


@dataclass(frozen=True)
class MistakeBook:
    """The contents of a mistakes.json."""
    descriptions: dict[str, str]
    signatures: dict[str, dict[str, dict[str, list[str]]]]

    def for_case(self, case_name: str) -> CaseMistakes | None:
        by_key = self.signatures.get(case_name)
        return CaseMistakes(self.descriptions, by_key) if by_key else None

    def to_text(self) -> str:
        """Deterministic JSON (sorted keys, final newline)."""
        data = {"format": MISTAKES_FORMAT, "mistakes": self.descriptions,
                "signatures": self.signatures}
        return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=True) + "\n"

    @classmethod
    def from_text(cls, text: str) -> "MistakeBook | None":
        """None for anything but a well-formed format-1 file (the diagnosis is then off)."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("format") != MISTAKES_FORMAT:
            return None
        descriptions, signatures = data.get("mistakes"), data.get("signatures")
        if not isinstance(descriptions, dict) or not isinstance(signatures, dict):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in descriptions.items()):
            return None
        for by_key in signatures.values():
            if not isinstance(by_key, dict) or not all(
                    isinstance(table, dict) and all(isinstance(ids, list) for ids in table.values())
                    for table in by_key.values()):
                return None
        return cls(descriptions, signatures)


_BOOKS: dict[str, tuple[tuple[int, int], MistakeBook | None]] = {}


def load_mistakes(path: str | os.PathLike) -> MistakeBook | None:
    """The mistakes file at ``path`` (None if absent or malformed), read once per process
    unless the file changes."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _BOOKS.get(str(path))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        book = MistakeBook.from_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        book = None
    _BOOKS[str(path)] = (stamp, book)
    return book

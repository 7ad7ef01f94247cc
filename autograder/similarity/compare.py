"""Fingerprint every document once, then compare the fingerprints pair by pair.

Winnowing, as MOSS does, with copydetect's implementation: every k-gram of the token stream
(k = ``NOISE_TOKENS`` tokens) is hashed, and ``copydetect.utils.winnow`` keeps the robust
minimum of every window of ``WINDOW`` hashes. So any run of at least
``NOISE_TOKENS + WINDOW - 1`` shared tokens is always found, and a run shorter than
``NOISE_TOKENS`` never is.

The k-gram hashes are computed here, from the tokens' BLAKE2b codes (tokens.py), rather than by
``copydetect.CodeFingerprint``: that one hashes with Python's ``hash()`` of a string, which is
salted per process, and with a window above 1 the winnowed selection depends on the hash
values, so every score changed from one run to the next (by up to 0.03 on a synthetic class of
30). Here the same class always gives the same report.

The comparison is that of ``copydetect.compare_files``, with the same numbers: the positions of
the shared fingerprints, grown into copied slices by ``copydetect.utils.get_copied_slices``;
A's score is the tokens of A inside those slices over A's token coverage (the tokens its
fingerprints cover, ``copydetect.utils.get_token_coverage``). compare_files builds one numpy
array per shared hash in a Python loop, which costs milliseconds for two near-identical
submissions; here each document's fingerprints are laid out once as sorted arrays, so a pair
costs one ``np.intersect1d`` and a gather, about 0.1 ms.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .corpus import Document

NOISE_TOKENS = 20     # k: shorter shared runs are noise
WINDOW = 5            # winnowing window, in k-grams: runs of 24 tokens are always found
_BASE = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_MASK = np.uint64((1 << 52) - 1)


@dataclass
class Fingerprints:
    keys: np.ndarray      # sorted distinct fingerprint hashes
    ptr: np.ndarray       # the stream positions of keys[i] are pos[ptr[i]:ptr[i + 1]]
    pos: np.ndarray
    coverage: float       # copydetect's token_coverage: stream tokens covered by fingerprints
    k: int


@dataclass
class Match:
    score_a: float        # fraction of A's fingerprinted tokens found in B
    score_b: float
    tokens_a: int         # tokens of A (of B) inside the shared regions
    tokens_b: int
    lines_a: int          # lines of A (of B) with a token inside the shared regions
    lines_b: int
    slices_a: np.ndarray  # 2 x n: [start, end) stream positions of the shared regions
    slices_b: np.ndarray

    @property
    def score(self) -> float:
        return max(self.score_a, self.score_b)


def fingerprint(doc: Document, k: int = NOISE_TOKENS, window: int = WINDOW) -> Fingerprints:
    from copydetect.utils import get_token_coverage, winnow

    hashes = kgram_hashes(doc.stream, k)
    selected, where = winnow(hashes, window, remove_duplicates=False)
    where = np.asarray(where, dtype=np.int64)
    keys, group = np.unique(np.asarray(selected, dtype=np.int64), return_inverse=True)
    order = np.argsort(group, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=keys.size))])
    coverage = float(get_token_coverage({0: where}, k, len(doc.stream)))
    return Fingerprints(keys.astype(np.int64), ptr.astype(np.int64), where[order], coverage, k)


def kgram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """A hash of every k consecutive token codes (polynomial, then mixed), as non-negative
    int64 below 2**52: copydetect's winnowing compares hashes as float64, exact below 2**53."""
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _BASE + codes[j:j + n]
    h ^= h >> np.uint64(31)
    h *= _MIX
    h ^= h >> np.uint64(29)
    return (h & _MASK).astype(np.int64)


def compare(doc_a: Document, a: Fingerprints, doc_b: Document, b: Fingerprints) -> Match:
    from copydetect.utils import get_copied_slices

    _, in_a, in_b = np.intersect1d(a.keys, b.keys, assume_unique=True, return_indices=True)
    if in_a.size == 0:
        empty = np.zeros((2, 0), dtype=np.int64)
        return Match(0.0, 0.0, 0, 0, 0, 0, empty, empty)
    slices_a = np.asarray(get_copied_slices(_positions(a, in_a), a.k), dtype=np.int64)
    slices_b = np.asarray(get_copied_slices(_positions(b, in_b), b.k), dtype=np.int64)
    tokens_a = int(np.sum(slices_a[1] - slices_a[0]))
    tokens_b = int(np.sum(slices_b[1] - slices_b[0]))
    return Match(_fraction(tokens_a, a.coverage), _fraction(tokens_b, b.coverage),
                 tokens_a, tokens_b, _lines(doc_a, slices_a), _lines(doc_b, slices_b),
                 slices_a, slices_b)


def _positions(fp: Fingerprints, which: np.ndarray) -> np.ndarray:
    """Every stream position of the fingerprints ``fp.keys[which]``."""
    first = fp.ptr[which]
    counts = fp.ptr[which + 1] - first
    before = np.cumsum(counts) - counts
    return fp.pos[np.repeat(first - before, counts) + np.arange(int(counts.sum()))]


def _fraction(tokens: int, coverage: float) -> float:
    return min(1.0, tokens / coverage) if coverage > 0 else 0.0


def _lines(doc: Document, slices: np.ndarray) -> int:
    """How many lines of the document hold a token of the slices."""
    if slices.shape[1] == 0:
        return 0
    marks = np.zeros(len(doc.stream) + 1, dtype=np.int64)
    marks[slices[0]] += 1
    marks[slices[1]] -= 1
    inside = np.cumsum(marks[:-1]) > 0
    lines = doc.lines[inside]
    return int(np.count_nonzero(np.diff(lines))) + 1 if lines.size else 0

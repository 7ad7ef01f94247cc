"""The similarity report as a function: read every submission once, fingerprint each once,
compare every pair, write ``similarity.csv`` and ``similarity.html``, return the summary.

``run_similarity`` is what ``batch --similarity`` calls with the students it already found;
``python -m autograder similarity`` (cli.py) calls it too.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from autograder.assignments import Assignment
from autograder.batch.inputs import Student
from autograder.scratch import scratch_root
from autograder.submission import SubmissionError

from .corpus import (Document, Skipped, build_document, handout_folder, handout_keys, read_code,
                     rendered_handout_keys)

SIMILARITY_CSV, SIMILARITY_HTML = "similarity.csv", "similarity.html"
DEFAULT_TOP = 10
DEFAULT_THRESHOLD = 0.5
STUDENT_PAIR, REFERENCE_PAIR = "student/student", "student/reference"
REQUIRED = (0, 5)          # copydetect >= 0.5


class SimilarityError(Exception):
    """The report cannot be made (one line): copydetect missing, a bad parameter."""


@dataclass
class Pair:
    a: object                 # Document
    b: object
    kind: str                 # STUDENT_PAIR | REFERENCE_PAIR
    score_a: float            # fraction of A's fingerprinted code found in B
    score_b: float
    tokens_a: int
    tokens_b: int
    lines_a: int
    lines_b: int

    @property
    def score(self) -> float:
        return max(self.score_a, self.score_b)

    def sort_key(self):
        return (-round(self.score, 6), -round(min(self.score_a, self.score_b), 6),
                self.kind, self.a.id, self.b.id)


def require_copydetect() -> None:
    """Raise SimilarityError with one line when copydetect (>= 0.5) cannot be imported."""
    try:
        import copydetect
    except ImportError as exc:
        raise SimilarityError(f"the similarity report needs copydetect >= 0.5, which is not "
                              f"installed ({exc.__class__.__name__}: {exc}); install the "
                              f"instructor tools: pip install -r requirements-dev.txt") from None
    version = getattr(copydetect, "__version__", "0")
    try:
        numbers = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        numbers = REQUIRED
    if numbers < REQUIRED:
        raise SimilarityError(f"the similarity report needs copydetect >= 0.5, found "
                              f"{version}; pip install -U copydetect")


def check_parameters(top: int, threshold: float) -> None:
    if not isinstance(top, int) or top < 1:
        raise SimilarityError(f"top must be at least 1, got {top!r}")
    if not 0.0 <= threshold <= 1.0:
        raise SimilarityError(f"threshold must be between 0 and 1, got {threshold!r}")


def run_similarity(students: Sequence[Student], assignment: Assignment, out: Path, *,
                   references: Sequence[Student] = (), top: int = DEFAULT_TOP,
                   threshold: float = DEFAULT_THRESHOLD, handout: Path | None = None) -> dict:
    """Compare every pair of ``students`` and every student with every reference; write
    ``out/similarity.csv`` and ``out/similarity.html`` (atomically; ``out`` is created) and
    return the summary (JSON-ready). ``handout`` is the folder whose lines are boilerplate
    (default: the assignment's handout, rendered from solution/ in the kit layout).
    Raises SimilarityError."""
    from .compare import NOISE_TOKENS, WINDOW, compare, fingerprint
    from .report import write_csv, write_html

    started = time.monotonic()
    require_copydetect()
    check_parameters(top, threshold)
    if handout is None and assignment.solution_dir is not None:
        handout = f"the handout rendered from solution/{assignment.name}"
        boilerplate, handout_files = rendered_handout_keys(assignment)
    else:
        handout = handout_folder(assignment) if handout is None else Path(handout)
        boilerplate, handout_files = handout_keys(handout)
    docs: list[Document] = []
    skipped: list[Skipped] = []
    with tempfile.TemporaryDirectory(prefix="autograder-similarity-",
                                     dir=scratch_root()) as scratch:
        for kind, entries in (("student", students), ("reference", references)):
            for entry in entries:
                try:
                    files = read_code(entry, assignment, Path(scratch))
                except SubmissionError as exc:
                    skipped.append(Skipped(entry.id, kind, str(exc)))
                    continue
                docs.append(build_document(entry.id, kind, files, boilerplate))
    prints = [fingerprint(doc, NOISE_TOKENS, WINDOW) for doc in docs]
    studs = [i for i, doc in enumerate(docs) if doc.kind == "student"]
    refs = [i for i, doc in enumerate(docs) if doc.kind == "reference"]
    wanted = [(i, j, STUDENT_PAIR) for n, i in enumerate(studs) for j in studs[n + 1:]]
    wanted += [(i, j, REFERENCE_PAIR) for i in studs for j in refs]
    pairs = []
    for i, j, kind in wanted:
        m = compare(docs[i], prints[i], docs[j], prints[j])
        pairs.append(Pair(docs[i], docs[j], kind, m.score_a, m.score_b, m.tokens_a, m.tokens_b,
                          m.lines_a, m.lines_b))
    pairs.sort(key=Pair.sort_key)
    shown = pairs[:top]
    flagged = [p for p in pairs if p.score >= threshold]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / SIMILARITY_CSV, pairs)
    summary = {
        "assignment": assignment.name,
        "pairs": len(pairs),
        "students": len(studs),
        "references": len(refs),
        "skipped": [s.to_json() for s in skipped],
        "handout_only": [doc.id for doc, fp in zip(docs, prints)
                         if doc.kind == "student" and not fp.keys.size],
        "threshold": threshold,
        "flagged": [_flag(p) for p in flagged[:top]],
        "top": [_flag(p) | {"lines_a": p.lines_a, "lines_b": p.lines_b,
                            "flagged": p.score >= threshold} for p in shown],
        "flagged_total": len(flagged),
        "boilerplate": {"handout": str(handout), "files": handout_files,
                        "lines": len(boilerplate)},
        "fingerprints": {"k_tokens": NOISE_TOKENS, "window": WINDOW},
        "files": [SIMILARITY_CSV, SIMILARITY_HTML],
    }
    where = {id(doc): n for n, doc in enumerate(docs)}
    details = [(p, compare(p.a, prints[where[id(p.a)]], p.b, prints[where[id(p.b)]]))
               for p in shown]
    summary["seconds"] = round(time.monotonic() - started, 2)
    write_html(out / SIMILARITY_HTML, summary, details, threshold)
    summary["seconds"] = round(time.monotonic() - started, 2)
    return summary


def _flag(pair: Pair) -> dict:
    return {"a": pair.a.id, "b": pair.b.id, "kind": pair.kind, "score": round(pair.score, 4),
            "score_a": round(pair.score_a, 4), "score_b": round(pair.score_b, 4)}

"""Trusted-side verdict on one case: the worker's outcome against the saved reference."""
from __future__ import annotations

from pathlib import Path

from autograder.diagnosis import MISTAKES_FILE, load_mistakes

_STATUS_PREFIX = {
    "not_implemented": "",
    "timeout": "time limit: ",
    "memory": "memory limit: ",
    "crashed": "crashed: ",
    "error": "error: ",
}


class CaseFailed(AssertionError):
    """A case the submission did not pass; the message is written for the student."""


def assert_case_passes(case) -> None:
    outcome = case.outcome
    if outcome.status != "ok":
        message = _STATUS_PREFIX.get(outcome.status, "") + (outcome.message or outcome.status)
        raise CaseFailed(message)
    checker = case.session.checker
    # A family whose check judges the submission against itself says so (NEEDS_REFERENCE =
    # False); its saved reference is then not read.
    needed = getattr(checker.scenarios.family(case.spec.family), "NEEDS_REFERENCE", True)
    expected = case.spec.reference() if needed else {}
    known = known_mistakes(case.spec) if case.session.diagnose_known_mistakes else None
    failures = checker.failures(case.spec.family, outcome.arrays, expected, case.spec.params,
                                known)
    if failures:
        raise CaseFailed("\n".join(failures))


def known_mistakes(spec):
    """The known mistakes stored next to the case's references (visible cases only), read once
    per grading process."""
    if spec.hidden or spec.data_dir is None:
        return None
    book = load_mistakes(Path(spec.data_dir) / MISTAKES_FILE)
    return book.for_case(spec.name) if book is not None else None

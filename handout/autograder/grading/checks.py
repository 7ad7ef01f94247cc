"""Trusted-side verdict on one case: the worker's outcome against the saved reference."""
from __future__ import annotations

from pathlib import Path

from autograder.compare import compare_all
from autograder.diagnosis import MISTAKES_FILE, load_mistakes, using_known_mistakes
from autograder.scenarios import get_family

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
    expected = case.spec.reference()
    known = known_mistakes(case.spec) if _diagnosing(case) else None
    failures = judge(case.spec.family, outcome.arrays, expected, case.spec.params, known)
    if failures:
        raise CaseFailed("\n".join(failures))


def judge(family_name: str, got: dict, expected: dict, params: dict, known=None) -> list[str]:
    """One case's failure messages (empty: passed): its family's own ``check``, else
    compare_all. ``known`` (diagnosis.CaseMistakes, or a SignatureCollector while references
    are generated) reaches compare_all however the family calls it."""
    check = getattr(get_family(family_name), "check", None)
    with using_known_mistakes(known):
        if check is not None:
            return check(got, expected, params)
        return compare_all(got, expected, params, known=known)


def known_mistakes(spec):
    """The known mistakes stored next to the case's references (visible cases only), read once
    per grading process."""
    if spec.hidden or spec.data_dir is None:
        return None
    book = load_mistakes(Path(spec.data_dir) / MISTAKES_FILE)
    return book.for_case(spec.name) if book is not None else None


def _diagnosing(case) -> bool:
    """The rubric's `diagnose_known_mistakes`, as handed to the grading session."""
    return bool(getattr(getattr(case, "session", None), "diagnose_known_mistakes", True))

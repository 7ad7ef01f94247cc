"""Trusted-side verdict on one case: the worker's outcome against the saved reference."""
from __future__ import annotations

from autograder.compare import compare_all
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
    family = get_family(case.spec.family)
    check = getattr(family, "check", None)
    if check is not None:
        failures = check(outcome.arrays, expected, case.spec.params)
    else:
        failures = compare_all(outcome.arrays, expected, case.spec.params)
    if failures:
        raise CaseFailed("\n".join(failures))

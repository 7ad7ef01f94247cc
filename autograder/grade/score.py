"""Score: the verdicts of one grading become a GradeResult.

Verdicts -> excused cases (one bug, one item: autograder/grading/excuse.py) -> item scores
(manual items awaiting hand grading) -> flags (imports, deliverables, item flags) -> result.
"""
from __future__ import annotations

import importlib.util

from autograder.grading.excuse import excused_cases, failing_items
from autograder.grading.session import GradingSession, Verdict
from autograder.results.model import CaseResult, GradeResult, ItemResult, scored_item
from autograder.results.scoring import total

# Libraries that are forbidden whether or not this machine has them installed.
KNOWN_LIBRARIES = frozenset({
    "torch", "tensorflow", "jax", "jaxlib", "keras", "scipy", "sklearn", "pandas", "cupy",
    "autograd", "mxnet", "paddle", "theano", "numba", "tinygrad", "mlx", "chainer"})


def import_flag(name: str) -> str:
    """A forbidden library, or a module the submission imports but does not include."""
    if name in KNOWN_LIBRARIES or importlib.util.find_spec(name) is not None:
        return f"forbidden-import:{name}"
    return f"missing-module:{name}"


def score(rubric, session: GradingSession, suite: str, source: str, flags: list[str]
          ) -> GradeResult:
    verdicts = {case.name: session.verdicts.get(case.name) or Verdict(
        False, "internal grader error (not your fault): the case was not graded", True)
        for case in session.cases}
    passed = {name: verdict.passed for name, verdict in verdicts.items()}
    excused = excused_cases(session.cases, passed) if rubric.excuse_dependent_cases else {}
    failing = failing_items(session.cases, passed)
    names = {item.id: item.name for item in rubric.items}
    results = {case.name: case_result(case, verdicts[case.name], excused.get(case.name),
                                      failing, names) for case in session.cases}
    outcomes = session.outcomes or {}
    for outcome in outcomes.values():
        flags = [*flags, *(import_flag(name) for name in outcome.blocked_imports)]
    # An item's flag marks what its own check found, not code that failed to run at all.
    flags = sorted(set(flags) | {item.flag for item in rubric.items if item.flag and any(
        c.item == item.id and results[c.name].scored and not results[c.name].passed
        and getattr(outcomes.get(c.name), "status", "") == "ok" for c in session.cases)})
    forbidden = [f for f in flags if f.startswith("forbidden-import:")]
    zeroed = bool(forbidden) and rubric.forbidden_import_policy == "zero"
    items = []
    for item in rubric.items:
        if item.manual:
            items.append(ItemResult(item.id, item.name, 0.0, item.points, item.bonus, [],
                                    manual=True))
            continue
        scored = scored_item(item, [results[c.name] for c in session.cases if c.item == item.id])
        if zeroed:
            scored.score = 0.0
        items.append(scored)
    error = ""
    if any(verdict.internal_error for verdict in verdicts.values()):
        error = "the grader hit an internal error on some cases (marked in the report)"
    if zeroed:
        error = ("score set to 0: only numpy and the Python standard library may be "
                 "imported (" + ", ".join(f.split(":", 1)[1] for f in forbidden) + ")")
    return GradeResult(score=total(items, rubric.cap), max_score=rubric.cap, items=items,
                       flags=flags, suite=suite, submission=source, seconds=0.0,
                       status="error" if error and not zeroed else "graded", error=error,
                       output=worker_output(session),
                       release_hidden=rubric.release_hidden_after_due)


def case_result(case, verdict: Verdict, excused_by: list[str] | None, failing: set[str],
                names: dict[str, str]) -> CaseResult:
    """The case's result. An excused case says where its bug is charged; a failed case that
    runs a failing item's code (excusing off) says to fix that item first."""
    message = verdict.message
    if excused_by:
        what = " and ".join(excused_by)
        verb = "fails" if len(excused_by) == 1 else "fail"
        note = (f"not scored: this case also runs your code graded by {what}, which {verb} its "
                f"own cases; that bug is charged there, not here")
        message = note + (f"\nWhat this case found: {message}" if not verdict.passed else "")
        return CaseResult(case.name, verdict.passed, case.hidden, message, excused=True)
    upstream = [u for u in case.uses if u in failing and u != case.item]
    if not verdict.passed and upstream:
        message += ("\nNote: this case also runs your " +
                    ", ".join(names.get(u, u) for u in upstream) +
                    ", which failed its own cases; fix that first.")
    return CaseResult(case.name, verdict.passed, case.hidden, message)


def unreadable(rubric, cases, suite, source, reason, seconds) -> GradeResult:
    """A submission with no gradable code still gets every item, scored 0, with the reason."""
    items = [ItemResult(item.id, item.name, 0.0, item.points, item.bonus,
                        [CaseResult(c.name, False, c.hidden, reason)
                         for c in cases if c.item == item.id], manual=item.manual)
             for item in rubric.items]
    return GradeResult(score=0.0, max_score=rubric.cap, items=items,
                       flags=["unreadable-submission"], suite=suite, submission=str(source),
                       seconds=round(seconds, 3), status="graded", error=reason, output="",
                       release_hidden=rubric.release_hidden_after_due)


def worker_output(session: GradingSession, limit: int = 8000) -> str:
    """What the visible cases printed (a hidden case's output is not shown to students)."""
    hidden = {c.name for c in session.cases if c.hidden}
    parts = []
    for name, outcome in (session.outcomes or {}).items():
        if name not in hidden and outcome.output.strip():
            parts.append(f"--- {name} ---\n{outcome.output.rstrip()}")
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n[... output truncated]"

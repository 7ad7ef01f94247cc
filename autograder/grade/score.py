"""Score: the one module that decides a score. The verdicts of one grading become a GradeResult.

Verdicts -> excused cases (one bug, one item) -> item scores (manual items awaiting hand
grading) -> flags (imports, deliverables, item flags) -> the capped total -> result.

One bug, one item: a case lists in ``uses`` the other rubric items whose code it also runs (an
integration case runs the student's activations, say). When one of those items fails in the
same grading, the case's verdict says more about that item than about its own, so it is
excused: counted in neither the numerator nor the denominator of its item, with a message
saying where the bug is charged. Every item keeps isolated cases (``uses = []``), which are
never excused.

Scores stay exact (unrounded floats) in the result; the views round for display
(autograder/results/scoring.py).
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

from autograder.grade.judge import INTERNAL_ERROR, Verdict
from autograder.results.model import CaseResult, GradeResult, ItemResult

NOT_GRADED = Verdict(False, INTERNAL_ERROR + "the case was not graded", internal_error=True)


# ------------------------------------------------------------------------------ arithmetic

def score_item(points: float, passed: int, total: int, all_or_nothing: bool = False) -> float:
    """``points * passed / total``; all-or-nothing items get full points only if every case passed.
    An item with no case in the graded suite scores 0 (nothing was shown to work)."""
    if points < 0 or passed < 0 or total < 0 or passed > total:
        raise ValueError(f"impossible score inputs: points={points}, passed={passed}, "
                         f"total={total}")
    if total == 0:
        return 0.0
    if all_or_nothing:
        return float(points) if passed == total else 0.0
    return points * passed / total


def total(items: Iterable, cap: float) -> float:
    """``min(cap, sum of every item's score, bonus included)``, summed without rounding drift."""
    return min(float(cap), math.fsum(item.score for item in items))


def scored_item(spec: Any, cases: list[CaseResult]) -> ItemResult:
    """An ItemResult scored from its cases; excused cases do not count. ``spec`` is a rubric item
    (attributes or a mapping with id, name, points, and optionally bonus and all_or_nothing)."""
    points = float(_spec(spec, "points"))
    scored = [case for case in cases if case.scored]
    passed = sum(case.passed for case in scored)
    return ItemResult(id=_spec(spec, "id"), name=_spec(spec, "name"),
                      score=score_item(points, passed, len(scored),
                                       bool(_spec(spec, "all_or_nothing", False))),
                      max_score=points, bonus=bool(_spec(spec, "bonus", False)), cases=list(cases))


def graded_result(items: list[ItemResult], cap: float, **details: Any) -> GradeResult:
    """A graded result whose score is the capped total. ``details``: flags, suite, submission,
    seconds, output."""
    return GradeResult(score=total(items, cap), max_score=float(cap), items=items,
                       status="graded", **details)


def _spec(spec: Any, name: str, default: Any = None) -> Any:
    value = spec.get(name, default) if isinstance(spec, Mapping) else getattr(spec, name, default)
    if value is None and default is None:
        raise ValueError(f"rubric item {spec!r} has no {name!r}")
    return value


# ------------------------------------------------------------------------------- excusal

def failing_items(cases: Sequence, passed: Mapping[str, bool]) -> set[str]:
    """Items that fail on their own merits: an item fails when one of its cases fails and that
    case is not excused, i.e. none of the items it uses fails. Decided dependencies first; in a
    cycle of ``uses`` an item counts as failing when one of its isolated cases fails."""
    by_item: dict[str, list] = {}
    for case in cases:
        by_item.setdefault(case.item, []).append(case)
    decided: dict[str, bool] = {}
    deciding: set[str] = set()

    def fails(item: str) -> bool:
        if item in decided:
            return decided[item]
        own = by_item.get(item, [])
        if item in deciding:  # a cycle: only the isolated cases speak
            return any(not passed[c.name] and not _others(c) for c in own)
        deciding.add(item)
        verdict = any(not passed[c.name] and not any(fails(u) for u in _others(c))
                      for c in own)
        deciding.discard(item)
        decided[item] = verdict
        return verdict

    return {item for item in by_item if fails(item)}


def excused_cases(cases: Sequence, passed: Mapping[str, bool]) -> dict[str, list[str]]:
    """Case name -> the failing items (in ``uses`` order) that excuse it.

    An item none of whose cases would be left scored is never excused (an incomplete suite
    must not give full marks for nothing)."""
    failing = failing_items(cases, passed)
    excused = {}
    for case in cases:
        blamed = [item for item in _others(case) if item in failing]
        if blamed:
            excused[case.name] = blamed
    for item in {case.item for case in cases}:
        own = [case.name for case in cases if case.item == item]
        if all(name in excused for name in own):
            for name in own:
                del excused[name]
    return excused


def _others(case) -> list[str]:
    return [item for item in case.uses if item != case.item]


# ------------------------------------------------------------------------------- a result

def score(plan, verdicts: Mapping[str, Verdict], flags: Sequence[str], source: str
          ) -> GradeResult:
    """The GradeResult of one grading. ``plan``: its rubric, suite, cases (in rubric order) and
    assignment (autograder.grade.pipeline.Plan); ``verdicts``: case name -> Verdict (a case
    without one counts as an internal error); ``flags``: what intake found."""
    rubric, cases = plan.rubric, plan.cases
    verdicts = {case.name: verdicts.get(case.name) or NOT_GRADED for case in cases}
    passed = {name: verdict.passed for name, verdict in verdicts.items()}
    excused = excused_cases(cases, passed) if rubric.excuse_dependent_cases else {}
    failing = failing_items(cases, passed)
    names = {item.id: item.name for item in rubric.items}
    results = {case.name: case_result(case, verdicts[case.name], excused.get(case.name),
                                      failing, names) for case in cases}
    flags = sorted(set(flags) | set(_blocked_import_flags(plan.assignment, verdicts.values()))
                   | _item_flags(rubric, cases, results, verdicts)
                   | unconfined_flags(verdicts.values()))
    forbidden = [f for f in flags if f.startswith("forbidden-import:")]
    zeroed = bool(forbidden) and rubric.forbidden_import_policy == "zero"
    items = []
    for item in rubric.items:
        if item.manual:
            items.append(ItemResult(item.id, item.name, 0.0, item.points, item.bonus, [],
                                    manual=True))
            continue
        scored = scored_item(item, [results[c.name] for c in cases if c.item == item.id])
        if zeroed:
            scored.score = 0.0
        items.append(scored)
    error = ""
    if any(verdict.internal_error for verdict in verdicts.values()):
        error = "the grader hit an internal error on some cases (marked in the report)"
    if zeroed:
        allowed = " and ".join([", ".join(plan.assignment.policy.allowed_imports),
                                "the Python standard library"])
        error = (f"score set to 0: only {allowed} may be imported ("
                 + ", ".join(f.split(":", 1)[1] for f in forbidden) + ")")
    attach_images(cases, verdicts, results)
    return GradeResult(score=total(items, rubric.cap), max_score=rubric.cap, items=items,
                       flags=flags, suite=plan.suite, submission=source, seconds=0.0,
                       status="error" if error and not zeroed else "graded", error=error,
                       output=worker_output(cases, verdicts),
                       release_hidden=rubric.release_hidden_after_due,
                       exports=notebook_exports(cases, verdicts))


# At most this many images in one result (each at most 480 px a side: autograder/feedback/).
MAX_IMAGES_PER_RESULT = 16


def attach_images(cases: Sequence, verdicts: Mapping[str, Verdict],
                  results: Mapping[str, CaseResult]) -> None:
    """Each case's images onto its CaseResult, in rubric order, MAX_IMAGES_PER_RESULT in all."""
    left = MAX_IMAGES_PER_RESULT
    for case in cases:
        images = list(verdicts[case.name].images)[:max(0, left)]
        results[case.name].images = images
        left -= len(images)


def notebook_exports(cases: Sequence, verdicts: Mapping[str, Verdict]) -> dict[str, str]:
    """Notebook name -> its HTML export (autograder/feedback/export.py), from the first case
    that exported it, with the figures every case returned."""
    exported = [verdicts[case.name].exports for case in cases if verdicts[case.name].exports]
    if not exported:
        return {}
    from autograder.feedback.export import exports_of
    images = [image for case in cases for image in verdicts[case.name].images]
    return exports_of(exported, images)


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


def unreadable(plan, source, reason: str, seconds: float) -> GradeResult:
    """A submission with no gradable code still gets every item, scored 0, with the reason."""
    rubric = plan.rubric
    items = [ItemResult(item.id, item.name, 0.0, item.points, item.bonus,
                        [CaseResult(c.name, False, c.hidden, reason)
                         for c in plan.cases if c.item == item.id], manual=item.manual)
             for item in rubric.items]
    return GradeResult(score=0.0, max_score=rubric.cap, items=items,
                       flags=["unreadable-submission"], suite=plan.suite, submission=str(source),
                       seconds=round(seconds, 3), status="graded", error=reason, output="",
                       release_hidden=rubric.release_hidden_after_due)


def worker_output(cases: Sequence, verdicts: Mapping[str, Verdict], limit: int = 8000) -> str:
    """What the visible cases printed (a hidden case's output is not shown to students)."""
    parts = []
    for case in cases:
        outcome = verdicts[case.name].outcome
        if not case.hidden and outcome is not None and outcome.output.strip():
            parts.append(f"--- {case.name} ---\n{outcome.output.rstrip()}")
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n[... output truncated]"


# --------------------------------------------------------------------------------- flags

def import_flags(assignment, names: Iterable[str]) -> list[str]:
    """One flag per import the assignment's policy (assignment.toml [policy]) refused: a
    forbidden library, or a module the submission imports but does not include."""
    return [assignment.policy.import_flag(name) for name in names]


def _blocked_import_flags(assignment, verdicts: Iterable[Verdict]) -> list[str]:
    """Imports the sandbox blocked while the cases ran."""
    return [flag for verdict in verdicts if verdict.outcome is not None
            for flag in import_flags(assignment, verdict.outcome.blocked_imports)]


UNCONFINED_FLAG = "unconfined"   # ":filesystem,network": what the sandbox could not confine


def unconfined_flags(verdicts: Iterable[Verdict]) -> set[str]:
    """``unconfined:<aspects>`` when the sandbox ran without some of its confinement on this
    machine (no user namespaces, say: docs/security.md); says nothing of the submission."""
    aspects: list[str] = []
    for verdict in verdicts:
        for aspect in getattr(verdict.outcome, "unconfined", ()) or ():
            if aspect not in aspects:
                aspects.append(aspect)
    return {f"{UNCONFINED_FLAG}:{','.join(aspects)}"} if aspects else set()


def _item_flags(rubric, cases: Sequence, results: Mapping[str, CaseResult],
                verdicts: Mapping[str, Verdict]) -> set[str]:
    """An item's flag marks what its own check found, not code that failed to run at all."""
    return {item.flag for item in rubric.items if item.flag and any(
        c.item == item.id and results[c.name].scored and not results[c.name].passed
        and getattr(verdicts[c.name].outcome, "status", "") == "ok" for c in cases)}


# ---------------------------------------------------------------------- hand grading

HAND_SCORE_STEP = 0.5   # hand scores go in half points
RECHECK_FLAG = "hand-grade-recheck"   # ":<item>": the submission changed since it was hand-graded


def hand_score_problem(score: float, max_score: float) -> str | None:
    """Why ``score`` cannot be a hand score of an item worth ``max_score`` (one line), or None:
    it must be a finite number from 0 to the item's points in steps of a half point."""
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return "the score must be a number"
    if score < 0 or score > max_score:
        return f"the score must be from 0 to {max_score:g}"
    if not math.isclose(score / HAND_SCORE_STEP, round(score / HAND_SCORE_STEP), abs_tol=1e-9):
        return "the score goes in half points (e.g. 7 or 7.5)"
    return None


def with_hand_grades(result: GradeResult, marks: Mapping[str, Any],
                     changed: Iterable[str] = ()) -> GradeResult:
    """The final result: ``result`` (automatic, unchanged) with the gradebook's hand scores.

    ``marks``: item id -> a mark with ``score`` (None: not graded yet) and ``comment``. Each
    manual item with a score gets it and its comment; the total is every item's score, bonus
    and hand scores included, with the rubric's cap applied AFTER hand grading. ``changed``:
    items whose submission changed since they were hand-graded; each gets the flag
    ``hand-grade-recheck:<item>`` (the score is kept: nothing typed is ever lost). A result
    whose grading failed (status ``error``) is returned as it is: that 0 is not a grade."""
    if result.status != "graded":
        return result
    items = []
    for item in result.items:
        mark = marks.get(item.id)
        if item.manual and mark is not None and mark.score is not None:
            item = replace(item, score=float(mark.score), hand_graded=True,
                           comment=mark.comment or "")
        items.append(item)
    recheck = [f"{RECHECK_FLAG}:{item_id}" for item_id in sorted(set(changed))]
    return replace(result, items=items, score=total(items, result.max_score),
                   flags=list(result.flags) + [f for f in recheck if f not in result.flags])

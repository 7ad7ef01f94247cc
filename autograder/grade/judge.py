"""Judge: each case's sandboxed outcome against its saved reference, in this trusted process.

``judge`` consumes the ``(name, CaseOutcome)`` pairs that ``autograder.sandbox.run_cases``
yields, so each case is judged while later ones still run, and returns one Verdict per case.
A case's verdict is its family's own ``check(got, expected, params, compare)`` when the family
has one, else ``compare.all(got, expected, params)`` (autograder/compare.py). A grader bug in
one case's check becomes that case's "internal grader error" verdict, never a crash.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

INTERNAL_ERROR = "internal grader error (not your fault; please report it): "

_STATUS_PREFIX = {
    "not_implemented": "",
    "timeout": "time limit: ",
    "memory": "memory limit: ",
    "crashed": "crashed: ",
    "error": "error: ",
}


@dataclass(frozen=True)
class Verdict:
    """One case, judged. ``message`` is written for the student (empty when passed);
    ``outcome`` is the sandbox's CaseOutcome it was judged from (None: the case never ran)."""
    passed: bool
    message: str
    internal_error: bool = False
    outcome: object | None = None
    images: tuple = ()                # results.model.Image: figures, heat maps (bounded)
    exports: dict = field(default_factory=dict)   # notebook -> [feedback.arrays.ExportCell]


@dataclass(frozen=True)
class Judging:
    """What judging needs besides the outcomes: the cases (manifest.Case), the assignment's
    families (a ScenarioSource) and vector names, and whether to name known mistakes."""
    cases: Sequence
    scenarios: object
    vector_names: str | None = None
    diagnose_known_mistakes: bool = True


def judge(judging: Judging, outcomes: Iterable[tuple[str, object]]) -> dict[str, "Verdict"]:
    """Case name -> Verdict, for every case whose outcome ``outcomes`` yields (in that
    order)."""
    by_name = {case.name: case for case in judging.cases}
    verdicts: dict[str, Verdict] = {}
    comparison = None
    for name, outcome in outcomes:
        if comparison is None:
            # NumPy once the sandbox has started (``outcomes`` starts it when first asked):
            # imported before, it would delay the worker's start by its own import time.
            from autograder.compare import Comparison
            comparison = Comparison(judging.vector_names)
        case = by_name.get(name)
        if case is not None:
            verdicts[name] = judge_case(case, outcome, judging, comparison)
    return verdicts


def judge_case(case, outcome, judging: Judging, comparison) -> Verdict:
    """One case's Verdict: the sandbox's own failure, else the check's failures. Figures and
    notebook exports (``figure.*``, ``export.*``) are taken out of the arrays first and go with
    the verdict whatever it is; a failed value comparison of a matrix adds its heat map."""
    feedback = None
    if outcome.arrays:
        from autograder.feedback.arrays import split_feedback
        feedback = split_feedback(outcome.arrays)
    verdict = _verdict(case, outcome, judging, comparison,
                       feedback.arrays if feedback is not None else outcome.arrays)
    if feedback is None:
        return verdict
    notes = "\n".join(f"note: feedback left out: {problem}" for problem in feedback.problems)
    message = "\n".join(filter(None, [verdict.message, notes]))
    return replace(verdict, message=message, images=(*feedback.images, *verdict.images),
                   exports=feedback.exports)


def _verdict(case, outcome, judging: Judging, comparison, got: dict) -> Verdict:
    if outcome.status != "ok":
        message = _STATUS_PREFIX.get(outcome.status, "") + (outcome.message or outcome.status)
        return Verdict(False, message, outcome=outcome)
    try:
        family = judging.scenarios.family(case.family)
        # A family whose check judges the submission against itself says so
        # (NEEDS_REFERENCE = False); its saved reference is then not read.
        expected = case.reference() if getattr(family, "NEEDS_REFERENCE", True) else {}
        if expected:
            from autograder.feedback.arrays import without_feedback
            expected = without_feedback(expected)
        known = known_mistakes(case) if judging.diagnose_known_mistakes else None
        compare = comparison.with_known(known)
        messages = failures(family, got, expected, case.params, compare)
    except Exception as exc:  # noqa: BLE001  (a grader bug costs this case, not the grading)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Verdict(False, INTERNAL_ERROR + detail, internal_error=True, outcome=outcome)
    images = tuple(_heat_map(got, expected, case.params, compare)) if messages else ()
    return Verdict(not messages, "\n".join(messages), outcome=outcome, images=images)


def _heat_map(got: dict, expected: dict, params: dict, compare):
    """The |expected - got| heat map of the first expected matrix (2-D or more, folded to 2-D)
    that has the student's shape and fails its comparison; nothing when none does. A picture
    is only a help: any trouble making it leaves it out."""
    try:
        from autograder.feedback.heatmap import as_matrix, heat_map
        for key in sorted(expected):
            want, have = expected[key], got.get(key)
            if (have is None or getattr(have, "shape", None) != want.shape
                    or as_matrix(want) is None):
                continue
            if compare.array(key, have, want, params) is not None:
                image = heat_map(key, want, have)
                if image is not None:
                    yield image
                return
    except Exception:  # noqa: BLE001
        return


def failures(family, got: dict, expected: dict, params: dict, compare) -> list[str]:
    """One case's failure messages (empty: passed): the family module's own ``check``, else
    ``compare.all``. ``compare`` is the case's autograder.compare.Comparison."""
    check = getattr(family, "check", None)
    if check is not None:
        return check(got, expected, params, compare)
    return compare.all(got, expected, params)


def known_mistakes(case):
    """The known mistakes stored next to the case's references (visible cases only), read once
    per grading process."""
    from autograder.diagnosis import MISTAKES_FILE, load_mistakes

    if case.hidden or case.data_dir is None:
        return None
    book = load_mistakes(Path(case.data_dir) / MISTAKES_FILE)
    return book.for_case(case.name) if book is not None else None

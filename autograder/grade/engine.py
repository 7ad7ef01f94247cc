"""Grade one submission, as a straight pipeline:

    prepare   the assignment's rubric and cases, and the student's code (intake)
    run       every case in the sandbox (in the background, overlapping the next step)
    judge     the rubric's one pytest test over each case's outcome, in this trusted process
    score     verdicts -> excused cases -> item scores -> flags -> one GradeResult
    views     (the caller's) table, JSON, Gradescope, Autolab, CSV: autograder/results/

Student code is never imported here.
"""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import Assignment
from autograder.grade.judge import judge
from autograder.grade.protect import protect_grader_files
from autograder.grade.score import import_flag, score, unreadable
from autograder.grading.checker import Checker
from autograder.grading.rubric import Rubric, load_rubric
from autograder.grading.session import GradingSession
from autograder.manifest import Case, ManifestError, available_suites, load_manifest
from autograder.results.model import GradeResult
from autograder.sandbox import Limits
from autograder.submission import SubmissionError, prepare, scan_imports

SUITE_CHOICES = ("visible", "all")


@dataclass
class GradeRequest:
    source: Path
    assignment: Assignment
    suite: str | None = None                 # "visible" | "all" | None (all when hidden exists)
    rubric: Rubric | None = None             # None: the assignment's rubric
    limits: Limits | None = None             # None: the rubric's limits
    extra_flags: list[str] = field(default_factory=list)


@dataclass
class Plan:
    """What one grading needs before any student code runs."""
    assignment: Assignment
    rubric: Rubric
    suite: str
    cases: list[Case]                        # in rubric order


def grade_submission(request: GradeRequest) -> GradeResult:
    """Raises ManifestError/RubricError for a broken grader set-up; a broken submission is
    never an exception: it gets a report."""
    started = time.monotonic()
    plan = make_plan(request)
    protect_grader_files(plan.assignment)
    with tempfile.TemporaryDirectory(prefix="autograder-intake-") as scratch:
        try:
            located = prepare(Path(request.source), Path(scratch) / "submission",
                              plan.assignment.shape)
        except SubmissionError as exc:
            return unreadable(plan.rubric, plan.cases, plan.suite, request.source, str(exc),
                              time.monotonic() - started)
        flags = [*request.extra_flags, *(import_flag(n) for n in scan_imports(located)),
                 *(f"missing-deliverable:{path}" for path in located.missing)]
        session = GradingSession(located, plan.cases, request.limits or plan.rubric.limits,
                                 Checker.of(plan.assignment),
                                 plan.rubric.diagnose_known_mistakes)
        session.start()                                  # run (in the background)
        try:
            judge(session, plan.assignment)              # judge, case by case as outcomes arrive
        finally:
            session.wait()
    result = score(plan.rubric, session, plan.suite, str(request.source), flags)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def make_plan(request: GradeRequest) -> Plan:
    assignment = request.assignment
    rubric = request.rubric or load_rubric(assignment.rubric_path)
    suite, suites = resolve_suites(request.suite, assignment.data_dir)
    cases = [case for name in suites for case in load_manifest(name, assignment.data_dir)]
    # Cases run in rubric order, so each can be judged while later ones still run.
    order = {item.id: index for index, item in enumerate(rubric.items)}
    cases.sort(key=lambda case: order.get(case.item, len(order)))
    return Plan(assignment, rubric, suite, cases)


def resolve_suites(suite: str | None, data_dir: Path) -> tuple[str, list[str]]:
    present = available_suites(data_dir)
    if "visible" not in present:
        raise ManifestError(f"no reference data in {data_dir}; run "
                            f"`python -m autograder references --assignment {data_dir.name}`")
    if suite is None:
        suite = "all" if "hidden" in present else "visible"
    if suite == "visible":
        return suite, ["visible"]
    if suite == "all":
        if "hidden" not in present:
            raise ManifestError("--suite all needs the hidden references, which this copy of "
                                "the grader does not have (students: use --suite visible)")
        return suite, ["visible", "hidden"]
    raise ManifestError(f"unknown suite {suite!r} (choose visible or all)")

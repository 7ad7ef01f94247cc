"""Grade one submission, as a straight pipeline of returned values:

    prepare   make_plan: the rubric, the cases (in rubric order), the sandbox limits;
              intake: the student's code, located, and what intake flags
    run       autograder.sandbox.run_cases: a generator of (case name, CaseOutcome)
    judge     autograder.grade.judge.judge: consumes those as they arrive -> {name: Verdict}
    score     autograder.grade.score.score: verdicts -> one GradeResult
    views     (the caller's) table, JSON, Gradescope, PrairieLearn, Autolab, CSV:
              autograder/results/

No thread, no callback, no global: the scratch folder is passed down, and the sandbox's
processes end when the generator is exhausted or closed. Student code is never imported here.
"""
from __future__ import annotations

import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from autograder.assignments import Assignment
from autograder.grade import SUITE_CHOICES
from autograder.grade.judge import Judging, judge
from autograder.grade.protect import protect_grader_files
from autograder.grade.rubric import Rubric, load_rubric
from autograder.grade.score import import_flags, score, unreadable
from autograder.manifest import Case, ManifestError, available_suites, load_manifest
from autograder.results.model import GradeResult
from autograder.sandbox import Limits, run_cases
from autograder.sandbox.prestart import StartedWorker, start_worker
from autograder.submission import SubmissionError, notebook_imports, prepare, scan_imports

__all__ = ["SUITE_CHOICES", "GradeRequest", "Plan", "grade_submission", "make_plan",
           "resolve_suites"]


@dataclass(frozen=True)
class GradeRequest:
    source: Path
    assignment: Assignment
    suite: str | None = None                 # "visible" | "all" | None (all when hidden exists)
    rubric: Rubric | None = None             # None: the assignment's rubric
    limits: Limits | None = None             # None: the assignment's policy limits
    extra_flags: tuple[str, ...] = ()
    scratch_dir: str | None = None           # where temporary folders go (None: the default)
    worker: StartedWorker | None = None      # a sandbox worker started ahead, which its
                                             # starter closes (None: one is started here)


@dataclass(frozen=True)
class Plan:
    """What one grading needs before any student code runs."""
    assignment: Assignment
    rubric: Rubric
    suite: str
    cases: list[Case]                        # in rubric order
    limits: Limits

    @property
    def judging(self) -> Judging:
        return Judging(self.cases, self.assignment.scenarios, self.assignment.vector_names,
                       self.rubric.diagnose_known_mistakes)


def grade_submission(request: GradeRequest) -> GradeResult:
    """Raises ManifestError/RubricError for a broken grader set-up; a broken submission is
    never an exception: it gets a report."""
    # The sandbox's worker starts first: its Python and NumPy load while the plan and the
    # intake run here (autograder/sandbox/prestart.py).
    if request.worker is not None:
        return _grade(request, request.worker)
    worker = start_worker(request.scratch_dir)
    try:
        return _grade(request, worker)
    finally:
        if worker is not None:
            worker.close()


def _grade(request: GradeRequest, worker: StartedWorker | None) -> GradeResult:
    started = time.monotonic()
    plan = make_plan(request)                                              # prepare
    protect_grader_files(plan.assignment)
    with tempfile.TemporaryDirectory(prefix="autograder-intake-",
                                     dir=request.scratch_dir) as intake:
        try:
            located = prepare(Path(request.source), Path(intake) / "submission",
                              plan.assignment.shape,
                              support_dir=plan.assignment.support_dir)
        except SubmissionError as exc:
            return unreadable(plan, request.source, str(exc), time.monotonic() - started)
        flags = [*request.extra_flags,
                 *import_flags(plan.assignment,
                              scan_imports(located, plan.assignment.policy)),
                 *(f"missing-deliverable:{path}" for path in located.missing),
                 *(f"notebook-import:{name} in {notebook}, cell {cell}" for notebook, cell, name
                   in notebook_imports(located, plan.assignment.policy))]
        outcomes = run_cases(located, [case.worker_spec() for case in plan.cases],  # run
                             plan.assignment.scenarios, plan.limits,
                             policy=plan.assignment.policy, scratch_dir=request.scratch_dir,
                             worker=worker)
        with closing(outcomes):
            verdicts = judge(plan.judging, outcomes)                       # judge
    result = score(plan, verdicts, flags, str(request.source))             # score
    result.seconds = round(time.monotonic() - started, 3)
    return result                                                          # views: the caller


def make_plan(request: GradeRequest) -> Plan:
    assignment = request.assignment
    rubric = request.rubric or load_rubric(assignment.rubric_path)
    suite, suites = resolve_suites(request.suite, assignment.data_dir)
    cases = [case for name in suites for case in load_manifest(name, assignment.data_dir)]
    # Cases run in rubric order, so each can be judged while later ones still run.
    order = {item.id: index for index, item in enumerate(rubric.items)}
    cases.sort(key=lambda case: order.get(case.item, len(order)))
    # The sandbox limits are the assignment's (assignment.toml [policy.limits]).
    return Plan(assignment, rubric, suite, cases, request.limits or assignment.policy.limits)


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

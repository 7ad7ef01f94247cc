"""Grade one submission: locate it, run the rubric's tests (pytest, in this trusted process) over
the sandboxed outcomes, and score the verdicts. Student code is never imported here."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grade.protect import protect_grader_files
from autograder.grading.rubric import Rubric, load_rubric
from autograder.grading.session import GradingSession, Verdict
from autograder.manifest import DATA_DIR, ManifestError, available_suites, load_manifest
from autograder.grading.excuse import excused_cases, failing_items
from autograder.results.model import CaseResult, GradeResult, ItemResult, scored_item
from autograder.results.scoring import total
from autograder.sandbox import Limits
from autograder.submission import SubmissionError, prepare, scan_imports

GRADING_DIR = Path(__file__).resolve().parent.parent / "grading"
SUITE_CHOICES = ("visible", "all")


@dataclass
class GradeRequest:
    source: Path
    suite: str | None = None                 # "visible" | "all" | None (all when hidden exists)
    rubric: Rubric | None = None
    data_dir: Path = DATA_DIR
    limits: Limits | None = None             # None: the rubric's limits
    extra_flags: list[str] = field(default_factory=list)


def resolve_suites(suite: str | None, data_dir: Path) -> tuple[str, list[str]]:
    present = available_suites(data_dir)
    if "visible" not in present:
        raise ManifestError(f"no reference data in {data_dir}; run `python -m autograder references`")
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


def grade_submission(request: GradeRequest) -> GradeResult:
    """Raises ManifestError/RubricError for a broken grader set-up; a broken submission is
    never an exception: it gets a report."""
    started = time.monotonic()
    rubric = request.rubric or load_rubric()
    suite, suites = resolve_suites(request.suite, request.data_dir)
    cases = [case for name in suites for case in load_manifest(name, request.data_dir)]
    # Run cases in the order the rubric's tests will ask for them (item by item), so each test
    # can judge its cases while later ones are still running.
    order = {item.id: index for index, item in enumerate(rubric.items)}
    cases.sort(key=lambda case: order.get(case.item, len(order)))
    protect_grader_files()
    flags = list(request.extra_flags)
    with tempfile.TemporaryDirectory(prefix="autograder-intake-") as scratch:
        try:
            located = prepare(Path(request.source), Path(scratch) / "submission")
        except SubmissionError as exc:
            return _unreadable(rubric, cases, suite, request.source, str(exc),
                               time.monotonic() - started)
        flags += [_import_flag(name) for name in scan_imports(located)]
        session = GradingSession(located, cases, request.limits or rubric.limits)
        session.diagnose_known_mistakes = rubric.diagnose_known_mistakes
        session.start()
        try:
            missing = _run_rubric_tests(session, rubric)
        finally:
            session.wait()
    for outcome in (session.outcomes or {}).values():
        flags += [_import_flag(name) for name in outcome.blocked_imports]
    flags = sorted(set(flags))
    result = _score(rubric, session, suite, str(request.source), flags, missing)
    result.output = _worker_output(session)
    result.seconds = round(time.monotonic() - started, 3)
    return result


# Libraries that are forbidden whether or not this machine has them installed.
KNOWN_LIBRARIES = frozenset({
    "torch", "tensorflow", "jax", "jaxlib", "keras", "scipy", "sklearn", "pandas", "cupy",
    "autograd", "mxnet", "paddle", "theano", "numba", "tinygrad", "mlx", "chainer"})


def _import_flag(name: str) -> str:
    """A forbidden library, or a module the submission imports but does not include."""
    if name in KNOWN_LIBRARIES or importlib.util.find_spec(name) is not None:
        return f"forbidden-import:{name}"
    return f"missing-module:{name}"


# Only trusted code runs in this session (student code never does), so per-test output and
# log capture, warning recording and the like only cost time (a few ms per case).
_QUIET_PYTEST = ["--capture=no", "-p", "no:logging", "-p", "no:warnings", "-p", "no:faulthandler",
                 "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin",
                 "-p", "no:stepwise", "-p", "no:cacheprovider", "-p", "no:unraisableexception",
                 "-p", "no:threadexception"]


def _run_rubric_tests(session: GradingSession, rubric: Rubric) -> set[str]:
    """Run test_rubric.py under pytest; return the ids of rubric items with no test function."""
    import pytest  # here, not at the top: the sandbox is already running by now

    from autograder.grading.plugin import GradingPlugin

    plugin = GradingPlugin(session, [item.id for item in rubric.items])
    args = [str(GRADING_DIR / "test_rubric.py"), "-c", str(GRADING_DIR / "pytest.ini"),
            "--rootdir", str(GRADING_DIR), "-p", "no:terminal", *_QUIET_PYTEST]
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args, plugins=[plugin])
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
    return {item.id for item in rubric.items} - plugin.tested_items


def _score(rubric, session, suite, source, flags, missing_tests) -> GradeResult:
    verdicts = {}
    for case in session.cases:
        verdict = session.verdicts.get(case.name)
        if verdict is None:
            why = ("no test function for this rubric item" if case.item in missing_tests
                   else "the case was not graded")
            verdict = Verdict(False, f"internal grader error (not your fault): {why}", True)
        verdicts[case.name] = verdict
    passed = {name: verdict.passed for name, verdict in verdicts.items()}
    excused = excused_cases(session.cases, passed) if rubric.excuse_dependent_cases else {}
    failing = failing_items(session.cases, passed)
    names = {item.id: item.name for item in rubric.items}
    case_results = {case.name: _case_result(case, verdicts[case.name], excused.get(case.name),
                                            failing, names)
                    for case in session.cases}
    # An item's flag marks what its own check found, not code that failed to run at all.
    flags = sorted(set(flags) | {item.flag for item in rubric.items if item.flag and any(
        c.item == item.id and not case_results[c.name].passed and case_results[c.name].scored
        and getattr((session.outcomes or {}).get(c.name), "status", "") == "ok"
        for c in session.cases)})
    forbidden = [f for f in flags if f.startswith("forbidden-import:")]
    zeroed = bool(forbidden) and rubric.forbidden_import_policy == "zero"
    items = []
    for item in rubric.items:
        scored = scored_item(item, [case_results[c.name] for c in session.cases
                                    if c.item == item.id])
        if zeroed:
            scored.score = 0.0
        items.append(scored)
    error = ""
    if any(v.internal_error for v in verdicts.values()):
        error = "the grader hit an internal error on some cases (marked in the report)"
    result = GradeResult(score=total(items, rubric.cap), max_score=rubric.cap, items=items,
                         flags=flags, suite=suite, submission=source, seconds=0.0,
                         status="error" if error else "graded", error=error, output="")
    if zeroed:
        result.error = ("score set to 0: only numpy and the Python standard library may be "
                        "imported (" + ", ".join(f.split(":", 1)[1] for f in forbidden) + ")")
    return result


def _case_result(case, verdict: Verdict, excused_by: list[str] | None, failing: set[str],
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


def _unreadable(rubric, cases, suite, source, reason, seconds) -> GradeResult:
    """A submission with no gradable code still gets every item, scored 0, with the reason."""
    items = [ItemResult(item.id, item.name, 0.0, item.points, item.bonus,
                        [CaseResult(c.name, False, c.hidden, reason)
                         for c in cases if c.item == item.id])
             for item in rubric.items]
    return GradeResult(score=0.0, max_score=rubric.cap, items=items, flags=["unreadable-submission"],
                       suite=suite, submission=str(source), seconds=round(seconds, 3),
                       status="graded", error=reason, output="")


def _worker_output(session: GradingSession, limit: int = 8000) -> str:
    """What the visible cases printed (a hidden case's output is not shown to students)."""
    hidden = {c.name for c in session.cases if c.hidden}
    parts = []
    for name, outcome in (session.outcomes or {}).items():
        if name not in hidden and outcome.output.strip():
            parts.append(f"--- {name} ---\n{outcome.output.rstrip()}")
    text = "\n".join(parts)
    return text if len(text) <= limit else text[:limit] + "\n[... output truncated]"

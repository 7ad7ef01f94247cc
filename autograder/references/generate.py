"""Regenerate an assignment's data/<suite>/ from its grading/cases/<suite>.toml and its solution,
atomically per suite; the visible suite also gets mistakes.json (references/mistakes.py)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograder.assignments import Assignment
from autograder.diagnosis import MISTAKES_FILE
from autograder.manifest import (SUITES, ManifestError, load_case_specs, manifest_entry,
                                 write_manifest)
from autograder.feedback.arrays import without_feedback
from autograder.npz import write_npz
from autograder.sandbox import Limits, run_cases
from autograder.submission import prepare


def generate_references(assignment: Assignment, suites=SUITES, solution_dir: Path | None = None,
                        limits: Limits | None = None, mistakes: bool = True) -> dict[str, int]:
    """Returns the number of cases written per suite. Raises ManifestError when the solution
    fails a case (references must come from a solution that runs every case).

    ``mistakes``: also write the visible suite's mistakes.json (every mutant of the catalogue
    run through the visible cases); only for the solution the catalogue mutates."""
    if assignment.solution_dir is None:
        raise ManifestError(f"{assignment.name}: no solution here to make references from")
    solution_dir = Path(solution_dir or assignment.solution_dir)
    mistakes = mistakes and solution_dir.resolve() == assignment.solution_dir
    data_dir = assignment.data_dir
    scenarios = assignment.scenarios
    counts = {}
    with tempfile.TemporaryDirectory(prefix="autograder-refs-") as scratch:
        located = prepare(solution_dir, Path(scratch) / "solution", assignment.shape,
                          support_dir=assignment.support_dir)
        for suite in suites:
            cases = load_case_specs(suite, assignment.cases_dir)
            outcomes = dict(run_cases(located, [c.worker_spec() for c in cases], scenarios,
                                      limits, policy=assignment.policy))
            broken = [f"{name}: {o.status} {o.message}" for name, o in outcomes.items()
                      if o.status != "ok"]
            if broken:
                raise ManifestError(f"the solution fails {len(broken)} {suite} case(s): "
                                    + "; ".join(broken)[:2000])
            data_dir.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{suite}-", dir=data_dir))
            try:
                entries = []
                for case in cases:
                    # Figures and notebook exports are feedback, never a reference.
                    arrays = without_feedback(outcomes[case.name].arrays)
                    write_npz(staging / f"{case.name}.npz", arrays)
                    # Its time on the solution sets the case's time limit in grading.
                    entries.append(manifest_entry(case, arrays, outcomes[case.name].seconds))
                write_manifest(staging, suite, entries)
                if mistakes and suite == "visible":
                    from autograder.references.mistakes import generate_mistakes
                    book = generate_mistakes(
                        assignment, cases,
                        {case.name: outcomes[case.name].arrays for case in cases}, limits)
                    (staging / MISTAKES_FILE).write_text(book.to_text(), encoding="utf-8")
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            _swap(staging, data_dir / suite)
            counts[suite] = len(cases)
    return counts


def _swap(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)

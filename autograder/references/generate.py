"""Regenerate data/<suite>/ from cases/<suite>.toml and the solution, atomically per suite; the
visible suite also gets mistakes.json (autograder/references/mistakes.py)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from autograder.diagnosis import MISTAKES_FILE
from autograder.manifest import (CASES_DIR, DATA_DIR, SUITES, ManifestError, load_case_specs,
                                 manifest_entry, write_manifest)
from autograder.npz import write_npz
from autograder.sandbox import Limits, run_cases
from autograder.submission import prepare

SOLUTION_DIR = DATA_DIR.parent.parent / "solution"


def generate_references(suites=SUITES, solution_dir: Path = SOLUTION_DIR,
                        cases_dir: Path = CASES_DIR, data_dir: Path = DATA_DIR,
                        limits: Limits | None = None, mistakes: bool = True) -> dict[str, int]:
    """Returns the number of cases written per suite. Raises ManifestError when the solution
    fails a case (references must come from a solution that runs every case).

    ``mistakes``: also write the visible suite's mistakes.json (every mutant of the catalogue
    run through the visible cases); only for the solution the catalogue mutates."""
    mistakes = mistakes and Path(solution_dir).resolve() == SOLUTION_DIR.resolve()
    counts = {}
    with tempfile.TemporaryDirectory(prefix="autograder-refs-") as scratch:
        located = prepare(Path(solution_dir), Path(scratch) / "solution")
        for suite in suites:
            cases = load_case_specs(suite, cases_dir)
            outcomes = run_cases(located, [c.worker_spec() for c in cases], limits or Limits())
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
                    arrays = outcomes[case.name].arrays
                    write_npz(staging / f"{case.name}.npz", arrays)
                    entries.append(manifest_entry(case, arrays))
                write_manifest(staging, suite, entries)
                if mistakes and suite == "visible":
                    from autograder.references.mistakes import generate_mistakes
                    book = generate_mistakes(
                        cases, {case.name: outcomes[case.name].arrays for case in cases}, limits)
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

"""Plant each assignment's mutants into copies of its solution, grade them end to end, and judge
the results (the catalogue is the assignment's grading/mutants.py).

Grading goes through the real command line: `python -m autograder batch --jobs 2 --suite all`
over a folder with one submission per mutant (the machine has two cores), or, in a copy of the
grader without the batch verb, `python -m autograder grade` per submission, two at a time.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from autograder.assignments import discover
from autograder.references.mutation import MutantError, load_catalogue, plant  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
VECTORISATION_FLAG = "not-vectorised"


def assignments_with_mutants() -> list[str]:
    """The assignments whose grading spec has a mutation catalogue."""
    return sorted(name for name, a in discover().items() if a.mutants_path.is_file())


def catalogue(name: str = "hw1") -> list:
    return load_catalogue(discover()[name])


def apply(mutant, dest: Path, also: Iterable = (), name: str = "hw1") -> Path:
    """A submission folder at ``dest``: the assignment's solution (its package, or its module
    and notebooks) with the mutant's edits (and then those of ``also``: several bugs)."""
    return plant(discover()[name], mutant, dest, also)


def grade(submission: Path, out: Path, timeout: float = 300, name: str = "hw1") -> dict:
    """The rubric JSON of one submission, graded on every suite."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                           "--assignment", name, "--suite", "all", "--json", str(out)],
                          cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"grading {submission} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return json.loads(out.read_text())


def grade_many(class_dir: Path, out_dir: Path, jobs: int = 2, name: str = "hw1"
               ) -> dict[str, dict]:
    """Grade every submission folder in ``class_dir``; folder name -> rubric JSON."""
    names = sorted(p.name for p in class_dir.iterdir() if p.is_dir())
    if (ROOT / "autograder" / "batch" / "cli.py").is_file():
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        proc = subprocess.run([sys.executable, "-m", "autograder", "batch", str(class_dir),
                               "--out", str(out_dir), "--jobs", str(jobs), "--suite", "all",
                               "--assignment", name, "--force"], cwd=ROOT, env=env,
                              capture_output=True, text=True,
                              timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"batch grading exited {proc.returncode}: {proc.stderr[-2000:]}")
        return {name: json.loads((out_dir / f"{name}.json").read_text()) for name in names}
    out_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {entry: pool.submit(grade, class_dir / entry, out_dir / f"{entry}.json",
                                      name=name)
                   for entry in names}
        return {entry: future.result() for entry, future in futures.items()}


def grade_mutants(mutants: list, work: Path, jobs: int = 2, name: str = "hw1"
                  ) -> dict[str, dict]:
    """Mutant id -> rubric JSON of the assignment's solution with that mutant applied."""
    for m in mutants:
        apply(m, work / "class" / m.id, name=name)
    return grade_many(work / "class", work / "results", jobs, name)


def hurt_items(result: dict) -> set[str]:
    """Items with at least one scored case that failed (for items with points: items that lost
    points). Excused cases (they run a failing item's code) do not count."""
    return {item["id"] for item in result["items"]
            if any(not case["passed"] and not case.get("excused", False)
                   for case in item["cases"])}


def problems(mutant, result: dict) -> list[str]:
    """Why this mutant's grade is wrong; empty when every target caught it and no other item
    lost anything (one bug, one item)."""
    found = []
    if result.get("status") != "graded":
        found.append(f"grading status {result.get('status')!r}: {result.get('error')}")
    hurt = hurt_items(result)
    scores = {item["id"]: (item["score"], item["max_score"]) for item in result["items"]}
    for target in sorted(mutant.targets):
        if target not in hurt:
            found.append(f"survived: {target} passed every case")
        elif scores[target][1] > 0 and scores[target][0] >= scores[target][1]:
            found.append(f"survived: {target} kept full points")
    collateral = hurt - set(mutant.targets)
    if collateral:
        found.append(f"hurt unrelated items: {sorted(collateral)}")
    flagged = VECTORISATION_FLAG in result.get("flags", [])
    if "vectorisation" in mutant.targets and not flagged:
        found.append(f"no {VECTORISATION_FLAG} flag")
    if flagged and "vectorisation" not in mutant.targets:
        found.append(f"flagged {VECTORISATION_FLAG} but it does not loop over samples")
    return found

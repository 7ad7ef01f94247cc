"""Helpers for the kit's tests: make submissions from a solution, grade them end to end.

Paths default to the first assignment, hw1; ``assignment(name)`` gives any other's."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.assignments import Assignment, discover

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "solution" / "hw1"
HANDOUT_DIR = ROOT / "handout" / "hw1"
RUBRIC = SOLUTION_DIR / "grading" / "rubric.toml"
HW1_DATA = ROOT / "data" / "hw1"
HW1_CASES = SOLUTION_DIR / "grading" / "cases"
ASSIGNMENTS = sorted(discover())


def assignment(name: str = "hw1") -> Assignment:
    return discover()[name]


def copy_solution(dest: Path, name: str = "hw1") -> Path:
    """A submission folder holding a copy of the assignment's solution package."""
    package = assignment(name).shape.package
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "solution" / name / package, dest / package,
                    ignore=shutil.ignore_patterns("__pycache__", "outputs"))
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; fails loudly when ``old`` is not there."""
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count))


def rubric_with_limits(dest: Path, name: str = "hw1", **limits) -> Path:
    """A copy of an assignment's rubric with some sandbox limits changed."""
    text = assignment(name).rubric_path.read_text()
    head, _, rest = text.partition("[limits]\n")
    body, sep, tail = rest.partition("\n[[item]]")
    lines = [line for line in body.splitlines() if line.split("=")[0].strip() not in limits]
    lines += [f"{k} = {v}" for k, v in limits.items()]
    dest.write_text(head + "[limits]\n" + "\n".join(lines) + "\n" + sep + tail)
    return dest


def run_autograder(*args, timeout: float = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def grade(submission: Path, tmp: Path, *extra) -> tuple[dict, subprocess.CompletedProcess]:
    """Grade end to end through the CLI (as hw1 unless ``extra`` names the assignment); return
    the rubric JSON and the process."""
    out = tmp / f"result-{len(list(tmp.glob('result-*.json')))}.json"
    if "--assignment" not in extra:
        extra = ("--assignment", "hw1", *extra)
    proc = run_autograder("grade", submission, "--json", out, *extra)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc


def item_scores(result: dict) -> dict[str, float]:
    return {item["id"]: item["score"] for item in result["items"]}


def full_marks(result: dict) -> dict[str, float]:
    return {item["id"]: item["max_score"] for item in result["items"]}


def family(name: str, assignment_name: str = "hw1"):
    """A case family module of an assignment (or its ``common`` helpers), imported as grading
    imports it."""
    return assignment(assignment_name).scenarios.family(name)


def families(assignment_name: str = "hw1") -> dict:
    """Every case family of an assignment by name (its helper modules left out)."""
    folder = assignment(assignment_name).scenarios_dir
    return {p.stem: family(p.stem, assignment_name) for p in sorted(folder.glob("*.py"))
            if not p.stem.startswith("_") and hasattr(family(p.stem, assignment_name), "run")}


def prepare_hw1(source: Path, scratch: Path, limits=None):
    """Intake of a submission as hw1's (``limits``: ArchiveLimits)."""
    from autograder.submission import prepare
    shape = assignment("hw1").shape
    return prepare(source, scratch, shape) if limits is None else prepare(source, scratch,
                                                                            shape, limits)


def run_hw1_cases(located, cases, limits=None, on_outcome=None):
    """The sandbox run of worker specs with hw1's case families."""
    from autograder.sandbox import run_cases
    return run_cases(located, cases, assignment("hw1").scenarios, limits, on_outcome)

"""``--check``: what a built handout must prove beyond the proofs every build makes.

1. deterministic: a second build gives byte-identical files and archive;
2. leak-free: the leak scan (leaks.py, independent of the stripper) finds nothing in the whole
   archive, engine included;
3. the stubs score zero and 4. the solution dropped into it scores full: the archive is
   unzipped into a scratch folder and graded by its own engine in a fresh interpreter with a
   clean environment, exactly as a student runs it: ``python -m autograder grade .``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.assignments import Assignment
from autograder.files import read_zip
from autograder.handout.build import Handout, assemble
from autograder.handout.leaks import find_leaks
from autograder.references.solution import copy_solution, is_package

GRADE_TIMEOUT_SECONDS = 600
# What a student's shell passes on: enough to find Python and a scratch folder, nothing that
# leads back to the kit (no PYTHONPATH, no AUTOGRADER_ASSIGNMENTS).
STUDENT_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)     # what was proved, one phrase each


def check(assignment: Assignment, handout: Handout, archive: bytes) -> CheckReport:
    report = CheckReport()
    again = assemble(assignment)
    if again.files != handout.files or again.archive_bytes() != archive:
        differing = sorted(p for p in set(again.files) | set(handout.files)
                           if again.files.get(p) != handout.files.get(p))
        report.problems.append("two builds differ (not deterministic, or a source changed "
                               f"during the build): {', '.join(differing) or 'the archive'}")
    else:
        report.facts.append("two builds are byte-identical")
    members = read_zip(archive)
    top = f"{handout.config.name}/"
    leaks = find_leaks(handout.config, {name[len(top):]: data for name, data in members.items()})
    if leaks:
        report.problems += leaks
    else:
        report.facts.append(f"no leak in the {len(members)} files of the archive")
    with tempfile.TemporaryDirectory(prefix="autograder-handout-check-") as scratch:
        folder = unzip(members, Path(scratch))
        stubs = grade_as_a_student(folder, Path(scratch) / "stubs.json")
        if isinstance(stubs, str):
            report.problems.append(f"grading the stubs: {stubs}")
        else:
            scored = {i["id"]: i["score"] for i in automatic(stubs) if i["score"] != 0}
            if scored or not automatic(stubs):
                report.problems.append(f"the stubs score on {sorted(scored) or 'no item'}")
            else:
                report.facts.append(f"the stubs score 0/{max_total(stubs):g}")
        drop_in_solution(assignment, folder)
        solved = grade_as_a_student(folder, Path(scratch) / "solution.json")
        if isinstance(solved, str):
            report.problems.append(f"grading the solution: {solved}")
        else:
            short = sorted(i["id"] for i in automatic(solved) if i["score"] != i["max_score"])
            if short or not automatic(solved):
                report.problems.append(f"the solution loses points on {short or 'no item'}")
            else:
                report.facts.append(f"the solution scores {max_total(solved):g}/"
                                    f"{max_total(solved):g}")
    return report


def unzip(members: dict[str, bytes], into: Path) -> Path:
    for name, data in members.items():
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder,) = {into / name.split("/", 1)[0] for name in members}
    return folder


def drop_in_solution(assignment: Assignment, folder: Path) -> None:
    """Replace the stubbed package (or module and starter notebooks) by the reference
    solution's, as a finished student would."""
    if is_package(assignment):
        shutil.rmtree(folder / assignment.shape.package)
    copy_solution(assignment, folder)


def grade_as_a_student(folder: Path, out: Path) -> dict | str:
    """The rubric JSON of ``python -m autograder grade .`` run inside ``folder`` with the
    folder's own engine, or a one-line reason it could not be had."""
    env = {key: os.environ[key] for key in STUDENT_ENVIRONMENT if key in os.environ}
    env.update(PYTHONDONTWRITEBYTECODE="1", MPLBACKEND="Agg")
    command = [sys.executable, "-m", "autograder", "grade", ".", "--json", str(out)]
    try:
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                              timeout=GRADE_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"took over {GRADE_TIMEOUT_SECONDS} s"
    if done.returncode != 0 or not out.is_file():
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return f"exit status {done.returncode}: {tail}"
    result = json.loads(out.read_text(encoding="utf-8"))
    if result.get("suite") != "visible" or result.get("status") != "graded":
        return f"suite {result.get('suite')!r}, status {result.get('status')!r}"
    return result


def automatic(result: dict) -> list[dict]:
    return [item for item in result["items"] if not item.get("manual")]


def max_total(result: dict) -> float:
    return sum(item["max_score"] for item in automatic(result))

"""What every hostile grading must satisfy, computed from the case specs, never from the report.

A case "touches" the student API names its scenario calls, as the assignment's hostile corpus
maps them (``api_names`` of tests/assignments/<name>/hostile_corpus.py: hw1 names classes and
functions, cw3 methods, "Class.method"). Cases touching an attacked name are guilty; every
other case must pass, so every item without a guilty case keeps full marks and the total is
exactly what the honest parts earn.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.grade.score import score_item
from support import assignment as find_assignment
from support import own_module

GRADER_DIR = Path(__file__).resolve().parents[2]
GRADER_FILES = [GRADER_DIR / "autograder", GRADER_DIR / "solution", GRADER_DIR / "data"]


def cases(suite: str, assignment: str = "hw1") -> list:
    data = find_assignment(assignment).data_dir
    return load_manifest("visible", data) + (load_manifest("hidden", data)
                                             if suite == "all" else [])


def api_names(case, assignment: str = "hw1") -> frozenset[str]:
    """The student API names a case runs, as the assignment's hostile corpus maps them
    (tests/assignments/<name>/hostile_corpus.py: api_names)."""
    return own_module(assignment, "hostile_corpus").api_names(case)


def tests_alone(names: frozenset[str]) -> bool:
    """A case that runs one class (or function) only: it must fail when that is attacked."""
    return len({name.split(".")[0] for name in names}) == 1


# --------------------------------------------------------------------------------- checks

def own_words(case: dict) -> str:
    """What a case found, without the notes grading adds (an excused case's "not scored: ...",
    a failed one's "Note: this case also runs your <item>"), which name items, not reasons."""
    message = case["message"]
    if case.get("excused", False):
        message = message.partition("\nWhat this case found: ")[2]
    return message.partition("\nNote: this case also runs")[0]


def assert_contained(result: dict, suite: str, guilty: frozenset[str],
                     reasons: dict[str, str] | None = None, assignment: str = "hw1") -> None:
    """Cases that test an attacked name alone fail with its reason; cases that also run other
    code may pass, or fail with a reason or downstream of it (excused, i.e. not scored since
    they run an item that failed, or with the note naming that item); every other case passes;
    every item scores points x passed/scored of exactly that pattern; every item without a
    guilty case keeps full marks; the total follows."""
    reasons = reasons or {}
    def names_of(case):
        return api_names(case, assignment)
    by_name = {c["name"]: c for item in result["items"] for c in item["cases"]}
    specs = cases(suite, assignment)
    assert set(by_name) == {c.name for c in specs}
    timed = {item["id"] for item in result["items"] if item["max_score"] == 0}
    problems = []
    for spec in specs:
        got = by_name[spec.name]
        names = names_of(spec)
        hit = names & guilty
        if spec.item in timed:
            continue  # 0-point items judge timing (vectorisation), not values: not for this check
        if not hit:
            if not got["passed"]:
                problems.append(f"{spec.name}: an innocent case failed: {got['message']}")
            continue
        direct = tests_alone(names)
        if got["passed"]:
            # A case may not call the attacked method (zero_grads never calls forward).
            if direct:
                problems.append(f"{spec.name}: passed although it tests {sorted(hit)}")
            continue
        wanted = [reasons[n] for n in hit if reasons.get(n)]
        # A case of the attacked name itself must give the attack's reason (an excused one
        # too: its message says what it found); a case running more may instead fail
        # downstream of it, excused or with the note that names the failed item.
        downstream = not direct and (got.get("excused", False)
                                     or "Note: this case also runs" in got["message"])
        if wanted and not downstream and not any(w in own_words(got) for w in wanted):
            problems.append(f"{spec.name}: expected one of {wanted} in: {got['message']}")
    assert problems == [], "\n".join(problems)
    total = 0.0
    for item in result["items"]:
        scored = [c for c in item["cases"] if not c.get("excused", False)]
        passed = sum(c["passed"] for c in scored)
        expected = score_item(item["max_score"], passed, len(scored), False)
        assert item["score"] == round(expected, 2) or abs(item["score"] - expected) < 0.011, item
        touched = any(names_of(s) & guilty for s in specs if s.item == item["id"])
        if item["id"] in timed or item.get("manual"):
            continue  # manual: graded by hand, no case
        if not touched:
            assert item["score"] == item["max_score"], item["id"]
        total += expected
    assert abs(result["score"] - min(result["max_score"], total)) < 0.011


def fingerprint(paths=GRADER_FILES) -> dict[str, tuple[str, int]]:
    """sha256 and mode of every file under the grader's folders (caches left out)."""
    found = {}
    for top in paths:
        for path in sorted(top.rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            found[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                path.stat().st_mode & 0o777)
    return found


def processes_with(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{entry}: {cmdline}")
    return found


def processes_in(folder: Path) -> list[str]:
    """Live processes whose working folder or environment (HOME) lies under ``folder``: as root,
    the sandbox's processes of a grading whose scratch folders were made there (TMPDIR)."""
    found = []
    needle = str(folder).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
            cwd = os.readlink(f"/proc/{entry}/cwd").encode()
        except OSError:
            continue
        if needle in environ or cwd.startswith(needle):
            found.append(entry)
    return found


def full_marks(*items: str):
    """A check of a hostile grading's report: these items kept every point."""
    def check(result: dict) -> None:
        found = {item["id"]: item for item in result["items"]}
        assert all(found[i]["score"] == found[i]["max_score"] for i in items), \
            {i: found[i]["score"] for i in items}
    return check

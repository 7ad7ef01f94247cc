"""The submission policy in the sandbox: the worker imports each allowed library once, before it
forks its case processes, and a file may import only what the policy allows that file
(tests/fixtures/slow_library_course: slowlib, which takes a second to import, is allowed in
scaled.py only)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.sandbox import Limits, run_cases
from autograder.submission import prepare, scan_imports
from support import run_autograder

COURSE = Path(__file__).resolve().parent / "fixtures" / "slow_library_course"
LIBRARY = COURSE / "lib"
NOT_ALLOWED = "import of 'slowlib' is not allowed in slownet/plain.py"


@pytest.fixture
def slow(monkeypatch):
    """The fixture assignment, with slowlib importable in this process (as it would be
    installed)."""
    monkeypatch.syspath_prepend(str(LIBRARY))
    return discover(environ={"AUTOGRADER_ASSIGNMENTS": str(COURSE)})["slow"]


def submission(tmp_path: Path, plain_imports_slowlib: bool = False) -> Path:
    sub = tmp_path / "sub"
    shutil.copytree(COURSE / "solution" / "slow" / "slownet", sub / "slownet")
    if plain_imports_slowlib:
        plain = sub / "slownet" / "plain.py"
        plain.write_text("import slowlib\n" + plain.read_text())
    return sub


def test_an_allowed_library_is_imported_once_per_worker_not_once_per_case(slow, tmp_path):
    located = prepare(submission(tmp_path), tmp_path / "located", slow.shape)
    cases = [{"name": f"origin_{i}", "family": "import_origin", "params": {}} for i in range(6)]
    # One case per process: six case processes, each importing the submission afresh.
    limits = Limits(case_seconds=20.0, parallel_cases=2, cases_per_process=1)
    outcomes = dict(run_cases(located, cases, slow.scenarios, limits, policy=slow.policy))
    assert {o.status for o in outcomes.values()} == {"ok"}, outcomes
    importers = {o.arrays["imported_in_pid"].item() for o in outcomes.values()}
    case_pids = {o.arrays["case_pid"].item() for o in outcomes.values()}
    assert len(case_pids) == 6
    assert len(importers) == 1 and not importers & case_pids   # the worker imported it, once


def test_a_file_may_import_only_what_the_policy_allows_it(slow, tmp_path):
    assert slow.policy.allowed_for("slownet/scaled.py") == {"numpy", "slowlib"}
    assert slow.policy.allowed_for("slownet/plain.py") == {"numpy"}
    good = prepare(submission(tmp_path / "good"), tmp_path / "good-located", slow.shape)
    bad = prepare(submission(tmp_path / "bad", plain_imports_slowlib=True),
                  tmp_path / "bad-located", slow.shape)
    assert scan_imports(good, slow.policy) == []
    assert scan_imports(bad, slow.policy) == ["slowlib"]
    assert scan_imports(good) == ["slowlib"]   # the engine's default policy: numpy only
    cases = [{"name": "origin", "family": "import_origin", "params": {}}]
    ok = dict(run_cases(good, cases, slow.scenarios, Limits(case_seconds=20.0),
                        policy=slow.policy))
    assert ok["origin"].status == "ok" and ok["origin"].blocked_imports == []
    refused = dict(run_cases(bad, cases, slow.scenarios, Limits(case_seconds=20.0),
                             policy=slow.policy))
    assert refused["origin"].status == "error"
    assert NOT_ALLOWED in refused["origin"].message
    assert refused["origin"].blocked_imports == ["slowlib"]


def test_grading_under_the_policy_flags_the_file_that_may_not_import_the_library(tmp_path):
    environ = {"AUTOGRADER_ASSIGNMENTS": str(tmp_path / "course"), "PYTHONPATH": str(LIBRARY)}
    shutil.copytree(COURSE, tmp_path / "course")
    made = run_autograder("references", "--assignment", "slow", environ=environ)
    assert made.returncode == 0, made.stderr
    results = {}
    for name, plain_imports_slowlib in (("good", False), ("bad", True)):
        out = tmp_path / f"{name}.json"
        graded = run_autograder("grade", submission(tmp_path / name, plain_imports_slowlib),
                                "--assignment", "slow", "--json", out, environ=environ)
        assert graded.returncode == 0, graded.stderr
        results[name] = json.loads(out.read_text())
    assert results["good"]["score"] == 10 and results["good"]["flags"] == []
    bad = results["bad"]
    assert "forbidden-import:slowlib" in bad["flags"]
    messages = [c["message"] for item in bad["items"] for c in item["cases"]]
    assert messages and all(NOT_ALLOWED in m for m in messages), messages

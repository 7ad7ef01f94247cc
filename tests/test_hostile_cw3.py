"""The hostile corpus against CW3, graded end to end through
`python -m autograder grade --assignment cw3`.

The attacks are hw1's bodies aimed at CW3's methods (tests/hostile/corpus_cw3.py); what must fail
is computed from CW3's case specs (expect.cw3_api_names: the methods each case runs; the first
test checks that mapping against what the solution's methods see). Every grading here is checked
as tests/test_hostile.py checks hw1's (hostile.grading.hostile_grade): exit 0, a graded report,
no traceback, no grader file changed (data/cw3 and solution/cw3 included), no process left
behind. Beyond that each must fail exactly the cases that run an attacked method, each with the
attack's reason (or excused), and leave every other case passing. Run as root (CI), the
privilege drop, read-only mounts and network namespace are exercised; run as another user, the
root-only expectations are skipped.
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

import pytest

from hostile import corpus, expect
from hostile import corpus_cw3 as cw3
from hostile.grading import (Listener, assert_the_real_report_wins, hostile_grade, protect,
                             root_only)
from support import ROOT, assignment, family, rubric_with_limits

NAME = cw3.ASSIGNMENT


@pytest.fixture(scope="module")
def marker():
    """A number that appears in the command line of every process the attacks start."""
    return f"{random.SystemRandom().randint(10**6, 10**7)}.{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def protected_once():
    """As root the first grading chmods the grader's secrets; do it before fingerprinting."""
    protect(NAME)


def grade(tmp: Path, submission: Path, *args, **options) -> tuple[dict, object]:
    return hostile_grade(tmp, submission, *args, assignment=NAME, **options)


def assert_contained(result: dict, suite: str, attacks: list[corpus.Attack]) -> None:
    expect.assert_contained(result, suite, corpus.guilty_names(attacks),
                            corpus.reasons_by_name(attacks), assignment=NAME)


def has_full_marks(result: dict, *items: str) -> bool:
    found = {item["id"]: item for item in result["items"]}
    return all(found[i]["score"] == found[i]["max_score"] for i in items)


def assert_wrong_sigmoid_seen(result: dict) -> None:
    """Every case of the sigmoid item failed on the values of the attacked Sigmoid.forward."""
    cases = next(item["cases"] for item in result["items"] if item["id"] == "sigmoid")
    assert cases and all(not c["passed"] and c["message"].startswith("sigmoid.out: ")
                         for c in cases), cases


# ----------------------------------------------------------------------------- the mapping

def test_the_mapping_names_exactly_the_methods_each_case_runs_on_the_solution(monkeypatch):
    """expect.cw3_api_names against the solution: every case of both suites, run in process
    with each method of the contract's classes recording its calls."""
    solution = str(ROOT / "solution" / NAME)
    if solution not in sys.path:
        monkeypatch.syspath_prepend(solution)
    import cw3_mlp
    called: set[str] = set()

    def recording(label, method):
        def record(*args, **kwargs):
            called.add(label)
            return method(*args, **kwargs)
        return record

    for cls in {getattr(cw3_mlp, name) for name in cw3.FILES}:
        for attr, value in list(vars(cls).items()):
            if callable(value):
                monkeypatch.setattr(cls, attr, recording(f"{cls.__name__}.{attr}", value))
    wrong = {}
    for case in expect.cases("all", NAME):
        called.clear()
        family(case.family, NAME).run(cw3_mlp, case.params)
        if frozenset(called) != expect.cw3_api_names(case):
            wrong[case.name] = (sorted(called), sorted(expect.cw3_api_names(case)))
    assert wrong == {}


# ----------------------------------------------------------------------------- tampering

def test_tampering_gains_nothing_and_the_real_reports_win(tmp_path, marker):
    sub = corpus.build(tmp_path / "sub", [cw3.TAMPER], NAME, marker=marker)
    gradescope = tmp_path / "results.json"
    result, proc = grade(tmp_path, sub, "--suite", "all", "--autolab", "--gradescope",
                         gradescope, marker=marker)
    assert_contained(result, "all", [cw3.TAMPER])
    assert_wrong_sigmoid_seen(result)  # whatever comparisons the submission patched
    assert_the_real_report_wins(result, proc, gradescope, corpus.fake_autolab(NAME))
    assert has_full_marks(result, "linear", "model")


# ---------------------------------------------------------------------- exits and crashes

@pytest.fixture(scope="module")
def crashes(tmp_path_factory, marker):
    tmp = tmp_path_factory.mktemp("crashes-cw3")
    sub = corpus.build(tmp / "sub", cw3.CRASHES, NAME)
    result, _ = grade(tmp, sub, "--suite", "all", marker=marker)
    return tmp, sub, result


def test_exits_and_crashes_cost_only_their_cases(crashes):
    _, _, result = crashes
    assert_contained(result, "all", cw3.CRASHES)
    # weight_decay builds Linear layers and steps SGD, and calls no attacked method.
    assert has_full_marks(result, "weight_decay")


def test_the_same_submission_twice_gets_the_same_report(crashes):
    tmp, sub, first = crashes
    second, _ = grade(tmp, sub, "--suite", "all")
    for result in (first, second):
        result.pop("seconds")
    assert second == first


# ------------------------------------------------------------------------------ resources

def test_loops_memory_output_and_daemons_are_bounded(tmp_path, marker):
    sub = corpus.build(tmp_path / "sub", cw3.RESOURCES, NAME, marker=marker)
    rubric = rubric_with_limits(tmp_path / "rubric.toml", name=NAME, case_seconds=2,
                                memory_mib=1024)
    result, _ = grade(tmp_path, sub, "--suite", "visible", rubric=rubric, marker=marker)
    assert_contained(result, "visible", cw3.RESOURCES)
    # 40 MiB were printed by each passing Sigmoid case; the report keeps a few KiB.
    assert has_full_marks(result, "linear", "sigmoid", "sgd_momentum", "weight_decay")
    assert "output truncated" in result["output"] and len(result["output"]) < 20_000


# ----------------------------------------------------- confidentiality, integrity, network

@root_only
def test_secrets_stay_secret_grader_files_unchanged_and_no_network(tmp_path, marker):
    listener = Listener()
    try:
        sub = corpus.build(tmp_path / "sub", [cw3.SNOOP, cw3.NETWORK], NAME, marker=marker,
                           port=listener.port)
        result, _ = grade(tmp_path, sub, "--suite", "all", marker=marker)
    finally:
        listener.close()
    # Unreadable references: the cheating Sigmoid.forward found none, so all its cases fail.
    assert_contained(result, "all", [cw3.SNOOP, cw3.NETWORK])
    assert_wrong_sigmoid_seen(result)
    output = result["output"]
    spec = assignment(NAME)
    for secret in (spec.data_dir / "hidden" / "manifest.json",
                   spec.spec_dir / "cases" / "hidden.toml",
                   spec.solution_dir / spec.shape.package / "layers.py"):
        assert f"DENIED {secret}" in output, secret
    assert output.count("DENIED") >= 20, output
    assert "LEAKED" not in output and "TAMPERED" not in output, output
    assert listener.connections == 0
    assert "NET-BLOCKED 127.0.0.1" in output and "NET-BLOCKED dns" in output
    assert "NET-OPEN" not in output
    for stolen in (Path(f"/tmp/stolen-{marker}"), corpus.GRADER_DIR / f"stolen-{marker}"):
        assert not stolen.exists()
    for path in (spec.data_dir / "hidden", spec.data_dir / "hidden" / "manifest.json",
                 spec.spec_dir / "cases" / "hidden.toml", spec.solution_dir):
        assert path.stat().st_mode & 0o007 == 0, path


# -------------------------------------------------------------------------------- imports

def test_forbidden_and_missing_imports_cost_their_cases_under_the_flag_policy(tmp_path):
    attacks = [cw3.DYNAMIC_IMPORT, cw3.MISSING_MODULE]
    sub = corpus.build(tmp_path / "sub", attacks, NAME)
    rubric = tmp_path / "rubric.toml"
    text = assignment(NAME).rubric_path.read_text()
    assert 'forbidden_import_policy = "zero"' in text
    rubric.write_text(text.replace('forbidden_import_policy = "zero"',
                                   'forbidden_import_policy = "flag"'))
    result, _ = grade(tmp_path, sub, "--suite", "all", rubric=rubric)
    assert_contained(result, "all", attacks)
    # torch only reached the runtime blocker (its name was built at run time).
    assert "forbidden-import:torch" in result["flags"]
    assert any(f.endswith(":helpers_not_shipped") for f in result["flags"]), result["flags"]


@pytest.mark.parametrize("attack", [cw3.STATIC_IMPORT, cw3.DYNAMIC_IMPORT],
                         ids=["static", "dynamic"])
def test_a_forbidden_import_anywhere_scores_zero_by_default(tmp_path, attack):
    sub = corpus.build(tmp_path / "sub", [attack], NAME)
    result, _ = grade(tmp_path, sub, "--suite", "visible")
    assert result["score"] == 0 and "torch" in result["error"]
    assert "forbidden-import:torch" in result["flags"]

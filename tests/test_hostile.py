"""The hostile corpus, graded end to end through `python -m autograder grade`.

Every grading here must: end with exit 0 and a valid report; fail exactly the cases that run an
attacked name, with the attack's reason; leave every other case passing (so the total is what
the honest parts earn); change no grader file; leave no process behind. Run as root (CI), the
privilege drop, read-only mounts and network namespace are exercised; run as another user, the
same file checks the non-root path (root-only expectations are skipped).
tests/test_hostile_nonroot.py runs the non-root path as `nobody` when the suite runs as root.
"""
from __future__ import annotations

import os
import random
import tarfile
import zipfile
from pathlib import Path

import pytest

from hostile import corpus, expect
from hostile.grading import (AS_ROOT, Listener, assert_the_real_report_wins, hostile_grade,
                             messages, root_only)
from support import RUBRIC, rubric_with_limits


@pytest.fixture(scope="module")
def marker():
    """A number that appears in the command line of every process the attacks start."""
    return f"{random.SystemRandom().randint(10**6, 10**7)}.{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def protected_once():
    """As root the first grading chmods the grader's secrets; do it before fingerprinting."""
    from autograder.grade.protect import protect_grader_files
    from support import assignment
    protect_grader_files(assignment("hw1"))


# ----------------------------------------------------------------------------- tampering

def test_tampering_gains_nothing_and_the_real_reports_win(tmp_path, marker):
    sub = corpus.build(tmp_path / "sub", [corpus.TAMPER], marker=marker)
    gradescope = tmp_path / "results.json"
    result, proc = hostile_grade(tmp_path, sub, "--suite", "all", "--autolab",
                                 "--gradescope", gradescope, marker=marker)
    expect.assert_contained(result, "all", corpus.guilty_names([corpus.TAMPER]),
                            corpus.reasons_by_name([corpus.TAMPER]))
    assert_the_real_report_wins(result, proc, gradescope, corpus.FAKE_AUTOLAB)


# ---------------------------------------------------------------------- exits and crashes

@pytest.fixture(scope="module")
def crashes(tmp_path_factory, marker):
    tmp = tmp_path_factory.mktemp("crashes")
    sub = corpus.build(tmp / "sub", corpus.CRASHES, kill_everyone=AS_ROOT)
    result, _ = hostile_grade(tmp, sub, "--suite", "all", marker=marker)
    return tmp, sub, result


def test_exits_and_crashes_cost_only_their_cases(crashes):
    _, _, result = crashes
    expect.assert_contained(result, "all", corpus.guilty_names(corpus.CRASHES),
                            corpus.reasons_by_name(corpus.CRASHES))


def test_the_same_submission_twice_gets_the_same_report(crashes):
    tmp, sub, first = crashes
    second, _ = hostile_grade(tmp, sub, "--suite", "all")
    for result in (first, second):
        result.pop("seconds")
    assert second == first


@pytest.mark.parametrize("code, reason", [(corpus.SYS_EXIT_AT_IMPORT, "sys.exit(0)"),
                                          (corpus.OS_EXIT_AT_IMPORT, "exit code 7")],
                         ids=["sys.exit", "os._exit"])
def test_exit_at_import_fails_every_case_with_the_reason(tmp_path, code, reason):
    (tmp_path / "hw1.py").write_text(code)
    result, _ = hostile_grade(tmp_path, tmp_path / "hw1.py", "--suite", "visible")
    assert result["score"] == 0
    assert all(reason in m for m in messages(result).values()), messages(result)


def test_a_syntax_error_is_reported_with_its_line(tmp_path):
    (tmp_path / "hw1.py").write_text(corpus.SYNTAX_ERROR)
    result, _ = hostile_grade(tmp_path, tmp_path / "hw1.py", "--suite", "visible")
    assert result["score"] == 0
    wanted = f"SyntaxError in hw1.py, line {corpus.SYNTAX_ERROR_LINE}"
    assert all(wanted in m for m in messages(result).values()), messages(result)


# ------------------------------------------------------------------------------ resources

def test_loops_memory_output_and_daemons_are_bounded(tmp_path, marker):
    trap = tmp_path / "trap" / "created-by-the-grader"
    trap.parent.mkdir()
    sub = corpus.build(tmp_path / "sub", corpus.RESOURCES, marker=marker, trap=str(trap))
    rubric = rubric_with_limits(tmp_path / "rubric.toml", case_seconds=2, memory_mib=1024)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible", rubric=rubric, marker=marker)
    assert not trap.exists()
    assert '"suite": "hidden"' not in result["output"]  # the secret behind a planted link
    expect.assert_contained(result, "visible", corpus.guilty_names(corpus.RESOURCES),
                            corpus.reasons_by_name(corpus.RESOURCES))
    # 40 MiB were printed by the passing Sigmoid cases; the report keeps a few KiB.
    assert "output truncated" in result["output"] and len(result["output"]) < 20_000


def test_a_long_sleep_at_import_is_cut_by_the_time_limits(tmp_path):
    (tmp_path / "hw1.py").write_text(corpus.SLEEP_AT_IMPORT)
    rubric = rubric_with_limits(tmp_path / "rubric.toml", case_seconds=1, submission_seconds=3)
    result, _ = hostile_grade(tmp_path, tmp_path / "hw1.py", "--suite", "visible", rubric=rubric)
    assert result["score"] == 0
    assert all("time limit" in m for m in messages(result).values()), messages(result)


# ----------------------------------------------------- confidentiality, integrity, network

@root_only
def test_secrets_stay_secret_grader_files_unchanged_and_no_network(tmp_path, marker):
    listener = Listener()
    try:
        sub = corpus.build(tmp_path / "sub", [corpus.SNOOP, corpus.NETWORK], marker=marker,
                           port=listener.port)
        result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker)
    finally:
        listener.close()
    # Unreadable references: the cheating Sigmoid found none, so all its cases fail.
    expect.assert_contained(result, "all", frozenset({"Sigmoid"}), {"Sigmoid": "Sigmoid"})
    output = result["output"]
    assert output.count("DENIED") >= 20, output
    assert "LEAKED" not in output and "TAMPERED" not in output, output
    assert listener.connections == 0
    assert "NET-BLOCKED 127.0.0.1" in output and "NET-BLOCKED dns" in output
    assert "NET-OPEN" not in output
    for stolen in (Path(f"/tmp/stolen-{marker}"), corpus.GRADER_DIR / f"stolen-{marker}"):
        assert not stolen.exists()
    data = corpus.GRADER_DIR / "data" / "hw1" / "hidden"
    for path in (data, data / "manifest.json", corpus.GRADER_DIR / "solution"):
        assert path.stat().st_mode & 0o007 == 0, path


# -------------------------------------------------------------------------------- imports

def test_forbidden_and_missing_imports_cost_their_cases_under_the_flag_policy(tmp_path):
    attacks = [corpus.DYNAMIC_IMPORT, corpus.MISSING_MODULE]
    sub = corpus.build(tmp_path / "sub", attacks)
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace('forbidden_import_policy = "zero"',
                                                 'forbidden_import_policy = "flag"'))
    result, _ = hostile_grade(tmp_path, sub, "--suite", "all", rubric=rubric)
    expect.assert_contained(result, "all", corpus.guilty_names(attacks),
                            corpus.reasons_by_name(attacks))
    # torch only reached the runtime blocker (its name was built at run time).
    assert "forbidden-import:torch" in result["flags"]
    assert any(f.endswith(":helpers_not_shipped") for f in result["flags"]), result["flags"]


def test_a_forbidden_import_anywhere_scores_zero_by_default(tmp_path):
    sub = corpus.build(tmp_path / "sub", [corpus.STATIC_IMPORT])
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible")
    assert result["score"] == 0 and "torch" in result["error"]
    assert "forbidden-import:torch" in result["flags"]


# ------------------------------------------------------------------------ shapes and types

def test_wrong_shapes_and_types_cost_only_their_cases(tmp_path):
    result, _ = hostile_grade(tmp_path, corpus.build(tmp_path / "sub", corpus.SHAPES_AND_TYPES),
                              "--suite", "all")
    expect.assert_contained(result, "all", corpus.guilty_names(corpus.SHAPES_AND_TYPES),
                            corpus.reasons_by_name(corpus.SHAPES_AND_TYPES))
    assert "bn.forward: expected an array of numbers" in messages(result)["bn_forward"]  # objects


# ------------------------------------------------------------------------------ junk files

def _junk(folder: Path, kind: str) -> Path:
    rng = random.Random(kind)
    noise = bytes(rng.randrange(256) for _ in range(4096))
    folder.mkdir()
    if kind == "random.zip":
        (folder / kind).write_bytes(b"PK\x03\x04" + noise)
    elif kind == "random.tar.gz":
        (folder / kind).write_bytes(b"\x1f\x8b\x08\x00" + noise)
    elif kind == "binary.py":
        (folder / kind).write_bytes(noise)
    elif kind == "empty.py":
        (folder / kind).write_bytes(b"")
    elif kind == "nul-bytes.py":
        (folder / kind).write_bytes(b"import numpy\x00\x00\nclass Sigmoid: pass\n")
    elif kind == "deep-nesting.py":
        (folder / kind).write_text("x = " + "-" * 200_000 + "1\n")
    elif kind == "printable-noise.py":
        (folder / kind).write_text("".join(rng.choice("abc()[]{}:=+ \n\t'\"#") for _ in range(4000)))
    elif kind == "notebook.ipynb":
        (folder / kind).write_text('{"cells": []}')
    elif kind == "no-code-folder":
        (folder / kind).mkdir()
        (folder / kind / "README.txt").write_bytes(noise)
        return folder / kind
    elif kind == "zip-of-noise.zip":
        with zipfile.ZipFile(folder / kind, "w") as z:
            z.writestr("mlp/__init__.py", noise)
            z.writestr("../../escape.py", "print('out')")
    elif kind == "tar-with-link.tar":
        with tarfile.open(folder / kind, "w") as t:
            info = tarfile.TarInfo("hw1.py")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
            t.addfile(info)
    return folder / kind


@pytest.mark.parametrize("kind", ["random.zip", "random.tar.gz", "binary.py", "empty.py",
                                  "nul-bytes.py", "deep-nesting.py", "printable-noise.py",
                                  "notebook.ipynb", "no-code-folder", "zip-of-noise.zip",
                                  "tar-with-link.tar"])
def test_junk_submissions_get_a_full_report(tmp_path, kind):
    result, _ = hostile_grade(tmp_path, _junk(tmp_path / "in", kind), "--suite", "visible")
    assert result["score"] == 0
    cases = messages(result)
    assert set(cases) == {c.name for c in expect.cases("visible")}
    assert all(m.strip() for m in cases.values()), cases
    assert not (corpus.GRADER_DIR.parent / "escape.py").exists()

"""The hostile corpus of every assignment, graded end to end through `python -m autograder grade`.

An assignment's corpus is tests/assignments/<name>/hostile_corpus.py: the shared templates of
tests/hostile/corpus.py aimed at its API, in groups (TAMPER, CRASHES, RESOURCES, SNOOP and
NETWORK, DYNAMIC_IMPORT, MISSING_MODULE, STATIC_IMPORT, and SHAPES_AND_TYPES where its API
allows), with ``api_names(case)`` (what each case runs), ``traced_name`` (how the tracer's calls
read as those names) and EXTRA_CHECKS (group -> more checks of the report). What is not an
attack on the API (junk files, whole-module exits, syntax errors, sleeps) is graded for every
assignment with the shape's own file names, corpus or not.

Every grading here must: end with exit 0 and a valid report; fail exactly the cases that run an
attacked name, with the attack's reason; leave every other case passing (so the total is what
the honest parts earn); change no grader file; leave no process behind. Run as root (CI), the
privilege drop, read-only mounts and network namespace are exercised; run as another user, the
same file checks the non-root path (root-only expectations are skipped).
tests/test_hostile_nonroot.py runs the non-root path as `nobody` when the suite runs as root.
"""
from __future__ import annotations

import json
import os
import random
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.references.solution import code_dir
from hostile import corpus, expect
from hostile.grading import (AS_ROOT, Listener, assert_the_real_report_wins, hostile_grade,
                             messages, protect, root_only)
from hostile.trace import tracing
from support import (ASSIGNMENTS, assignment, family, import_solution, limited_course,
                     own_module)

WITH_CORPUS = [name for name in ASSIGNMENTS if own_module(name, "hostile_corpus") is not None]
WITH_NOTEBOOK_ATTACKS = [name for name in WITH_CORPUS
                         if hasattr(own_module(name, "hostile_corpus"), "NOTEBOOK")]
WITH_SHAPES = [name for name in WITH_CORPUS
               if hasattr(own_module(name, "hostile_corpus"), "SHAPES_AND_TYPES")]
# Every kit assignment has a solution to plant attacks into; a distribution has none.
GRADABLE = [name for name in ASSIGNMENTS if assignment(name).solution_dir is not None]


def corpus_of(name: str):
    return own_module(name, "hostile_corpus")


@pytest.fixture(scope="module")
def marker():
    """A number that appears in the command line of every process the attacks start."""
    return f"{random.SystemRandom().randint(10**6, 10**7)}.{os.getpid()}"


@pytest.fixture(scope="module", autouse=True)
def protected_once():
    """As root the first grading chmods the grader's secrets; do it before fingerprinting."""
    for name in GRADABLE:
        protect(name)


def assert_contained(name: str, result: dict, suite: str, attacks: list[corpus.Attack],
                     group: str) -> None:
    """Containment (expect.assert_contained), then the assignment's own checks of the group."""
    expect.assert_contained(result, suite, corpus.guilty_names(attacks),
                            corpus.reasons_by_name(attacks), assignment=name)
    for check in getattr(corpus_of(name), "EXTRA_CHECKS", {}).get(group, []):
        check(result)


# ----------------------------------------------------------------------------- the mapping

@pytest.mark.parametrize("name", WITH_CORPUS)
def test_the_mapping_names_exactly_what_each_case_runs_on_the_solution(name):
    """api_names against the solution: every case of both suites, run in process with every
    function and method of the solution's package recording its calls."""
    hostile = corpus_of(name)
    package = import_solution(name)
    untraced = getattr(hostile, "UNTRACED_FAMILIES", {})   # family -> why it cannot be traced
    wrong = {}
    for case in expect.cases("all", name):
        if case.family in untraced:
            continue
        with tracing(package) as calls:
            family(case.family, name).run(package, case.params)
        seen = {hostile.traced_name(owner, called) for owner, called in calls} - {None}
        if frozenset(seen) != expect.api_names(case, name):
            wrong[case.name] = (sorted(seen), sorted(expect.api_names(case, name)))
    assert wrong == {}


# ----------------------------------------------------------------------------- tampering

@pytest.mark.parametrize("name", WITH_CORPUS)
def test_tampering_gains_nothing_and_the_real_reports_win(name, tmp_path, marker):
    tamper = corpus_of(name).TAMPER
    sub = corpus.build(tmp_path / "sub", [tamper], name, marker=marker)
    gradescope = tmp_path / "results.json"
    result, proc = hostile_grade(tmp_path, sub, "--suite", "all", "--autolab", "--gradescope",
                                 gradescope, marker=marker, assignment=name)
    assert_contained(name, result, "all", [tamper], "tamper")
    assert_the_real_report_wins(result, proc, gradescope, corpus.fake_autolab(name))


# ---------------------------------------------------------------------- exits and crashes

@pytest.fixture(scope="module", params=WITH_CORPUS)
def crashes(request, tmp_path_factory, marker):
    name = request.param
    tmp = tmp_path_factory.mktemp(f"crashes-{name}")
    sub = corpus.build(tmp / "sub", corpus_of(name).CRASHES, name, kill_everyone=AS_ROOT)
    result, _ = hostile_grade(tmp, sub, "--suite", "all", marker=marker, assignment=name)
    return name, tmp, sub, result


def test_exits_and_crashes_cost_only_their_cases(crashes):
    name, _, _, result = crashes
    assert_contained(name, result, "all", corpus_of(name).CRASHES, "crashes")


def test_the_same_submission_twice_gets_the_same_report(crashes):
    name, tmp, sub, first = crashes
    second, _ = hostile_grade(tmp, sub, "--suite", "all", assignment=name)
    assert without_timings(second) == without_timings(first)


def without_timings(result: dict) -> dict:
    """The report less what a clock measured: the grading's seconds, and each notebook cell's
    time in the notebook exports ("In [3]: ok, 0.38 s")."""
    exports = {name: re.sub(r", \d+(?:\.\d+)? s\b", "", html)
               for name, html in (result.get("exports") or {}).items()}
    return {**{k: v for k, v in result.items() if k != "seconds"}, "exports": exports}


def student_file(folder: Path, name: str, code: str) -> Path:
    """The one file a student of ``name`` hands in, with ``code`` at its top: the shape's module,
    or, when the shape is notebook-only (its module is the grader's), its first notebook with
    ``code`` as the first code cell."""
    shape = assignment(name).shape
    if not shape.notebook_only:
        path = folder / f"{shape.module}.py"
        path.write_text(code)
        return path
    path = folder / shape.notebooks[0]
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": code.splitlines(True)}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


@pytest.mark.parametrize("code, reason", [(corpus.SYS_EXIT_AT_IMPORT, "sys.exit(0)"),
                                          (corpus.OS_EXIT_AT_IMPORT, "exit code 7")],
                         ids=["sys.exit", "os._exit"])
@pytest.mark.parametrize("name", GRADABLE)
def test_exit_at_import_fails_every_case_with_the_reason(name, tmp_path, code, reason):
    module = student_file(tmp_path, name, code)
    result, _ = hostile_grade(tmp_path, module, "--suite", "visible", assignment=name)
    assert result["score"] == 0
    assert all(reason in m for m in messages(result).values()), messages(result)


@pytest.mark.parametrize("name", GRADABLE)
def test_a_syntax_error_is_reported_with_its_line(name, tmp_path):
    module = student_file(tmp_path, name, corpus.SYNTAX_ERROR)
    result, _ = hostile_grade(tmp_path, module, "--suite", "visible", assignment=name)
    assert result["score"] == 0
    wanted = (f"failed at cell 1, line {corpus.SYNTAX_ERROR_LINE}: SyntaxError"
              if module.suffix == ".ipynb" else
              f"SyntaxError in {module.name}, line {corpus.SYNTAX_ERROR_LINE}")
    assert all(wanted in m for m in messages(result).values()), messages(result)


# ------------------------------------------------------------------------------ resources

@pytest.mark.parametrize("name", WITH_CORPUS)
def test_loops_memory_output_and_daemons_are_bounded(name, tmp_path, marker):
    attacks = corpus_of(name).RESOURCES
    trap = tmp_path / "trap" / "created-by-the-grader"
    trap.parent.mkdir()
    sub = corpus.build(tmp_path / "sub", attacks, name, marker=marker, trap=str(trap))
    limited = limited_course(tmp_path / "course", name, case_seconds=2, memory_mib=1024)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible", marker=marker,
                              assignment=name, environ=limited)
    assert not trap.exists()
    assert '"suite": "hidden"' not in result["output"]  # the secret behind a planted link
    assert_contained(name, result, "visible", attacks, "resources")
    # Tens of MiB were printed by passing cases; the report keeps a few KiB.
    assert "output truncated" in result["output"] and len(result["output"]) < 20_000


@pytest.mark.parametrize("name", GRADABLE)
def test_a_long_sleep_at_import_is_cut_by_the_time_limits(name, tmp_path):
    module = student_file(tmp_path, name, corpus.SLEEP_AT_IMPORT)
    limited = limited_course(tmp_path / "course", name, case_seconds=1, submission_seconds=3)
    result, _ = hostile_grade(tmp_path, module, "--suite", "visible", assignment=name,
                              environ=limited)
    assert result["score"] == 0
    assert all("time limit" in m for m in messages(result).values()), messages(result)


# ----------------------------------------------------- confidentiality, integrity, network

@root_only
@pytest.mark.parametrize("name", WITH_CORPUS)
def test_secrets_stay_secret_grader_files_unchanged_and_no_network(name, tmp_path, marker):
    hostile = corpus_of(name)
    attacks = [hostile.SNOOP, hostile.NETWORK]
    listener = Listener()
    try:
        sub = corpus.build(tmp_path / "sub", attacks, name, marker=marker, port=listener.port)
        result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker,
                                  assignment=name)
    finally:
        listener.close()
    # Unreadable references: the cheating target found none, so all its cases fail.
    assert_contained(name, result, "all", attacks, "secrets")
    output = result["output"]
    spec = assignment(name)
    for secret in (spec.data_dir / "hidden" / "manifest.json",
                   spec.spec_dir / "cases" / "hidden.toml",
                   code_dir(spec) / hostile.SNOOP.file):
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


# ------------------------------------------------------------------------------ notebooks

@pytest.mark.parametrize("name", WITH_NOTEBOOK_ATTACKS)
def test_notebook_cells_that_sleep_or_fork_cost_only_their_own_items(name, tmp_path, marker):
    """Attack cells in the student's notebooks (the corpus's NOTEBOOK): a cell past the cell
    time limit costs its notebook's cases that need it, forks leave nothing running."""
    attacks = corpus_of(name).NOTEBOOK
    sub = corpus.build(tmp_path / "sub", attacks, name, marker=marker)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker, assignment=name)
    assert_contained(name, result, "all", attacks, "notebook")


@root_only
@pytest.mark.parametrize("name", WITH_NOTEBOOK_ATTACKS)
def test_a_notebook_that_reads_the_grader_files_finds_nothing(name, tmp_path, marker):
    """The corpus's NOTEBOOK_SNOOP cell stops its notebook if any secret is readable: every
    case passing proves every read was refused; nothing was copied out."""
    attack = corpus_of(name).NOTEBOOK_SNOOP
    sub = corpus.build(tmp_path / "sub", [attack], name, marker=marker)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "all", marker=marker, assignment=name)
    assert_contained(name, result, "all", [attack], "notebook_snoop")
    assert "LEAKED" not in result["output"], result["output"]
    for stolen in (Path(f"/tmp/stolen-{marker}"), corpus.GRADER_DIR / f"stolen-{marker}"):
        assert not stolen.exists()


# -------------------------------------------------------------------------------- imports

@pytest.mark.parametrize("name", WITH_CORPUS)
def test_forbidden_and_missing_imports_cost_their_cases_under_the_flag_policy(name, tmp_path):
    hostile = corpus_of(name)
    attacks = [hostile.DYNAMIC_IMPORT, hostile.MISSING_MODULE]
    sub = corpus.build(tmp_path / "sub", attacks, name)
    rubric = tmp_path / "rubric.toml"
    text = assignment(name).rubric_path.read_text()
    assert 'forbidden_import_policy = "zero"' in text
    rubric.write_text(text.replace('forbidden_import_policy = "zero"',
                                   'forbidden_import_policy = "flag"'))
    result, _ = hostile_grade(tmp_path, sub, "--suite", "all", rubric=rubric, assignment=name)
    assert_contained(name, result, "all", attacks, "imports")
    # torch only reached the runtime blocker (its name was built at run time).
    assert "forbidden-import:torch" in result["flags"]
    assert any(f.endswith(":helpers_not_shipped") for f in result["flags"]), result["flags"]


@pytest.mark.parametrize("attack", ["STATIC_IMPORT", "DYNAMIC_IMPORT"],
                         ids=["static", "dynamic"])
@pytest.mark.parametrize("name", WITH_CORPUS)
def test_a_forbidden_import_anywhere_scores_zero_by_default(name, attack, tmp_path):
    sub = corpus.build(tmp_path / "sub", [getattr(corpus_of(name), attack)], name)
    result, _ = hostile_grade(tmp_path, sub, "--suite", "visible", assignment=name)
    assert result["score"] == 0 and "torch" in result["error"]
    assert "forbidden-import:torch" in result["flags"]


# ------------------------------------------------------------------------ shapes and types

@pytest.mark.parametrize("name", WITH_SHAPES)
def test_wrong_shapes_and_types_cost_only_their_cases(name, tmp_path):
    attacks = corpus_of(name).SHAPES_AND_TYPES
    result, _ = hostile_grade(tmp_path, corpus.build(tmp_path / "sub", attacks, name),
                              "--suite", "all", assignment=name)
    assert_contained(name, result, "all", attacks, "shapes")


# ------------------------------------------------------------------------------ junk files

def _junk(folder: Path, kind: str, name: str) -> Path:
    shape = assignment(name).shape
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
            z.writestr(f"{shape.package}/__init__.py", noise)
            z.writestr("../../escape.py", "print('out')")
    elif kind == "tar-with-link.tar":
        with tarfile.open(folder / kind, "w") as t:
            info = tarfile.TarInfo(f"{shape.module}.py")
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/shadow"
            t.addfile(info)
    return folder / kind


@pytest.mark.parametrize("kind", ["random.zip", "random.tar.gz", "binary.py", "empty.py",
                                  "nul-bytes.py", "deep-nesting.py", "printable-noise.py",
                                  "notebook.ipynb", "no-code-folder", "zip-of-noise.zip",
                                  "tar-with-link.tar"])
@pytest.mark.parametrize("name", GRADABLE)
def test_junk_submissions_get_a_full_report(name, kind, tmp_path):
    result, _ = hostile_grade(tmp_path, _junk(tmp_path / "in", kind, name), "--suite", "visible",
                              assignment=name)
    assert result["score"] == 0
    cases = messages(result)
    assert set(cases) == {c.name for c in expect.cases("visible", name)}
    assert all(m.strip() for m in cases.values()), cases
    assert not (corpus.GRADER_DIR.parent / "escape.py").exists()

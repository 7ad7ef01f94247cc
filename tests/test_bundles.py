"""The Gradescope bundle and the Autolab entry, built and run in simulated roots."""
from __future__ import annotations
from support import RUBRIC as RUBRIC_PATH, HW1_DATA

import importlib.metadata
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.grade.rubric import load_rubric
from autograder.manifest import SUITES, load_manifest
from support import copy_solution, run_autograder

RUBRIC = load_rubric(RUBRIC_PATH)
ITEM_IDS = [item.id for item in RUBRIC.items]
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}


def reference_members() -> set[str]:
    names = set()
    for suite in SUITES:
        names.add(f"data/{suite}/manifest.json")
        names |= {f"data/{suite}/{case.name}.npz" for case in load_manifest(suite, HW1_DATA)}
    return names


def assert_grader_only(members: list[str]) -> None:
    assert reference_members() <= set(members)
    assert {"grading/rubric.toml", "grading/assignment.toml"} <= set(members)
    assert not any(name.startswith(("grading/cases", "grading/mutants")) for name in members)
    assert "autograder/grade/judge.py" in members
    for name in members:
        top = name.split("/")[0]
        assert top in ("autograder", "grading", "data") or "/" not in name, name
        assert "__pycache__" not in name and not name.endswith(".pyc"), name


def write_handout(dest: Path, handout: Path) -> Path:
    """A submission of the handout's mlp/ (every graded function raises NotImplementedError)."""
    dest.mkdir(parents=True)
    shutil.copytree(handout / "mlp", dest / "mlp")
    return dest


def fake_python(folder: Path, exit_code: int) -> Path:
    """An interpreter that crashes at once, as a broken grader environment would."""
    path = folder / "broken-python"
    path.write_text(f"#!/bin/sh\necho 'Fatal Python error: simulated' >&2\nexit {exit_code}\n")
    path.chmod(0o755)
    return path


# ---------------------------------------------------------------- Gradescope

@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    proc = run_autograder("gradescope-bundle", out, "--assignment", "hw1")
    assert proc.returncode == 0, proc.stderr
    return out


def gradescope_root(bundle: Path, root: Path) -> Path:
    """Unpack as Gradescope does: the zip in ROOT/source, run_autograder copied to ROOT."""
    with zipfile.ZipFile(bundle) as archive:
        for info in archive.infolist():
            target = root / "source" / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
            target.chmod((info.external_attr >> 16) & 0o777)
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    (root / "submission").mkdir()
    return root


def run_gradescope(root: Path, python: Path | str = sys.executable) -> dict:
    env = dict(CLEAN_ENV, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=str(python))
    proc = subprocess.run([str(root / "run_autograder")], cwd="/", env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_bundle_holds_the_grader_scripts_and_every_reference(gradescope_zip, tmp_path):
    with zipfile.ZipFile(gradescope_zip) as archive:
        members = archive.namelist()
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        times = {i.date_time for i in archive.infolist()}
        requirements = archive.read("requirements.txt").decode()
    assert members == sorted(members)
    assert {"setup.sh", "run_autograder", "requirements.txt", "gradescope_fallback.py"} <= set(members)
    assert_grader_only(members)
    assert modes["run_autograder"] == modes["setup.sh"] == 0o755
    assert modes["grading/rubric.toml"] == 0o644
    assert times == {(1980, 1, 1, 0, 0, 0)}
    # Deterministic: a second build gives the same bytes.
    again = tmp_path / "again.zip"
    assert run_autograder("gradescope-bundle", again, "--assignment", "hw1").returncode == 0
    assert again.read_bytes() == gradescope_zip.read_bytes()

    pins = dict(line.split("==") for line in requirements.splitlines() if not line.startswith("#"))
    assert "numpy" in pins and "pytest" not in pins  # grading one submission needs no pytest
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, name
    assert subprocess.run(["bash", "-n", str(Path(__file__).parents[1] / "autograder" / "bundle" /
                                             "gradescope" / "setup.sh")]).returncode == 0


def test_gradescope_bundle_ships_a_chosen_rubric(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(Path(RUBRIC.path).read_text().replace("cap = 100", "cap = 90", 1))
    out = tmp_path / "b.zip"
    assert run_autograder("gradescope-bundle", out, "--assignment", "hw1", "--rubric", rubric).returncode == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.read("grading/rubric.toml") == rubric.read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text("cap = [")
    proc = run_autograder("gradescope-bundle", tmp_path / "c.zip", "--assignment", "hw1", "--rubric", bad)
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    assert not (tmp_path / "c.zip").exists()


@pytest.mark.parametrize("out", ["bundle.tar", "folder.zip"])
def test_gradescope_bundle_refuses_a_bad_output_path(tmp_path, out):
    (tmp_path / "folder.zip").mkdir()
    proc = run_autograder("gradescope-bundle", tmp_path / out, "--assignment", "hw1")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_gradescope_run_gives_the_solution_full_marks(gradescope_zip, tmp_path):
    root = gradescope_root(gradescope_zip, tmp_path)
    copy_solution(root / "submission")
    results = run_gradescope(root)
    assert results["score"] == 100
    assert [t["extra_data"]["id"] for t in results["tests"]] == ITEM_IDS
    assert all(t["status"] == "passed" and t["score"] == t["max_score"] for t in results["tests"])
    assert results["stdout_visibility"] == "hidden"
    assert "autograder_fallback" not in results.get("extra_data", {})


def test_gradescope_run_gives_the_handout_zero(gradescope_zip, tmp_path, built_handout):
    root = gradescope_root(gradescope_zip, tmp_path)
    shutil.rmtree(root / "submission")
    write_handout(root / "submission", built_handout("hw1"))
    results = run_gradescope(root)
    assert results["score"] == 0
    assert len(results["tests"]) == len(ITEM_IDS)
    regular = {i.id for i in RUBRIC.items if i.points > 0}
    assert all(t["score"] == 0 and t["status"] == "failed"
               for t in results["tests"] if t["extra_data"]["id"] in regular)
    assert "not implemented" in "\n".join(t["output"] for t in results["tests"])


def test_gradescope_run_reports_a_broken_submission(gradescope_zip, tmp_path):
    root = gradescope_root(gradescope_zip, tmp_path)
    (root / "submission" / "notes.txt").write_text("no code here")
    results = run_gradescope(root)
    assert results["score"] == 0
    assert len(results["tests"]) == len(ITEM_IDS)
    assert "no mlp/ package or .py file found" in json.dumps(results)


def test_gradescope_run_writes_a_result_when_the_grader_crashes(gradescope_zip, tmp_path):
    root = gradescope_root(gradescope_zip, tmp_path)
    copy_solution(root / "submission")
    results = run_gradescope(root, python=fake_python(tmp_path, 3))
    assert results["score"] == 0
    assert results["extra_data"]["autograder_fallback"] is True
    assert "exit code 3" in results["output"]
    assert "contact the course staff" in results["output"]


def test_gradescope_run_writes_a_result_when_the_submission_is_missing(gradescope_zip, tmp_path):
    root = gradescope_root(gradescope_zip, tmp_path)
    (root / "submission").rmdir()
    results = run_gradescope(root)
    assert results["score"] == 0
    assert results["extra_data"]["autograder_fallback"] is True
    assert "exit code 2" in results["output"]


# ---------------------------------------------------------------- Autolab

@pytest.fixture(scope="module")
def autolab_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("autolab")
    proc = subprocess.run([sys.executable, "-m", "autograder", "autolab-bundle", str(out), "--assignment", "hw1"],
                          cwd=Path(__file__).parents[1], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def tango(autolab: Path, job: Path, handin: bytes | None, python=sys.executable) -> list[str]:
    """What Tango does: Makefile, autograde.tar and the handin in an empty folder, then make."""
    job.mkdir()
    shutil.copy(autolab / "autograde-Makefile", job / "Makefile")
    shutil.copy(autolab / "autograde.tar", job / "autograde.tar")
    if handin is not None:
        (job / "handin.zip").write_bytes(handin)
    env = dict(CLEAN_ENV, AUTOGRADER_PYTHON=str(python))
    proc = subprocess.run(["make", "-s"], cwd=job, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout.rstrip("\n").splitlines()


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*.py")):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_autolab_tar_holds_the_grader_and_every_reference(autolab_files, tmp_path):
    with tarfile.open(autolab_files / "autograde.tar") as archive:
        members = archive.getnames()
        modes = {m.name: m.mode for m in archive.getmembers()}
        assert {m.mtime for m in archive.getmembers()} == {0}
        zeros = json.loads(archive.extractfile("autolab-zero-scores.json").read())
    assert_grader_only(members)
    assert {"autolab-grade.sh", "requirements.txt"} <= set(members)
    assert modes["autolab-grade.sh"] == 0o755
    assert zeros == {"scores": {item_id: 0.0 for item_id in ITEM_IDS}}
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-m", "autograder", "autolab-bundle", str(again), "--assignment", "hw1"],
                   cwd=Path(__file__).parents[1], check=True, capture_output=True)
    assert (again / "autograde.tar").read_bytes() == (autolab_files / "autograde.tar").read_bytes()


def test_autolab_last_line_scores_the_solution(autolab_files, tmp_path):
    lines = tango(autolab_files, tmp_path / "job", zipped(copy_solution(tmp_path / "s")))
    scores = json.loads(lines[-1])["scores"]
    assert list(scores) == ITEM_IDS
    assert round(sum(scores.values()), 2) == 100
    assert any(line.startswith("total") for line in lines[:-1])   # the table precedes it


def test_autolab_last_line_scores_a_broken_handin_zero(autolab_files, tmp_path):
    lines = tango(autolab_files, tmp_path / "job", b"PK\3\4 this is not a zip")
    assert json.loads(lines[-1]) == {"scores": {item_id: 0.0 for item_id in ITEM_IDS}}
    assert any("not a valid .zip" in line for line in lines)


def test_autolab_last_line_exists_when_the_grader_crashes(autolab_files, tmp_path):
    lines = tango(autolab_files, tmp_path / "job", zipped(copy_solution(tmp_path / "s")),
                  python=fake_python(tmp_path, 3))
    assert json.loads(lines[-1]) == {"scores": {item_id: 0.0 for item_id in ITEM_IDS}}
    assert any("grading failed (exit code 3)" in line for line in lines)


def test_autolab_last_line_exists_without_a_handin(autolab_files, tmp_path):
    lines = tango(autolab_files, tmp_path / "job", None)
    assert json.loads(lines[-1]) == {"scores": {item_id: 0.0 for item_id in ITEM_IDS}}
    assert any("no handin file" in line for line in lines)


# ---------------------------------------------------------------- every assignment

@pytest.fixture(scope="module")
def cw3_gradescope_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle-cw3") / "autograder.zip"
    proc = run_autograder("gradescope-bundle", out, "--assignment", "cw3")
    assert proc.returncode == 0, proc.stderr
    return out


def test_the_cw3_bundle_carries_cw3_and_nothing_of_hw1(cw3_gradescope_zip):
    with zipfile.ZipFile(cw3_gradescope_zip) as archive:
        members = archive.namelist()
        spec = archive.read("grading/assignment.toml").decode()
    assert 'name = "cw3"' in spec
    assert any(m.startswith("data/hidden/") for m in members)
    assert not any(m.startswith(("grading/cases", "grading/mutants", "solution")) for m in members)


def test_the_cw3_bundle_grades_the_solution_the_stubs_and_junk(cw3_gradescope_zip, tmp_path):
    root = gradescope_root(cw3_gradescope_zip, tmp_path / "solution")
    copy_solution(root / "submission", "cw3")
    results = run_gradescope(root)
    assert results["score"] == 100
    manual = [t for t in results["tests"] if t["extra_data"]["id"] == "report"]
    assert len(manual) == 1 and "hand" in manual[0]["output"].lower()

    root = gradescope_root(cw3_gradescope_zip, tmp_path / "junk")
    (root / "submission" / "notes.txt").write_text("no code here")
    results = run_gradescope(root)
    assert results["score"] == 0 and "cw3_mlp" in json.dumps(results)


def test_the_cw3_autolab_bundle_ends_with_a_score_line(tmp_path):
    out = tmp_path / "autolab"
    proc = run_autograder("autolab-bundle", out, "--assignment", "cw3")
    assert proc.returncode == 0, proc.stderr
    work = tmp_path / "job"
    work.mkdir()
    for name in ("autograde.tar",):
        shutil.copy(out / name, work / name)
    shutil.copy(out / "autograde-Makefile", work / "Makefile")
    solution = copy_solution(tmp_path / "handin-src", "cw3")
    with zipfile.ZipFile(work / "handin.zip", "w") as archive:
        for path in sorted(solution.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(solution).as_posix())
    done = subprocess.run(["make", "-s"], cwd=work, capture_output=True, text=True, timeout=600,
                          env=dict(CLEAN_ENV, AUTOGRADER_PYTHON=sys.executable))
    scores = json.loads(done.stdout.strip().splitlines()[-1])["scores"]
    assert "report" not in scores        # a hand-entered score is never overwritten
    assert sum(scores.values()) == 100


# ----------------------------------------------------------------------------- one definition

@pytest.mark.parametrize("name", sorted(discover(environ={})))
def test_every_bundle_and_the_student_archive_ship_the_one_definition_of_a_distribution(name):
    """autograder/distribution.py decides what a distribution holds; each platform adds only its
    own scripts, and the student archive is the visible suite with the student engine."""
    from autograder.bundle.autolab import autolab_tar_files
    from autograder.bundle.gradescope_bundle import gradescope_files
    from autograder.bundle.prairielearn import prairielearn_files
    from autograder.distribution import INSTRUCTOR_VERBS, distribution_files
    from autograder.handout.build import assemble

    assignment = discover(environ={})[name]
    full = distribution_files(assignment)
    assert {f"data/{suite}/manifest.json" for suite in SUITES} <= set(full)
    assert any(path.startswith("autograder/handout/") for path in full)
    for files in (gradescope_files(assignment), autolab_tar_files(assignment),
                  {path[len("tests/"):]: data for path, data in prairielearn_files(assignment).items()
                   if path.startswith("tests/")}):
        shipped = {path: data for path, data in files.items()
                   if path.split("/")[0] in ("autograder", "grading", "data")}
        assert shipped == full
    student = distribution_files(assignment, suites=("visible",), student_copy=True)
    archive = assemble(assignment).archive_files()
    assert {path: archive[path] for path in student} == student
    assert not any(path.startswith(("data/hidden/", *(f"autograder/{verb}/"
                                                      for verb in INSTRUCTOR_VERBS)))
                   for path in archive)

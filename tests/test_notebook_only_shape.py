"""A notebook-only submission shape (the lab's: students hand in one notebook, the shape's
module is a support file the grader supplies): intake copies no student .py, accepts a folder,
a zip or the lone notebook, and refuses a submission without the notebook; the assignment of a
notebook is recognised by the notebook's name."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from autograder.assignments import SubmissionShape, match_strength
from autograder.submission import prepare
from autograder.submission.unpack import SubmissionError

SHAPE = SubmissionShape(package="study", module="helpers", notebooks=("Study.ipynb",),
                        support=("helpers.py",))
NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def support(tmp_path) -> Path:
    folder = tmp_path / "support"
    folder.mkdir()
    (folder / "helpers.py").write_text("TWO = 2\n")
    return folder


def test_the_shape_is_notebook_only_only_when_its_module_is_a_support_file():
    assert SHAPE.notebook_only and SHAPE.describe() == "Study.ipynb"
    assert not SubmissionShape("pkg", "main", notebooks=("A.ipynb",),
                               support=("helpers.py",)).notebook_only
    assert not SubmissionShape("pkg", "helpers", support=("helpers.py",)).notebook_only


def test_a_folder_gives_the_notebook_and_the_grader_module_but_no_student_code(tmp_path, support):
    sub = tmp_path / "sub" / "wrapped"
    sub.mkdir(parents=True)
    (sub / "Study.ipynb").write_text(NOTEBOOK)
    (sub / "helpers.py").write_text("TWO = 3  # the student's copy: replaced\n")
    (sub / "scratch.py").write_text("import torch\n")
    located = prepare(tmp_path / "sub", tmp_path / "scratch", SHAPE, support_dir=support)
    assert located.module == "helpers" and located.files == []
    assert sorted(p.name for p in located.root.iterdir()) == ["Study.ipynb", "helpers.py"]
    assert (located.root / "helpers.py").read_text() == "TWO = 2\n"
    assert located.missing == []


def test_a_zip_and_the_lone_notebook_are_accepted(tmp_path, support):
    archive = tmp_path / "hand-in.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("study/Study.ipynb", NOTEBOOK)
    from_zip = prepare(archive, tmp_path / "a", SHAPE, support_dir=support)
    lone = tmp_path / "Study.ipynb"
    lone.write_text(NOTEBOOK)
    from_file = prepare(lone, tmp_path / "b", SHAPE, support_dir=support)
    for located in (from_zip, from_file):
        assert (located.root / "Study.ipynb").read_text() == NOTEBOOK
    assert from_zip.sha256 == from_file.sha256


@pytest.mark.parametrize("files", [{"helpers.py": "x = 1\n"}, {"Other.ipynb": NOTEBOOK}, {}])
def test_without_the_notebook_the_submission_is_refused_naming_it(tmp_path, support, files):
    sub = tmp_path / "sub"
    sub.mkdir()
    for name, text in files.items():
        (sub / name).write_text(text)
    with pytest.raises(SubmissionError, match=r"no Study\.ipynb found"):
        prepare(sub, tmp_path / "scratch", SHAPE, support_dir=support)


def test_the_notebook_names_the_assignment():
    assert match_strength(Path("x"), SHAPE, ["wrapped/Study.ipynb"]) == 2
    assert match_strength(Path("x"), SHAPE, ["helpers.py", "study/other.py"]) == 0

"""The course's flat code folder as intake sees it (SubmissionShape.flat): the folder of the
shallowest graded module, whatever it is called, its graded modules copied side by side and
nothing else; the report found beside code/; a missing PyTorch file costs only its items."""
from __future__ import annotations

import shutil
import zipfile

from autograder.submission import prepare
from support import assignment, grade, item_scores

SHAPE = assignment("uva_dl1").shape
CODE = assignment("uva_dl1").solution_dir / SHAPE.package
GRADED = sorted(f"{m}.py" for m in (SHAPE.module, *SHAPE.submodules))


def copy_code(dest):
    shutil.copytree(CODE, dest, ignore=shutil.ignore_patterns("__pycache__", "outputs"))
    return dest


def test_the_code_folder_keeps_only_the_graded_modules_and_finds_the_report(tmp_path):
    submission = tmp_path / "Jane Doe"
    copy_code(submission / "code")
    (submission / "report.pdf").write_bytes(b"%PDF-1.4\n")
    located = prepare(submission, tmp_path / "scratch", SHAPE)
    assert located.kind == "module" and located.module == SHAPE.module
    assert sorted(p.name for p in located.files) == GRADED
    assert all(p.parent == located.root for p in located.files)
    assert located.missing == []


def test_a_zip_of_the_loose_files_without_the_report(tmp_path):
    archive = tmp_path / "hand-in.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(CODE.glob("*.py")):
            z.write(path, f"assignment_1/{path.name}")
    located = prepare(archive, tmp_path / "scratch", SHAPE)
    assert sorted(p.name for p in located.files) == GRADED
    assert located.missing == ["report.pdf"]


def test_a_missing_pytorch_file_costs_only_its_items(tmp_path):
    submission = copy_code(tmp_path / "sub" / "code")
    (submission / "convnet_pytorch.py").unlink()
    result, _ = grade(tmp_path / "sub", tmp_path, "--suite", "visible", "--assignment", "uva_dl1")
    scores = item_scores(result)
    assert scores["convnet"] == 0
    convnet = next(item for item in result["items"] if item["id"] == "convnet")
    assert all("has no convnet_pytorch.py" in case["message"] for case in convnet["cases"])
    automatic = [item for item in result["items"] if not item["manual"]]
    assert all(item["score"] == item["max_score"] for item in automatic if item["id"] != "convnet")

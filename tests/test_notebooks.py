"""Notebooks as submissions: intake finds them, the worker's toolkit runs their cells in order
under the sandbox's confinement and limits, and a notebook's failure costs only its own items.

The fixture assignment (tests/fixtures/notebook_course, "nbdemo") has a graded module
(nbcalc.py), a notebook the student writes (Study.ipynb: code cell 2 defines ``doubled``, code
cell 4 ``late``) and a module the grader supplies (nbhelp.py); its references are made once per
session from its solution."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from autograder.assignments import discover
from autograder.grade.pipeline import GradeRequest, grade_submission
from autograder.notebook_format import strip_magics
from autograder.policy import Limits
from autograder.references.generate import generate_references
from autograder.results import GradeResult, to_html
from autograder.scenarios import notebook
from autograder.submission import notebook_imports, prepare
from notebooks import SOLUTION_CELLS, write_notebook
from support import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "notebook_course"
SOLUTION_MODULE = (FIXTURE / "solution" / "nbdemo" / "nbcalc.py").read_text()
EARLY = SOLUTION_CELLS[:2]          # defines doubled (cell 2)


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """The nbdemo assignment, its visible references generated from its solution."""
    root = tmp_path_factory.mktemp("nbcourse") / "course"
    shutil.copytree(FIXTURE, root)
    assignment = discover(ROOT, environ={"AUTOGRADER_ASSIGNMENTS": str(root)})["nbdemo"]
    generate_references(assignment, suites=("visible",), mistakes=False)
    return assignment


def submit(folder: Path, cells=None, module: str = SOLUTION_MODULE,
           notebook_text: str | None = None, extra: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "nbcalc.py").write_text(module)
    if notebook_text is not None:
        (folder / "Study.ipynb").write_text(notebook_text)
    elif cells is not None:
        write_notebook(folder / "Study.ipynb", cells)
    for name, text in (extra or {}).items():
        (folder / name).write_text(text)
    return folder


def grade(course, folder: Path, limits: Limits | None = None):
    return grade_submission(GradeRequest(folder, course, "visible", limits=limits))


def items(result) -> dict:
    return {item.id: item for item in result.items}


def message(result, item_id: str) -> str:
    return "\n".join(case.message for case in items(result)[item_id].cases)


# ------------------------------------------------------------------ the toolkit, in process

def run_here(tmp_path, cells, **limits):
    notebook.forget()
    notebook.configure(cell_seconds=limits.get("cell_seconds", 60.0),
                       notebook_seconds=limits.get("notebook_seconds", 300.0))
    write_notebook(tmp_path / "N.ipynb", cells)
    return notebook.execute(str(tmp_path), "N.ipynb")


def test_cells_run_in_order_in_one_main_namespace(tmp_path):
    run = run_here(tmp_path, ["x = [1]", ("markdown", "text"), "x.append(2)\nprint(x)",
                              "x.append(__name__)"])
    assert run.failure is None
    assert run.namespace["x"] == [1, 2, "__main__"]
    code = [cell for cell in run.cells if cell.kind == "code"]
    assert [cell.number for cell in code] == [1, 2, 3]
    assert [cell.status for cell in code] == ["ok"] * 3
    assert code[1].output == "[1, 2]\n"


def test_magics_and_shell_lines_are_skipped_and_listed_never_fatal(tmp_path):
    run = run_here(tmp_path, ["%load_ext autoreload\n%autoreload 2\n!pip install torch\nx = 1",
                              "%%time\nthis would not parse",
                              "for i in range(2):\n    %time x += 1\nfiles = !ls",
                              "display(x)\nimport matplotlib.pyplot as plt\nplt.show()"])
    assert run.failure is None, run.failure
    assert run.namespace["x"] == 1            # the magic inside the loop was skipped
    assert "%load_ext autoreload" in run.skipped and "!pip install torch" in run.skipped
    assert any(line.startswith("%%time") for line in run.skipped)
    assert "files = !ls" in run.skipped
    assert run.cells[3].output == "1\n"        # display() prints


def test_strip_magics_keeps_line_numbers():
    code, skipped = strip_magics("a = 1\n  %matplotlib inline\nb = 2")
    assert code.split("\n") == ["a = 1", "  pass", "b = 2"] and skipped == ["%matplotlib inline"]


def test_a_failing_cell_reports_cell_line_and_error_and_keeps_the_namespace(tmp_path):
    run = run_here(tmp_path, ["a = 1", ("markdown", "m"), "b = 2\nc = 1 / 0\nd = 3", "e = 4"])
    assert (run.failure.cell, run.failure.line) == (2, 2)
    assert run.failure.error == "ZeroDivisionError: division by zero"
    assert run.namespace["a"] == 1 and run.namespace["b"] == 2 and "e" not in run.namespace
    assert run.cells[-1].status == "not run"
    with pytest.raises(Exception, match=r"N.ipynb failed at cell 2, line 2: ZeroDivision"):
        run.require("e")
    assert run.require("a") == [1]


def test_a_cell_past_its_time_limit_fails_at_that_cell(tmp_path):
    run = run_here(tmp_path, ["import time", "x = 1\ntry:\n    time.sleep(30)\n"
                              "except Exception:\n    pass"], cell_seconds=0.3)
    assert run.failure.cell == 2 and "cell time limit (0.3 s)" in run.failure.error
    assert run.cells[1].status == "timeout" and run.cells[1].seconds < 5


def test_figures_are_rendered_bounded_and_closed(tmp_path):
    run = run_here(tmp_path, ["import matplotlib.pyplot as plt\nplt.figure(figsize=(20, 5))\n"
                              "plt.plot([1, 2])\nplt.figure()\nplt.plot([3, 1])",
                              "n = len(plt.get_fignums())"])
    assert run.namespace["n"] == 0
    figures = run.cells[0].figures
    assert len(figures) == 2
    for figure in figures:
        assert figure.ndim == 3 and figure.shape[2] == 3 and max(figure.shape[:2]) <= 480
        assert 0.0 <= figure.min() <= figure.max() <= 1.0
    arrays = notebook.figure_arrays(run)
    assert sorted(arrays) == ["figure.N.cell1.1", "figure.N.cell1.2"]


def test_an_invalid_or_missing_notebook_is_a_one_line_failure(tmp_path):
    notebook.forget()
    (tmp_path / "Bad.ipynb").write_text("{not json")
    bad = notebook.execute(str(tmp_path), "Bad.ipynb")
    assert bad.failure.cell == 0 and bad.failure.error.startswith("not a valid notebook: not JSON")
    gone = notebook.execute(str(tmp_path), "Gone.ipynb")
    assert "missing-deliverable:Gone.ipynb" in gone.failure.describe("Gone.ipynb")


# ------------------------------------------------------------------------------- intake

def test_intake_copies_the_shallowest_notebook_and_the_graders_support(tmp_path, course):
    folder = submit(tmp_path / "s", EARLY, extra={"nbhelp.py": "import torch\n"})
    (folder / "old").mkdir()
    write_notebook(folder / "old" / "Study.ipynb", ["raise SystemExit"])
    located = prepare(folder, tmp_path / "scratch", course.shape, support_dir=course.support_dir)
    assert [p.name for p in located.notebooks] == ["Study.ipynb"]
    assert json.loads((located.root / "Study.ipynb").read_text())["cells"][0]["source"]
    assert (located.root / "nbhelp.py").read_text() == \
        (course.support_dir / "nbhelp.py").read_text()
    assert all(p.name != "nbhelp.py" for p in located.files)   # never scanned as the student's
    assert located.missing == []


def test_the_import_scan_names_the_notebook_cell(tmp_path, course):
    folder = submit(tmp_path / "s", [*EARLY, "import numpy", "import torch.nn as nn"])
    located = prepare(folder, tmp_path / "scratch", course.shape, support_dir=course.support_dir)
    assert notebook_imports(located, course.policy) == [("Study.ipynb", 4, "torch")]


# --------------------------------------------------------------------- grading, sandboxed

def test_the_solution_gets_every_automatic_point_and_an_export(tmp_path, course):
    result = grade(course, submit(tmp_path / "s", SOLUTION_CELLS))
    assert result.score == 8 and result.flags == []
    assert items(result)["study_report"].awaiting
    assert "doubled [2. 4. 6. 8.]" in result.exports["Study.ipynb"]
    assert [image.label for case, image in result.images] == ["Study.cell3.1"]


def test_a_failure_at_cell_k_keeps_the_items_of_earlier_cells(tmp_path, course):
    cells = [*EARLY, ("markdown", "m"), "x = 1\nraise ValueError('my bug')", "late = 1.0"]
    result = grade(course, submit(tmp_path / "s", cells))
    assert items(result)["study_early"].score == 2 and items(result)["twice"].score == 4
    assert items(result)["study_late"].score == 0
    assert "Study.ipynb failed at cell 3, line 2: ValueError: my bug" in \
        message(result, "study_late")


def test_a_cell_that_sleeps_past_cell_seconds_fails_naming_the_cell(tmp_path, course):
    cells = [*EARLY, "import time\ntime.sleep(60)", "late = 20.0"]
    result = grade(course, submit(tmp_path / "s", cells))
    text = message(result, "study_late")
    assert "failed at cell 3, line 2: took longer than the cell time limit (3 s)" in text
    assert items(result)["study_early"].score == 2


def test_a_forbidden_import_in_a_notebook_names_the_cell_and_costs_only_its_items(
        tmp_path, course):
    cells = [*EARLY, "import torch", "late = 20.0"]
    result = grade(course, submit(tmp_path / "s", cells))
    assert "notebook-import:torch in Study.ipynb, cell 3" in result.flags
    assert not any(flag.startswith("forbidden-import:") for flag in result.flags)
    assert items(result)["twice"].score == 4 and items(result)["study_early"].score == 2
    assert items(result)["study_late"].score == 0
    assert "import of 'torch' is not allowed in Study.ipynb, cell 3" in \
        message(result, "study_late")


def test_a_case_declaring_seconds_gets_its_own_clock(tmp_path, course):
    # 3 s of notebook in a case whose spec says seconds = 20, where case_seconds is 2.
    cells = [*EARLY, "import time\ntime.sleep(1.5)", "time.sleep(1.5)\nlate = 20.0"]
    result = grade(course, submit(tmp_path / "s", cells),
                   Limits(case_seconds=2, cell_seconds=3, notebook_seconds=30))
    assert items(result)["study_late"].score == 2, message(result, "study_late")


def test_missing_and_invalid_notebooks_fail_their_items_only(tmp_path, course):
    missing = grade(course, submit(tmp_path / "a"))
    assert "missing-deliverable:Study.ipynb" in missing.flags
    assert items(missing)["twice"].score == 4
    assert "missing-deliverable:Study.ipynb" in message(missing, "study_early")
    broken = grade(course, submit(tmp_path / "b", notebook_text='{"cells": 3}'))
    assert items(broken)["twice"].score == 4 and items(broken)["study_early"].score == 0
    assert "not a valid notebook: no list of cells" in message(broken, "study_early")


def test_a_student_copy_of_a_support_module_is_replaced(tmp_path, course):
    fake = "def make_data(n):\n    return [0.0] * n\n"
    result = grade(course, submit(tmp_path / "s", SOLUTION_CELLS, extra={"nbhelp.py": fake}))
    assert result.score == 8


def test_a_notebook_that_reads_grader_files_forks_and_sleeps_gains_nothing(tmp_path, course):
    reference = course.data_dir / "visible" / "study_late_sum.npz"
    cells = [*EARLY,
             "import os\npid = os.fork()\nif pid == 0:\n    import time\n    time.sleep(600)",
             f"import numpy as np\nlate = float(np.load({str(reference)!r})['late'])"]
    started = __import__("time").monotonic()
    result = grade(course, submit(tmp_path / "s", cells))
    assert __import__("time").monotonic() - started < 60
    if os.geteuid() == 0:   # without root the sandbox runs as the grader's own user
        assert items(result)["study_late"].score == 0
        # The references are outside the sandbox's view (or, failing that, unreadable to it).
        assert any(denied in message(result, "study_late")
                   for denied in ("No such file", "Permission"))
    assert items(result)["study_early"].score == 2


def test_a_distribution_carries_the_support_modules(tmp_path, course):
    from autograder.distribution import distribution_files
    files = distribution_files(course, suites=("visible",))
    assert files["grading/support/nbhelp.py"] == (course.support_dir / "nbhelp.py").read_bytes()
    for name, data in files.items():
        (tmp_path / "dist" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "dist" / name).write_bytes(data)
    shipped = discover(tmp_path / "dist", environ={})["nbdemo"]
    assert shipped.support_dir == (tmp_path / "dist" / "grading" / "support").resolve()
    result = grade(shipped, submit(tmp_path / "s", SOLUTION_CELLS))
    assert result.score == 8


def test_grade_feedback_writes_the_report_and_lists_the_images(tmp_path, course):
    import subprocess
    import sys
    folder = submit(tmp_path / "s", SOLUTION_CELLS)
    env = dict(os.environ, AUTOGRADER_ASSIGNMENTS=str(course.spec_dir.parent.parent.parent))
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder),
                           "--assignment", "nbdemo", "--suite", "visible",
                           "--feedback", str(tmp_path / "fb")],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    image = tmp_path / "fb" / "images" / "study_late_sum-1.png"
    assert f"image: {image} (study_late_sum)" in proc.stdout
    assert f"feedback: {tmp_path / 'fb' / 'feedback.html'}" in proc.stdout
    assert image.read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "fb" / "notebooks" / "Study.html").is_file()


def test_batch_writes_each_students_exports_next_to_the_report(tmp_path, course, monkeypatch):
    from autograder.batch.run import BatchRequest, run_batch
    import io
    monkeypatch.setenv("AUTOGRADER_ASSIGNMENTS", str(course.spec_dir.parent.parent.parent))
    submit(tmp_path / "class" / "alice", SOLUTION_CELLS)
    submit(tmp_path / "class" / "bob", [*EARLY, "raise RuntimeError('<script>')"])
    run_batch(BatchRequest(tmp_path / "class", tmp_path / "out", assignment="nbdemo",
                           jobs=1, suite="visible", progress=io.StringIO()))
    for student in ("alice", "bob"):
        stored = json.loads((tmp_path / "out" / f"{student}.json").read_text())
        assert stored["exports"] == {"Study.ipynb": f"notebooks/{student}/Study.html"}
        page = (tmp_path / "out" / "notebooks" / student / "Study.html").read_text()
        assert "In [1]" in page and "<script" not in page
        # The per-student report (gradebook: feedback/<student>.html) links it.
        report = to_html(GradeResult.from_dict(stored))
        assert f'href="../notebooks/{student}/Study.html"' in report
    bob = (tmp_path / "out" / "notebooks" / "bob" / "Study.html").read_text()
    assert "RuntimeError: &lt;script&gt;" in bob

"""BYOMLP graded end to end with notebooks that go wrong: each costs its own items only, and
the report names the cell (issue 17). Each test grades one submission (about 10 s)."""
from __future__ import annotations

import json
import shutil

import pytest

from support import grade, item_scores

from .solution_modules import SOLUTION_DIR

FULL = {"forward": 10.0, "backpropagation": 15.0, "classification": 6.0, "autoencoder": 6.0}


def submission(folder, **notebooks):
    """The solution's mlp.py and notebooks, with the notebooks given as cell-source edits:
    name -> function(list of cells) -> list of cells."""
    folder.mkdir()
    shutil.copy(SOLUTION_DIR / "mlp.py", folder / "mlp.py")
    for name in ("Classification.ipynb", "Autoencoder.ipynb"):
        notebook = json.loads((SOLUTION_DIR / name).read_text())
        edit = notebooks.get(name.split(".")[0].lower())
        if edit:
            notebook["cells"] = edit(notebook["cells"])
        (folder / name).write_text(json.dumps(notebook))
    return folder


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


def failures(result, item: str) -> list[str]:
    return [case["message"] for i in result["items"] if i["id"] == item
            for case in i["cases"] if not case["passed"]]


@pytest.mark.slow
def test_a_notebook_importing_torch_costs_its_own_items_and_names_the_cell(tmp_path):
    def with_torch(cells):
        return [cells[0], code_cell("import torch"), *cells[1:]]
    result, _ = grade(submission(tmp_path / "s", classification=with_torch), tmp_path,
                      "--assignment", "byomlp")
    scores = item_scores(result)
    assert scores["classification"] == 0
    assert {k: scores[k] for k in ("forward", "backpropagation", "autoencoder")} == \
        {k: FULL[k] for k in ("forward", "backpropagation", "autoencoder")}
    assert any("Classification.ipynb" in m and "cell 1" in m and "torch" in m
               for m in failures(result, "classification"))


@pytest.mark.slow
def test_a_notebook_failing_after_training_keeps_the_networks_points(tmp_path):
    """A plotting cell that raises: the autoencoder was built and trained before it, so only
    the case that asks every cell to run fails, naming the cell, the line and the error."""
    def broken_plot(cells):
        return [*cells, code_cell("x = 1\nraise RuntimeError('plot failed')")]
    result, _ = grade(submission(tmp_path / "s", autoencoder=broken_plot), tmp_path,
                      "--assignment", "byomlp")
    scores = item_scores(result)
    assert {k: scores[k] for k in ("forward", "backpropagation", "classification")} == \
        {k: FULL[k] for k in ("forward", "backpropagation", "classification")}
    assert 0 < scores["autoencoder"] < FULL["autoencoder"]
    assert failures(result, "autoencoder") == [
        "error: Autoencoder.ipynb failed at cell 7, line 2: RuntimeError: plot failed"]

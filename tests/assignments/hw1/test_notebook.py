"""The solution notebook: stored clean, and executes top to bottom on the offline default."""
import nbformat
import pytest

from .conftest import SOLUTION_DIR

NOTEBOOK = SOLUTION_DIR / "notebooks" / "hw1.ipynb"


def test_notebook_is_stored_clean_with_tagged_solutions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert len(solutions) >= 3 and all(c.cell_type == "markdown" for c in solutions)
    sources = "\n".join(c.source for c in code)
    assert sources.count("# BEGIN SOLUTION") == sources.count("# END SOLUTION") >= 3
    assert "get_training_stats" in sources and "SquaredError" in sources


@pytest.mark.slow
def test_notebook_executes_on_the_offline_default(monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.delenv("MLP_DATA_DIR", raising=False)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # curves, sweep, latent space, reconstructions
    text = "".join(o.get("text", "") for o in outputs)
    assert "digits" in text and "test accuracy" in text

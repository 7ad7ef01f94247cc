"""The lab's own tests: its provided data, the solution notebook's numerics, the families'
watchers (autograd inside linear_backward, gradcheck calls), re-running cells on the grader's
parts, and the case specs agreeing with the rubric (one bug, one item needs an isolated case
per item)."""
from __future__ import annotations

import shutil
import sys
import tomllib

import numpy as np
import pytest

from autograder.grade.rubric import load_rubric
from autograder.scenarios import notebook
from autograder.scenarios.toolkit import ContractError
from support import assignment, family

torch = pytest.importorskip("torch")

LAB = assignment("lab")
common = family("common", "lab")
NOTEBOOK = LAB.solution_dir / "mlp_lab.ipynb"


@pytest.fixture
def watched():
    """The families' gradcheck watcher, removed afterwards (it wraps torch's function)."""
    module = sys.modules["torch.autograd.gradcheck"]
    original = module.gradcheck, torch.autograd.gradcheck
    saved = dict(common._state)
    common._state.update(gradcheck_calls=[], wrapped=False)
    yield common
    module.gradcheck, torch.autograd.gradcheck = original
    common._state.clear()
    common._state.update(saved)


@pytest.fixture
def executed(tmp_path, watched):
    """The solution notebook, executed in process as the worker would (its watcher in place)."""
    folder = tmp_path / "code"
    folder.mkdir()
    shutil.copy(NOTEBOOK, folder)
    shutil.copy(LAB.solution_dir / "lab_data.py", folder)
    notebook.forget()
    notebook.configure(code_dir=str(folder))
    sys.path.insert(0, str(folder))
    try:
        yield watched.run_notebook(str(folder))
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("lab_data", None)
        notebook.forget()
        notebook.configure(code_dir="")


# ------------------------------------------------------------------------------- the data

def test_the_spirals_are_deterministic_and_balanced():
    import lab_data
    X, y = lab_data.spiral_arrays(50, seed=3)
    again, labels = lab_data.spiral_arrays(50, seed=3)
    assert X.shape == (150, 2) and np.array_equal(X, again) and np.array_equal(y, labels)
    assert np.bincount(y).tolist() == [50, 50, 50]
    assert not np.array_equal(X, lab_data.spiral_arrays(50, seed=4)[0])
    tensors = lab_data.make_spirals(50, seed=3)
    assert tensors[0].dtype == torch.float32 and np.allclose(tensors[0].numpy(), X, atol=1e-6)


def test_the_grader_spirals_share_the_distribution_but_no_point():
    import lab_data
    train, _ = lab_data.spiral_arrays(100, lab_data.TRAIN_SEED)
    held, labels = common.spirals(100, seed=101)
    assert held.shape == (300, 2) and np.bincount(labels).tolist() == [100, 100, 100]
    radii = np.hypot(held[:, 0], held[:, 1])
    assert 0.05 <= radii.min() and radii.max() <= 1.0
    distances = np.linalg.norm(held[:, None, :] - train[None, :, :], axis=2)
    assert distances.min() > 1e-6
    # Same arms: each held-out point's nearest training point is mostly of its class.
    _, train_labels = lab_data.spiral_arrays(100, lab_data.TRAIN_SEED)
    nearest = train_labels[np.argmin(distances, axis=1)]
    assert np.mean(nearest == labels) > 0.9


# ------------------------------------------------------------------- the solution notebook

def test_the_solution_notebook_runs_and_its_backward_matches_autograd(executed):
    assert executed.failure is None
    linear_backward, model = executed.require("linear_backward", "model")
    for batch, n_in, n_out in [(5, 3, 4), (1, 6, 2), (7, 2, 9)]:
        x = torch.randn(batch, n_in, dtype=torch.float64, requires_grad=True)
        W = torch.randn(n_out, n_in, dtype=torch.float64, requires_grad=True)
        b = torch.randn(n_out, dtype=torch.float64, requires_grad=True)
        grad_out = torch.randn(batch, n_out, dtype=torch.float64)
        (x @ W.T + b).backward(grad_out)
        mine = linear_backward(x.detach(), W.detach(), b.detach(), grad_out)
        for got, leaf in zip(mine, (x, W, b)):
            assert got.shape == leaf.shape and torch.allclose(got, leaf.grad, atol=1e-12)
    X, y = common.spirals(200, seed=5)
    with torch.no_grad():
        accuracy = (model(torch.tensor(X, dtype=torch.float32)).argmax(1).numpy() == y).mean()
    assert accuracy >= 0.95


def test_the_watcher_records_the_notebooks_gradcheck_of_its_own_backward(executed):
    calls = common.gradcheck_calls()
    assert len(calls) == 1
    assert calls[0] == {"passed": True, "error": None, "ran_backward": True, "float64": True}


def test_autograd_inside_a_function_is_seen_whatever_name_it_goes_by():
    from torch.autograd import grad as renamed

    def sneaky(x):
        leaf = x.detach().requires_grad_()
        return renamed((leaf * leaf).sum(), leaf)[0]

    def honest(x):
        return 2 * x

    with common.autograd_calls() as used:
        sneaky(torch.ones(3))
    assert used == ["torch.autograd.grad"]
    with common.autograd_calls() as used:
        honest(torch.ones(3))
    assert used == []


def test_cells_run_again_on_the_grader_mlp_train_a_good_model(executed):
    class Broken(torch.nn.Module):      # the student's MLP, say, with no layers at all
        def __init__(self, *sizes):
            super().__init__()

    executed.namespace["MLP"] = Broken
    cells = common.code_cells_between(executed, "class MLP", before="def linear_backward")
    assert [c.number for c in cells] == [3, 4]
    namespace = common.rerun(executed, cells, {"MLP": common.grader_mlp_class()})
    assert isinstance(namespace["model"], common.grader_mlp_class())
    assert executed.namespace["MLP"] is Broken       # the executed notebook is left alone


def test_a_cell_failing_on_rerun_is_named():
    cell = notebook.Cell(4, "code", "raise ValueError('nope')")
    fake = notebook.ExecutedNotebook("mlp_lab.ipynb", {}, [cell])
    with pytest.raises(ContractError, match=r"cell 4, run again with the grader's MLP: "
                                            r"ValueError: nope"):
        common.rerun(fake, [cell], {"MLP": object})


# ------------------------------------------------------------------------------ case specs

def test_every_automatic_item_has_isolated_cases_in_both_suites():
    rubric = load_rubric(LAB.rubric_path)
    automatic = {item.id for item in rubric.automatic}
    for suite in ("visible", "hidden"):
        cases = tomllib.loads((LAB.cases_dir / f"{suite}.toml").read_text())["case"]
        assert {c["item"] for c in cases} <= automatic
        isolated = {c["item"] for c in cases if not c["uses"]}
        assert isolated == ({c["item"] for c in cases}), suite
        for case in cases:
            assert case.get("seconds"), case["name"]           # every case runs the notebook
            assert case["item"] not in case["uses"]


def test_linear_backward_shapes_are_never_square():
    for suite in ("visible", "hidden"):
        cases = tomllib.loads((LAB.cases_dir / f"{suite}.toml").read_text())["case"]
        for case in cases:
            for batch, n_in, n_out in case["params"].get("shapes", []):
                assert n_in != n_out and batch != n_out, case["name"]

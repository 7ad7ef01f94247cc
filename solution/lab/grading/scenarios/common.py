"""What the lab's families share: running the student's notebook once per process with the
grader's watchers in place, its spirals, and turning tensors into the float arrays that leave
the sandbox.

Watchers. Before the notebook runs, ``torch.autograd.gradcheck`` is wrapped so that each call
the notebook makes is recorded: its result, the dtypes of its tensor inputs, and whether the
notebook's own ``linear_backward`` ran inside it (a profile hook sees the function's code run;
the autograd engine runs a CPU Function's backward on the calling thread). ``autograd_calls``
watches a call of the student's code the same way for autograd's entry points
(``Tensor.backward``, ``torch.autograd.backward``, ``torch.autograd.grad``), whatever name the
notebook imported them under.

torch is imported inside the functions: the trusted side imports the families for their
``check`` and must not pay for torch.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

import numpy as np

from autograder.scenarios import notebook
from autograder.scenarios.toolkit import ContractError, case_rng, describe, snapshot

NOTEBOOK = "mlp_lab.ipynb"
CLASSES = 3
_state: dict = {"gradcheck_calls": [], "wrapped": False}


def run_notebook(api):
    """The executed notebook (once per process), the gradcheck watcher installed first."""
    _watch_gradcheck()
    return notebook.execute(api, NOTEBOOK)


def gradcheck_calls() -> list[dict]:
    """One dict per gradcheck call the notebook made: passed (bool), error (str or None),
    float64 (every tensor input float64), ran_backward (linear_backward ran inside)."""
    return list(_state["gradcheck_calls"])


def _is_student_backward(code) -> bool:
    return ((code.co_name == "linear_backward" and notebook_cell(code.co_filename))
            or code is grader_linear_backward.__code__)


def notebook_cell(filename: str) -> bool:
    return filename.rpartition("/")[2].startswith(f"{NOTEBOOK}, cell ")


def _watch_gradcheck() -> None:
    if _state["wrapped"]:
        return
    import torch
    # torch.autograd.gradcheck is both a function and, in sys.modules, the module defining it.
    module = sys.modules["torch.autograd.gradcheck"]
    original = module.gradcheck

    def recorded_gradcheck(func, inputs, *args, **kwargs):
        tensors = [t for t in (inputs if isinstance(inputs, (tuple, list)) else (inputs,))
                   if isinstance(t, torch.Tensor)]
        record = {"passed": False, "error": None, "ran_backward": False,
                  "float64": bool(tensors) and all(t.dtype == torch.float64 for t in tensors)}
        _state["gradcheck_calls"].append(record)
        with _watching(_is_student_backward) as seen:
            try:
                result = original(func, inputs, *args, **kwargs)
            except Exception as exc:
                record["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200]}" \
                    if str(exc).strip() else type(exc).__name__
                raise
            finally:
                record["ran_backward"] = bool(seen)
        record["passed"] = result is True
        return result

    module.gradcheck = recorded_gradcheck
    torch.autograd.gradcheck = recorded_gradcheck
    _state["wrapped"] = True


@contextmanager
def _watching(wanted):
    """Collect the code objects satisfying ``wanted`` that start running inside the block (in
    this thread), keeping any profiler already set."""
    seen: list = []
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and wanted(frame.f_code):
            seen.append(frame.f_code)
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


@contextmanager
def autograd_calls():
    """The names of autograd's entry points called inside the block (list, filled on exit)."""
    import torch
    entries = {torch.Tensor.backward.__code__: "Tensor.backward()",
               torch.autograd.backward.__code__: "torch.autograd.backward",
               torch.autograd.grad.__code__: "torch.autograd.grad"}
    with _watching(lambda code: code in entries) as seen:
        names: list[str] = []
        try:
            yield names
        finally:
            names.extend(dict.fromkeys(entries[code] for code in seen))


# ------------------------------------------------ the grader's own parts, for isolated cases

def grader_linear_backward(x, W, b, grad_out):
    """A correct linear_backward for the notebook's checks to run on in an isolated case: it
    asks autograd (these files ship with the handout; a hand-written one would be the answer)."""
    import torch
    with torch.enable_grad():
        leaves = [t.detach().clone().requires_grad_() for t in (x, W, b)]
        return torch.autograd.grad(torch.nn.functional.linear(*leaves), leaves, grad_out)


def grader_mlp_class():
    """A correct MLP(n_inputs, n_hidden, n_classes), as the handout describes it, for the
    notebook's training cells to run on in an isolated case. Its nn.Linear layers are created
    first to last, so a seeded run draws the weights any such MLP would."""
    if "mlp_class" not in _state:
        import torch

        class MLP(torch.nn.Sequential):
            def __init__(self, n_inputs, n_hidden, n_classes):
                widths = [n_inputs, *n_hidden]
                blocks = []
                for fan_in, fan_out in zip(widths, widths[1:]):
                    blocks += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
                super().__init__(*blocks, torch.nn.Linear(widths[-1], n_classes))

        _state["mlp_class"] = MLP
    return _state["mlp_class"]


def code_cells_between(executed, after: str, through: str | None = None,
                       before: str | None = None) -> list:
    """The code cells after the first one whose source holds ``after``, up to the last one that
    holds ``through`` (or up to, not including, the first that holds ``before``); a
    ContractError when the notebook's structure does not show them, or when the notebook
    stopped before them at a cell other than that first one (whose names the grader replaces),
    so that what they need was never defined."""
    cells = [c for c in executed.cells if c.kind == "code"]
    start = next((i for i, c in enumerate(cells) if after in c.source), None)
    failure = executed.failure
    if failure is not None and (start is None or failure.cell < cells[start].number):
        raise ContractError(failure.describe(executed.name))
    if start is None:
        raise ContractError(f"{executed.name}: no code cell holds {after!r}: keep the cells "
                            f"of the handout")
    rest = cells[start + 1:]
    if through is not None:
        last = max((i for i, c in enumerate(rest) if through in c.source), default=None)
        if last is None:
            raise ContractError(f"{executed.name}: no code cell after the one holding "
                                f"{after!r} holds {through!r}")
        return rest[: last + 1]
    end = next((i for i, c in enumerate(rest) if before in c.source), len(rest))
    return rest[:end]


def rerun(executed, cells: list, replaced: dict) -> dict:
    """Run ``cells`` again, in order, in a copy of the executed notebook's namespace with the
    names in ``replaced`` bound to the grader's objects before each cell (so the student's
    other code runs on correct parts). Returns the namespace; a ContractError names the cell
    that failed. Compiled under the notebook's cell names: the import blocker judges them as
    the notebook."""
    from autograder.notebook_format import strip_magics
    import os
    folder = notebook._settings.get("code_dir") or os.getcwd()
    namespace = dict(executed.namespace)
    try:
        for cell in cells:
            namespace.update(replaced)
            code, _skipped = strip_magics(cell.source)
            filename = os.path.join(folder, f"{executed.name}, cell {cell.number}")
            try:
                exec(compile(code, filename, "exec"), namespace)
            except Exception as exc:
                text = str(exc).strip().splitlines()
                raise ContractError(
                    f"{executed.name}, cell {cell.number}, run again with the grader's "
                    f"{' and '.join(replaced)}: {type(exc).__name__}"
                    + (f": {text[0][:200]}" if text else "")) from None
    finally:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            pyplot.close("all")
    return namespace


def spirals(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The grader's own spirals: the distribution of the provided lab_data.py (three arms, one
    turn each, angle noise 0.15 rad), drawn from the case's seed, never a split the notebook
    sees. X (3n, 2) float64, y (3n,) int."""
    rng = case_rng(seed, 7)
    labels = np.repeat(np.arange(CLASSES), n_per_class)
    # Radii drawn at random (the provided split uses an even grid) so no point is shared.
    radius = np.sort(rng.uniform(0.05, 1.0, (CLASSES, n_per_class)), axis=1).reshape(-1)
    angle = (radius * 4.0 + labels * (2 * np.pi / CLASSES)
             + rng.standard_normal(CLASSES * n_per_class) * 0.15)
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1), labels


def to_array(value, name: str) -> np.ndarray:
    """A float64 copy of a tensor (or of anything snapshot accepts), taken now."""
    import torch
    if isinstance(value, torch.Tensor):
        return snapshot(value.detach().double().cpu().numpy(), name)
    return snapshot(value, name)


def tensor(array: np.ndarray, dtype=None):
    import torch
    return torch.tensor(np.asarray(array, dtype=np.float64), dtype=dtype or torch.float64)


def require_module(value, name: str):
    import torch
    if not isinstance(value, torch.nn.Module):
        raise ContractError(f"{name} must be an nn.Module; got {describe(value)}")
    return value


def linear_layers(model) -> list:
    """The model's nn.Linear layers, in registration order."""
    import torch
    return [m for m in model.modules() if isinstance(m, torch.nn.Linear)]

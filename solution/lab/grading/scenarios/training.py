"""The notebook's trained ``model``, judged on the grader's own held-out spirals (never on the
accuracy the notebook prints): drawn from the provided data's distribution with the case's
seed, so no split the notebook sees holds them.

params: seed, n_per_class, min_accuracy, mlp:
  notebook  the model the notebook trained with its own MLP (a case that uses "mlp")
  grader    the notebook's training cells (Part A.2: the code cells between the one that
            defines class MLP and the one that defines linear_backward) run again with the
            grader's own correct MLP class in place of the student's: the training loop judged
            alone, so a broken MLP costs the MLP item only.
An untrained network scores about 1/3, a linear one about 1/2; the solution about 99%.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, shape_text

from .common import (CLASSES, code_cells_between, grader_mlp_class, require_module, rerun,
                     run_notebook, spirals, tensor)


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    X, y = spirals(int(params["n_per_class"]), int(params["seed"]))
    executed = run_notebook(api)
    if params["mlp"] == "grader":
        cells = code_cells_between(executed, "class MLP", before="def linear_backward")
        namespace = rerun(executed, cells, {"MLP": grader_mlp_class()})
        if "model" not in namespace:
            raise ContractError(f"{executed.name}: the training cells define no `model`")
        model, what = namespace["model"], "model (trained with the grader's MLP)"
    else:
        model, = executed.require("model")
        what = "model"
    model = require_module(model, what)
    parameters = list(model.parameters())
    dtype = parameters[0].dtype if parameters else torch.float32
    model.eval()
    with torch.no_grad():
        logits = model(tensor(X, dtype))
    if not isinstance(logits, torch.Tensor) or tuple(logits.shape) != (len(X), CLASSES):
        got = shape_text(logits.shape) if isinstance(logits, torch.Tensor) else type(logits).__name__
        raise ContractError(f"{what}(X) must give logits of shape ({len(X)}, {CLASSES}) for "
                            f"{len(X)} points; got {got}")
    scores = logits.detach().double().cpu().numpy()
    if not np.all(np.isfinite(scores)):
        raise ContractError(f"{what}(X) gave NaN or infinity on the grader's spirals")
    return {"model.accuracy": np.array(float(np.mean(np.argmax(scores, axis=1) == y))),
            "spirals.points": np.array(float(len(X)))}


def check(got, expected, params, compare) -> list[str]:
    if "model.accuracy" not in got:
        return ["model.accuracy: missing"]
    accuracy = float(np.asarray(got["model.accuracy"]).reshape(-1)[0])
    needed = float(params["min_accuracy"])
    if accuracy >= needed:
        return []
    trained = ("your training cells, run with the grader's correct MLP, give a model that"
               if params["mlp"] == "grader" else "the trained model")
    return [f"{trained} classifies {accuracy:.1%} of the grader's held-out spirals correctly; "
            f"needs {needed:.0%} (untrained: about 33%; without a nonlinearity: about 50%). "
            f"Zero the gradients every step, and step the optimizer"]

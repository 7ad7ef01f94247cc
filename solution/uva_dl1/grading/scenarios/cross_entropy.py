"""modules.CrossEntropyModule on its own: x is a softmax output (rows are probability vectors,
none of them zero), y one-hot.

params: seed, batch, classes, stage:
  forward    loss = forward(x, y), the MEAN over the batch of -sum_k y_k log x_k
  backward   dx = backward(x, y), the gradient of that mean
A param named ``batch`` lets the diagnosis name a loss or gradient ``batch`` times too large
(a sum where the text asks for the mean).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng

from .common import call, one_hot, scalar, snapshot, softmax_rows


def make_inputs(params: dict) -> tuple[np.ndarray, np.ndarray]:
    rng = case_rng(params["seed"])
    batch, classes = int(params["batch"]), int(params["classes"])
    x = softmax_rows(rng.standard_normal((batch, classes)) * 1.5)
    return x, one_hot(rng, batch, classes)


def run(api, params: dict) -> dict[str, np.ndarray]:
    x, y = make_inputs(params)
    module = call("CrossEntropyModule()", api.CrossEntropyModule)
    if params["stage"] == "forward":
        loss = call("CrossEntropyModule.forward", module.forward, x.copy(), y.copy())
        return {"cross_entropy.loss": scalar(loss, "the value forward(x, y) returned")}
    dx = call("CrossEntropyModule.backward", module.backward, x.copy(), y.copy())
    return {"cross_entropy.dx": snapshot(dx, "the value backward(x, y) returned")}

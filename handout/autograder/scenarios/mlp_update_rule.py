"""MLP.step on its own: the grader writes known gradients into dW, db (and dgamma, dbeta) and
calls step() several times; W, b (and gamma, beta) after every step. Grades the momentum rule
v <- momentum * v - lr * g; p <- p + v without depending on backward().

params: as in mlp_forward, plus steps, lr, momentum.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.common import (keeping_partial, ProbeCriterion, build_mlp, mlp_batch,
                                         parameter_arrays, write_gradients)


def run(api, params: dict) -> dict[str, np.ndarray]:
    _, _, upstream = mlp_batch(params, 0)
    mlp = build_mlp(api, params, ProbeCriterion(upstream))
    arrays = {}
    with keeping_partial(arrays):
        for step in range(int(params["steps"])):
            write_gradients(mlp, params, step)
            mlp.step()
            arrays.update(parameter_arrays(mlp, params, f"after_step_{step + 1}"))
    return arrays

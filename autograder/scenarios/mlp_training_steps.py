"""Several training steps (zero_grads, forward, backward, step on a new batch each time); W, b
(and gamma, beta) after every step. Grades step(), momentum and weight decay as a whole.

params as in mlp_forward and mlp_backward, plus steps, lr, momentum, weight_decay.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.common import keeping_partial, build_mlp, mlp_batch, parameter_arrays
from autograder.scenarios.mlp_backward import make_criterion


def run(api, params: dict) -> dict[str, np.ndarray]:
    _, _, upstream = mlp_batch(params, 0)
    criterion = make_criterion(api, params, upstream)
    mlp = build_mlp(api, params, criterion)
    arrays = {}
    with keeping_partial(arrays):
        for step in range(int(params["steps"])):
            x, labels, upstream = mlp_batch(params, step)
            if hasattr(criterion, "upstream"):
                criterion.upstream = upstream
            mlp.zero_grads()
            mlp.forward(x)
            mlp.backward(labels)
            mlp.step()
            arrays.update(parameter_arrays(mlp, params, f"after_step_{step + 1}"))
    return arrays

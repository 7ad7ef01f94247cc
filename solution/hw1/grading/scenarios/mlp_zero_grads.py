"""MLP.zero_grads on its own: the grader writes non-zero gradients into dW, db (and dgamma,
dbeta), calls zero_grads(), and every gradient must then be zero (in its parameter's shape).

Before that, the contract of the lists the grader writes into is checked (dW[i] shaped like
W[i], db[i] like b[i], right after construction), so a missing list is named, not a TypeError.
That constructor detail is graded once, by the linear_classifier item's cases: a case with
params constructor_contract = false (BatchNorm's) checks W and b only and, like the update-rule
cases, replaces a dW or db that is not a list of one entry per layer before writing into it.

params as in mlp_forward, plus constructor_contract (default true).
"""
from __future__ import annotations

import numpy as np

from .common import (ProbeCriterion, build_mlp, check_layer_lists,
                                         gradient_arrays, mlp_batch, write_gradients)


def run(api, params: dict) -> dict[str, np.ndarray]:
    _, _, upstream = mlp_batch(params, 0)
    mlp = build_mlp(api, params, ProbeCriterion(upstream))
    owns_contract = bool(params.get("constructor_contract", True))
    check_layer_lists(mlp, params, ("W", "b", "dW", "db") if owns_contract else ("W", "b"))
    write_gradients(mlp, params, 0, replace_lists=not owns_contract)
    mlp.zero_grads()
    return gradient_arrays(mlp, params, context="after zero_grads()")

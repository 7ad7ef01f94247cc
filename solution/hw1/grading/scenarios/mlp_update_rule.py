"""MLP.step on its own: the grader writes known gradients into dW, db (and dgamma, dbeta) and
calls step() several times; W, b (and gamma, beta) after every step. Grades the momentum rule
v <- momentum * v - lr * g; p <- p + v without depending on backward().

Before the first step the parameters' contract is checked (W, b right after construction). The
gradient lists are not: the grader injects its own gradients, replacing a dW or db that is not a
list of one entry per layer (None, [], [0] * n filled in later by zero_grads all train
correctly). What dW and db hold after MLP(...) is the linear_classifier item's to grade (its
zero_grads cases), once; a momentum case never fails on a constructor detail.

params: as in mlp_forward, plus steps, lr, momentum, weight_decay; decay_equivalence (optional):
grade weight decay alone. A twin MLP is built without weight decay, and at every step the grader
gives it the same known gradients, the weights' plus weight_decay * W (its own W). Both must end
every step with the same parameters, whatever step() does otherwise, so a momentum or SGD bug
does not change this case's verdict.
"""
from __future__ import annotations

import numpy as np

from autograder.compare import annotate, display_name
from .common import (ProbeCriterion, build_mlp, check_layer_lists,
                                         keeping_partial, layer_sizes, mlp_batch,
                                         parameter_arrays, parameter_keys, snapshot,
                                         write_gradients)

TWIN = "_without_weight_decay"


def run(api, params: dict) -> dict[str, np.ndarray]:
    _, _, upstream = mlp_batch(params, 0)
    mlp = build_mlp(api, params, ProbeCriterion(upstream))
    check_layer_lists(mlp, params, ("W", "b"))
    twin = None
    if params.get("decay_equivalence"):
        twin = build_mlp(api, {**params, "weight_decay": 0.0}, ProbeCriterion(upstream))
        check_layer_lists(twin, params, ("W", "b"))
    decay = float(params.get("weight_decay", 0.0))
    arrays = {}
    with keeping_partial(arrays):
        for step in range(int(params["steps"])):
            write_gradients(mlp, params, step, replace_lists=True)
            mlp.step()
            arrays.update(parameter_arrays(mlp, params, f"after_step_{step + 1}"))
            if twin is not None:
                write_gradients(twin, params, step, replace_lists=True)
                for i in range(len(layer_sizes(params)) - 1):
                    twin.dW[i] = twin.dW[i] + decay * snapshot(twin.W[i], f"mlp.W[{i}]")
                twin.step()
                arrays.update(parameter_arrays(twin, params, f"after_step_{step + 1}{TWIN}"))
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """Known gradients: every parameter after every step against the reference. In a
    decay_equivalence case: the MLP with weight decay against its twin without it."""
    if not params.get("decay_equivalence"):
        return compare.all(got, expected, params)
    decay = float(params.get("weight_decay", 0.0))
    messages = []
    for key, grad_key in parameter_keys(params):
        for step in range(1, int(params["steps"]) + 1):
            name = display_name(f"{key}@after_step_{step}")
            mine, twin = got.get(f"{key}@after_step_{step}"), got.get(
                f"{key}@after_step_{step}{TWIN}")
            if mine is None or twin is None:
                messages.append(f"{name}: missing (the case stopped before producing it)")
                break
            message = compare.array(f"{key}@after_step_{step}", mine, twin)
            if message:
                if ".W[" in key:
                    why = (f"what your own step() gives with weight_decay=0 when given "
                           f"{grad_key} + {decay:g} * {key} as the gradient: weight decay adds "
                           f"weight_decay * W to the gradient of the weights")
                else:
                    why = (f"what your own step() gives with weight_decay=0 and the same "
                           f"{grad_key}: weight decay changes the gradients of the weights W "
                           f"only, not of b, gamma or beta")
                messages.append(annotate(message, f" (expected: {why})"))
                break
    return messages

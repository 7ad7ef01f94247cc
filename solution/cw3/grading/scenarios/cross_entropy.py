"""CrossEntropyLoss on its own: loss = forward(logits, labels), dlogits = backward().

Labels are integer class indices (N,), as the contract says. backward() is called twice when
backward_calls = 2: both calls must return the same gradient (backward must not change what
forward stored, e.g. subtract the one-hot from `probs` in place).

params: seed, batch, classes, scale (std of the logits), extreme (optional: about a quarter of
the logits set to +-extreme, e.g. 1e4), offset (optional: added to every logit), label_dtype
(default int64), backward_calls (1 or 2, default 1), require_float (optional: forward must
return a Python float, not a 0-d array; checked after everything else is recorded).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import ContractError, call, describe, integer_labels, snapshot, snapshot_scalar
from .common import spread_inputs


def make_inputs(params: dict) -> tuple[np.ndarray, np.ndarray]:
    rng = case_rng(params["seed"])
    batch, classes = int(params["batch"]), int(params["classes"])
    logits = spread_inputs(rng, (batch, classes), scale=float(params.get("scale", 3.0)),
                           extreme=float(params.get("extreme", 0.0)))
    logits += float(params.get("offset", 0.0))
    labels = integer_labels(rng, batch, classes, params.get("label_dtype", "int64"))
    return logits, labels


def run(api, params: dict) -> dict[str, np.ndarray]:
    logits, labels = make_inputs(params)
    loss_fn = call("CrossEntropyLoss()", api.CrossEntropyLoss)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        value = call("CrossEntropyLoss.forward", loss_fn.forward, logits.copy(), labels.copy())
        arrays["loss"] = snapshot_scalar(value, "the value loss.forward(logits, labels) returned")
        for k in range(int(params.get("backward_calls", 1))):
            grad = call("CrossEntropyLoss.backward", loss_fn.backward)
            key = "dlogits" if k == 0 else "dlogits@second_backward_call"
            arrays[key] = snapshot(grad, f"the value loss.backward() returned (call {k + 1})")
        if params.get("require_float") and not isinstance(value, float):
            raise ContractError(f"CrossEntropyLoss.forward must return the mean loss as a "
                                f"Python float (return float(...)); got {describe(value)}")
    return arrays

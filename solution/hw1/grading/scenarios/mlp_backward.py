"""MLP.backward: dW, db (and the BatchNorm dgamma, dbeta) of the mean loss over the batch,
judged given the student's OWN forward pass.

The default criterion is the grader's probe (upstream gradient known); params criterion =
"SoftmaxCrossEntropy" uses the student's instead (an integration case). Other params as in
mlp_forward. The gradients are read (and copied) after backward(); dW and db need not exist
before it.

A forward bug is the forward items' to charge, not this one's: right after forward() the worker
also records what backward() will be built on, each copied when read,
  mlp.W[i]@before_forward          the weights forward() used;
  activations[i].state@forward     every activation's output (the activations are the grader's
                                   Softsign or the student's classes; ``state`` is the contract's
                                   attribute), so layer i's input is activations[i - 1].state;
and the trusted ``check`` backpropagates through them in NumPy: the expected dW and db are what a
right backward() gives on the forward pass the student's code actually made. A network with
BatchNorm layers, or whose states cannot be read, is compared with the saved references instead.
"""
from __future__ import annotations

import numpy as np

from autograder.compare import annotate
from .common import (ProbeCriterion, build_mlp, gradient_arrays, layer_sizes, make_activations,
                     mlp_batch, parameter_keys, snapshot)

# d(activation)/d(input) from the activation's output y, for every activation a backward case
# may use (the grader's Softsign and the contract's classes).
DERIVATIVE_FROM_OUTPUT = {
    "Identity": lambda y: np.ones_like(y),
    "Softsign": lambda y: (1.0 - np.abs(y)) ** 2,
    "Sigmoid": lambda y: y * (1.0 - y),
    "Tanh": lambda y: 1.0 - y ** 2,
    "ReLU": lambda y: (y > 0.0).astype(float),
}
STATE = "activations[{}].state@forward"
WEIGHT = "mlp.W[{}]@before_forward"


def make_criterion(api, params: dict, upstream: np.ndarray):
    name = params.get("criterion", "probe")
    return ProbeCriterion(upstream) if name == "probe" else getattr(api, name)()


def activation_names(params: dict) -> list[str]:
    return list(params.get("activations") or ["Identity"] * (len(layer_sizes(params)) - 1))


def judged_on_own_forward(params: dict) -> bool:
    """Whether the case can be judged from the recorded forward pass (no BatchNorm: its backward
    needs more than the activations' outputs, and is the batchnorm_train item's)."""
    return (not int(params.get("num_bn_layers", 0))
            and all(name in DERIVATIVE_FROM_OUTPUT for name in activation_names(params)))


def forward_record(mlp, activations: list, params: dict) -> dict[str, np.ndarray]:
    """The weights and the activations' outputs, copied now; empty when one cannot be read
    (the case then falls back to the saved references)."""
    try:
        record = {WEIGHT.format(i): snapshot(mlp.W[i], f"mlp.W[{i}]")
                  for i in range(len(layer_sizes(params)) - 1)}
        record.update({STATE.format(i): snapshot(layer.state, f"activations[{i}].state")
                       for i, layer in enumerate(activations)})
        return record
    except Exception:  # noqa: BLE001  (missing or junk: graded as before, on the references)
        return {}


def run(api, params: dict) -> dict[str, np.ndarray]:
    x, labels, upstream = mlp_batch(params, 0)
    activations = make_activations(api, params)
    mlp = build_mlp(api, params, make_criterion(api, params, upstream), activations)
    mlp.forward(x)
    record = forward_record(mlp, activations, params) if judged_on_own_forward(params) else {}
    mlp.backward(labels)
    return {**gradient_arrays(mlp, params, context="after backward()"), **record}


# ----------------------------------------------------------------------------- trusted side

def backpropagated(got: dict, params: dict) -> dict[str, np.ndarray] | None:
    """dW, db of the mean loss, backpropagated in NumPy through the recorded forward pass;
    None when the record is incomplete or its shapes do not chain."""
    n = len(layer_sizes(params)) - 1
    keys = [WEIGHT.format(i) for i in range(n)] + [STATE.format(i) for i in range(n)]
    if not judged_on_own_forward(params) or any(key not in got for key in keys):
        return None
    x, labels, upstream = mlp_batch(params, 0)
    inputs = [x] + [got[STATE.format(i)] for i in range(n - 1)]
    output = got[STATE.format(n - 1)]
    if params.get("criterion", "probe") == "probe":
        delta = upstream / len(x)
    else:  # softmax cross-entropy of the student's own logits
        shifted = output - output.max(axis=1, keepdims=True)
        probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        delta = (probs - labels) / len(x)
    expected = {}
    try:
        with np.errstate(all="ignore"):
            for i, name in reversed(list(enumerate(activation_names(params)))):
                delta = delta * DERIVATIVE_FROM_OUTPUT[name](got[STATE.format(i)])
                expected[f"mlp.dW[{i}]"] = inputs[i].T @ delta
                expected[f"mlp.db[{i}]"] = delta.sum(axis=0)
                delta = delta @ got[WEIGHT.format(i)].T
    except ValueError:  # shapes that do not chain: a forward bug, graded by its own cases
        return None
    return expected


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """The gradients against a right backward() of the student's own forward pass (or, without
    a usable record, against the saved references)."""
    gradient_keys = [key for _, key in parameter_keys(params)]
    own = backpropagated(got, params)
    if own is None:
        return compare.all(got, {k: expected[k] for k in gradient_keys if k in expected}, params)
    messages = compare.all(got, own, params)
    same_forward = all(
        key not in expected or (got[key].shape == expected[key].shape
                                and np.allclose(got[key], expected[key], rtol=1e-9, atol=1e-12))
        for key in got if key.endswith("@forward"))
    if same_forward:
        return messages
    return [annotate(m, " (expected: backpropagated from your own forward pass, the "
                        "activations' outputs and mlp.W as your forward() left them; forward "
                        "is graded by its own cases)") for m in messages]

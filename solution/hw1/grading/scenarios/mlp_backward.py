"""MLP.backward: dW, db (and the BatchNorm dgamma, dbeta) of the mean loss over the batch.

The default criterion is the grader's probe (upstream gradient known); params criterion =
"SoftmaxCrossEntropy" uses the student's instead (an integration case). Other params as in
mlp_forward. The gradients are read (and copied) after backward(); dW and db need not exist
before it.
"""
from __future__ import annotations

import numpy as np

from .common import ProbeCriterion, build_mlp, gradient_arrays, mlp_batch


def make_criterion(api, params: dict, upstream: np.ndarray):
    name = params.get("criterion", "probe")
    return ProbeCriterion(upstream) if name == "probe" else getattr(api, name)()


def run(api, params: dict) -> dict[str, np.ndarray]:
    x, labels, upstream = mlp_batch(params, 0)
    mlp = build_mlp(api, params, make_criterion(api, params, upstream))
    mlp.forward(x)
    mlp.backward(labels)
    return gradient_arrays(mlp, params, context="after backward()")

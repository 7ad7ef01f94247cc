"""SoftmaxCrossEntropy on its own: per-sample losses, ``sm`` and ``derivative()``.

params: seed, batch, classes, scale (std of the logits), extreme (optional: about a quarter of
the logits set to +/-extreme, e.g. 1e4), offset (optional: added to every logit).
Each output is copied the moment it is returned or read (``snapshot``).
"""
from __future__ import annotations

import numpy as np

from .common import case_rng, keeping_partial, random_labels, snapshot, spread_inputs


def make_inputs(params: dict) -> tuple[np.ndarray, np.ndarray]:
    rng = case_rng(params["seed"])
    shape = (int(params["batch"]), int(params["classes"]))
    logits = spread_inputs(rng, shape, scale=float(params.get("scale", 3.0)),
                               extreme=float(params.get("extreme", 0.0)))
    logits += float(params.get("offset", 0.0))
    return logits, random_labels(rng, shape[0], shape[1])


def run(api, params: dict) -> dict[str, np.ndarray]:
    logits, labels = make_inputs(params)
    criterion = api.SoftmaxCrossEntropy()
    name = "SoftmaxCrossEntropy"
    arrays = {}
    with keeping_partial(arrays):
        loss = criterion(logits.copy(), labels.copy())
        arrays[f"{name}.forward"] = snapshot(loss, f"{name}.forward")
        arrays[f"{name}.sm"] = snapshot(criterion.sm, f"{name}.sm")
        arrays[f"{name}.derivative"] = snapshot(criterion.derivative(), f"{name}.derivative")
    return arrays

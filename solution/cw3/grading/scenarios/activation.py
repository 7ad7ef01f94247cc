"""ReLU or Sigmoid on its own: out = forward(X), then dX = backward(G).

params: cls (ReLU | Sigmoid), seed, shape (any number of axes; the first is the batch),
scale (std of the bulk of the inputs), extreme (optional: about a quarter of the entries set to
+-extreme, e.g. 1e3), zeros (optional: entries set to exactly 0, where ReLU' must be 0),
warmup (optional: a forward on other inputs first; backward must use the latest forward).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import call, snapshot, spread_inputs


def make_inputs(params: dict, stream: int = 0) -> np.ndarray:
    return spread_inputs(case_rng(params["seed"], stream), params["shape"],
                         scale=float(params.get("scale", 3.0)),
                         extreme=float(params.get("extreme", 0.0)),
                         zeros=int(params.get("zeros", 0)))


def run(api, params: dict) -> dict[str, np.ndarray]:
    cls = params["cls"]
    label = cls.lower()
    layer = call(f"{cls}()", getattr(api, cls))
    X = make_inputs(params)
    G = case_rng(params["seed"], 1).standard_normal(X.shape)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        if params.get("warmup"):
            call(f"{cls}.forward", layer.forward, make_inputs(params, stream=2))
        out = call(f"{cls}.forward", layer.forward, X.copy())
        arrays[f"{label}.out"] = snapshot(out, f"the value {label}.forward(X) returned")
        dX = call(f"{cls}.backward", layer.backward, G.copy())
        arrays[f"{label}.dX"] = snapshot(dX, f"the value {label}.backward(grad) returned")
    return arrays

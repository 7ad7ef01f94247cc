"""Activation classes on their own: forward output, ``state`` and ``derivative()``.

params: cls (Sigmoid | Tanh | ReLU | LeakyReLU), seed, shape, scale (std of the bulk of the
inputs), extreme (optional: magnitude planted in about a quarter of the entries), zeros
(optional: number of exact zeros), alpha (optional, LeakyReLU only).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.common import activation_inputs, case_rng


def make_inputs(params: dict) -> np.ndarray:
    return activation_inputs(case_rng(params["seed"]), tuple(params["shape"]),
                             scale=float(params.get("scale", 3.0)),
                             extreme=float(params.get("extreme", 0.0)),
                             zeros=int(params.get("zeros", 0)))


def run(api, params: dict) -> dict[str, np.ndarray]:
    cls = getattr(api, params["cls"])
    act = cls(alpha=float(params["alpha"])) if "alpha" in params else cls()
    name = params["cls"]
    x = make_inputs(params)
    out = act(x.copy())
    arrays = {f"{name}.forward": out, f"{name}.state": np.array(act.state, dtype=float)}
    arrays[f"{name}.derivative"] = act.derivative()
    return arrays

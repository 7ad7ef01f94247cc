"""ReLU or Sigmoid on its own, one stage per case: out = forward(X) (stage "forward"), or
dX = backward(G) after that forward (stage "backward").

A backward case is judged given the student's own forward: ReLU's dX = G * (X > 0) does not
depend on what forward returned; Sigmoid's expected dX is G * s * (1 - s) with s the output the
student's forward returned (when finite), so a forward bug is charged by the forward cases alone.

params: cls (ReLU | Sigmoid), stage (forward | backward), seed, shape (any number of axes; the
first is the batch), scale (std of the bulk of the inputs), extreme (optional: about a quarter
of the entries set to +-extreme, e.g. 1e3), zeros (optional: entries set to exactly 0, where
ReLU' must be 0), warmup (optional: a forward on other inputs first; backward must use the
latest forward).
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
        if params["stage"] == "forward":
            return arrays
        dX = call(f"{cls}.backward", layer.backward, G.copy())
        arrays[f"{label}.dX"] = snapshot(dX, f"the value {label}.backward(grad) returned")
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """The case's one stage: forward's output, or backward's dX given the student's forward."""
    label = params["cls"].lower()
    if params["stage"] == "forward":
        return compare.all(got, {f"{label}.out": expected[f"{label}.out"]}, params)
    key, out = f"{label}.dX", got.get(f"{label}.out")
    want = expected[key]
    if (params["cls"] == "Sigmoid" and out is not None and out.shape == want.shape
            and np.all(np.isfinite(out))):
        G = case_rng(params["seed"], 1).standard_normal(want.shape)
        want = G * out * (1.0 - out)
    return compare.all(got, {key: want}, params)

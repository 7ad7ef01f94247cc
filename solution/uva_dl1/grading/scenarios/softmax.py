"""modules.SoftMaxModule on its own.

params: seed, batch, classes, scale (logit spread; large values test the max trick), stage:
  forward    out = forward(x)
  backward   forward(x), then dx = backward(dout): judged on dx alone
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng

from .common import call, snapshot


def run(api, params: dict) -> dict[str, np.ndarray]:
    rng = case_rng(params["seed"])
    shape = (int(params["batch"]), int(params["classes"]))
    x = rng.standard_normal(shape) * float(params.get("scale", 1.0))
    module = call("SoftMaxModule()", api.SoftMaxModule)
    out = call("SoftMaxModule.forward", module.forward, x.copy())
    if params["stage"] == "forward":
        return {"softmax.out": snapshot(out, "the value forward(x) returned")}
    dout = rng.standard_normal(shape)
    dx = call("SoftMaxModule.backward", module.backward, dout.copy())
    return {"softmax.dx": snapshot(dx, "the value backward(dout) returned")}

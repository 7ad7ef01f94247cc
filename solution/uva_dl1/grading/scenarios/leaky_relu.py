"""modules.LeakyReLUModule on its own, for several negative slopes (0 is the plain ReLU).

params: seed, shape, neg_slope, stage:
  forward    out = LeakyReLUModule(neg_slope).forward(x)
  backward   forward(x), then dx = backward(dout): judged on dx alone
Inputs keep away from 0, so the kink's side is never in doubt.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng

from .common import away_from_zero, call, snapshot


def run(api, params: dict) -> dict[str, np.ndarray]:
    rng = case_rng(params["seed"])
    shape = tuple(params["shape"])
    x = away_from_zero(rng, shape)
    slope = float(params["neg_slope"])
    module = call(f"LeakyReLUModule({slope})", api.LeakyReLUModule, slope)
    out = call("LeakyReLUModule.forward", module.forward, x.copy())
    if params["stage"] == "forward":
        return {"leaky_relu.out": snapshot(out, "the value forward(x) returned")}
    dout = rng.standard_normal(shape)
    dx = call("LeakyReLUModule.backward", module.backward, dout.copy())
    return {"leaky_relu.dx": snapshot(dx, "the value backward(dout) returned")}

"""modules.LinearModule on its own: initialisation, forward, backward.

params: seed, in_features, out_features (never equal), batch, mode:
  init       LinearModule(in, out) after np.random.seed(seed): the weight's spread and mean in
             units of 0.0001 (N(0, 0.0001^2) asked for), the bias and both gradients (zero)
  forward    out = forward(x) with the grader's weight and a non-zero bias in the student's
             arrays and layout
  backward   forward(x), then dx = backward(dout) and the gradients (weight in (out, in)
             layout, bias (out,)): the weight gradient is dout^T x, the bias gradient dout
             SUMMED over the batch
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import (call, grader_linear, read_bias, read_weight_grad, set_linear, snapshot,
                     weight_layout)

# The weight's spread may differ from 0.0001 by sampling noise only (init cases draw >= 2000
# numbers: the sample spread is within 5% with overwhelming probability).
SPREAD_TOLERANCE = 0.15
MEAN_TOLERANCE = 0.15


def run(api, params: dict) -> dict[str, np.ndarray]:
    fan_in, fan_out = int(params["in_features"]), int(params["out_features"])
    rng = case_rng(params["seed"])
    np.random.seed(int(params["seed"]))
    where = f"LinearModule({fan_in}, {fan_out})"
    layer = call(where, api.LinearModule, fan_in, fan_out)
    mode = params["mode"]
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        if mode == "init":
            layout = weight_layout(layer, fan_in, fan_out, where)
            weight = snapshot(layer.params["weight"], "params['weight']")
            arrays["linear.init.weight_spread"] = np.array(
                [weight.std() / 1e-4, weight.mean() / 1e-4])
            arrays["linear.init.bias"] = read_bias(layer, "params", fan_out, where,
                                                   "params['bias']")
            arrays["linear.init.grad_weight"] = read_weight_grad(
                layer, layout, fan_in, fan_out, where, "grads['weight']")
            arrays["linear.init.grad_bias"] = read_bias(layer, "grads", fan_out, where,
                                                        "grads['bias']")
            return arrays
        weight, bias = grader_linear(rng, fan_in, fan_out)
        layout = set_linear(layer, weight, bias, where)
        x = rng.standard_normal((int(params["batch"]), fan_in))
        out = call("LinearModule.forward", layer.forward, x.copy())
        if mode == "forward":
            arrays["linear.out"] = snapshot(out, "the value forward(x) returned")
            return arrays
        if mode != "backward":
            raise ValueError(f"unknown linear case mode {mode!r}")
        dout = rng.standard_normal((int(params["batch"]), fan_out))
        dx = call("LinearModule.backward", layer.backward, dout.copy())
        arrays["linear.dx"] = snapshot(dx, "the value backward(dout) returned")
        after = f"{where}.backward"
        arrays["linear.grad_weight"] = read_weight_grad(layer, layout, fan_in, fan_out, after,
                                                        "grads['weight']")
        arrays["linear.grad_bias"] = read_bias(layer, "grads", fan_out, after, "grads['bias']")
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """An init case judges the weight's spread against N(0, 0.0001^2) itself (the solution's
    draw is one sample of it); everything else is compared array by array."""
    key = "linear.init.weight_spread"
    if key not in expected:
        return compare.all(got, expected, params)
    messages = compare.all(got, {k: v for k, v in expected.items() if k != key}, params)
    if key not in got:
        return [f"params['weight']: missing (the case stopped before reading it)"] + messages
    spread, mean = (float(v) for v in np.asarray(got[key]).reshape(-1)[:2])
    if not abs(spread - 1.0) <= SPREAD_TOLERANCE:
        messages.insert(0, f"params['weight']: its values spread {spread:.3g} x 0.0001 (standard "
                           f"deviation); the text asks for N(0, 0.0001^2), a spread of 0.0001")
    elif not abs(mean) <= MEAN_TOLERANCE:
        messages.insert(0, f"params['weight']: its mean is {mean:.3g} x 0.0001; N(0, 0.0001^2) "
                           f"has mean 0")
    return messages

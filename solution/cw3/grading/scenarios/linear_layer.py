"""Linear on its own: forward, backward (dX, grad_W, grad_b), and gradients that accumulate.

The layer is the student's ``Linear(in_dim, out_dim)`` (its __init__ is provided code; its
attributes are checked against the contract), given the grader's W and a non-zero b in its own
array shapes. Inputs and upstream gradients come from the case's private generator.

params: seed, in_dim, out_dim, batch, input_scale (default 1), mode:
  forward        out = linear.forward(X)
  backward       then dX = linear.backward(G), and grad_W, grad_b (from zero)
  accumulate     forward(X), backward(G1), backward(G2) without zero_grad: grad_W and grad_b
                 after each call must add up; W and b must not change. With refresh_input =
                 true there is a forward on a second batch before the second backward
                 (training does that), so grad_W = X1.T @ G1 + X2.T @ G2.
  latest_input   forward(X1), forward(X2), backward(G): backward uses the most recent input
Only the forward mode compares linear.out: the other modes are judged on backward alone.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import call, grader_weights, make_linear, snapshot


def run(api, params: dict) -> dict[str, np.ndarray]:
    in_dim, out_dim, batch = int(params["in_dim"]), int(params["out_dim"]), int(params["batch"])
    rng = case_rng(params["seed"])
    np.random.seed(int(params["seed"]))
    layer = make_linear(api, in_dim, out_dim, "linear", *grader_weights(rng, in_dim, out_dim))
    scale = float(params.get("input_scale", 1.0))
    X = rng.standard_normal((batch, in_dim)) * scale
    X2 = rng.standard_normal((batch, in_dim)) * scale
    G = rng.standard_normal((batch, out_dim))
    G2 = rng.standard_normal((batch, out_dim))
    mode = params["mode"]
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        if mode == "latest_input":
            call("Linear.forward", layer.forward, X2.copy())
        arrays["linear.out"] = snapshot(call("Linear.forward", layer.forward, X.copy()),
                                        "the value linear.forward(X) returned")
        if mode == "forward":
            return arrays
        if mode in ("backward", "latest_input"):
            dX = call("Linear.backward", layer.backward, G.copy())
            arrays["linear.dX"] = snapshot(dX, "the value linear.backward(grad) returned")
            arrays["linear.grad_W"] = snapshot(layer.grad_W, "linear.grad_W")
            arrays["linear.grad_b"] = snapshot(layer.grad_b, "linear.grad_b")
            return arrays
        if mode != "accumulate":
            raise ValueError(f"unknown linear case mode {mode!r}")
        for step, upstream in enumerate((G, G2), start=1):
            if step == 2 and params.get("refresh_input"):
                arrays["linear.out@second_batch"] = snapshot(
                    call("Linear.forward", layer.forward, X2.copy()),
                    "the value linear.forward(X) returned for the second batch")
            dX = call("Linear.backward", layer.backward, upstream.copy())
            arrays[f"linear.dX@backward_{step}"] = snapshot(
                dX, f"the value backward call {step} returned")
            for name in ("grad_W", "grad_b"):
                arrays[f"linear.{name}@after_backward_{step}"] = snapshot(
                    getattr(layer, name), f"linear.{name} after backward call {step}")
        arrays["linear.W@after_backward_2"] = snapshot(layer.W, "linear.W after backward")
        arrays["linear.b@after_backward_2"] = snapshot(layer.b, "linear.b after backward")
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """A forward case compares what forward returned; every other case grades backward alone
    (dX, grad_W, grad_b, and W, b left unchanged). Those depend on X, W and the upstream
    gradient, not on forward's output, so a forward bug is charged by the forward cases only,
    however many cases run forward on the way."""
    if params["mode"] == "forward":
        return compare.all(got, expected, params)
    return compare.all(got, {k: v for k, v in expected.items()
                             if not k.startswith("linear.out")}, params)

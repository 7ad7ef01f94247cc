"""MLP.backward, step and zero_grad, graded through their effect on the parameters.

The grader writes its parameters into the student's arrays, then runs a sequence and reads
every parameter back (after step, which may rebind the arrays, they are found again):
  gradients    zero_grad(); backward(x1, y1); step(alpha)
  accumulate   zero_grad(); backward(x1, y1); backward(x2, y2); step(alpha)
  zero_grad    backward(x1, y1); zero_grad(); backward(x2, y2); step(alpha)
  two_steps    zero_grad(); backward(x1, y1); step(alpha); zero_grad(); backward(x2, y2); step(alpha)
Each parameter's move divided by -alpha is the accumulated gradient, reported as grad_W[k]
(m, prev) and grad_b[k] (m,) per layer (two_steps: after each step, @step1 and @step2).

params: seed, sizes, activations, names, last_fderiv, mode, alpha, zero_bias (true: the
grader's biases are zero, so a forward pass that forgets the bias computes the same values and
the case grades backward alone).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import Layout, build, install, refind

SEQUENCES = {
    "gradients": ["zero_grad", "backward 1", "step"],
    "accumulate": ["zero_grad", "backward 1", "backward 2", "step"],
    "zero_grad": ["backward 1", "zero_grad", "backward 2", "step"],
    "two_steps": ["zero_grad", "backward 1", "step", "zero_grad", "backward 2", "step"],
}


def run(api, params: dict) -> dict[str, np.ndarray]:
    layout = Layout.of(params)
    seed = int(params["seed"])
    alpha = float(params["alpha"])
    mlp = build(api, layout, seed)
    layers, values = install(mlp, layout, seed, bool(params.get("zero_bias", False)))
    rng = case_rng(seed, 9)
    d, out = layout.sizes[0], layout.sizes[-1]
    examples = {n: (rng.standard_normal(d), rng.uniform(0.0, 1.0, out)) for n in ("1", "2")}
    sequence = SEQUENCES[params["mode"]]
    steps = sequence.count("step")
    arrays: dict[str, np.ndarray] = {}
    before = [(W.copy(), b.copy()) for W, b in values]
    taken = 0
    with keeping_partial(arrays):
        for action in sequence:
            if action == "zero_grad":
                mlp.zero_grad()
            elif action.startswith("backward"):
                x, y = examples[action.split()[1]]
                mlp.backward(x.copy(), y.copy())
            else:
                mlp.step(alpha)
                taken += 1
                layers = refind(mlp, layout, layers, case_rng(seed, 6))
                suffix = f"@step{taken}" if steps > 1 else ""
                now = []
                for layer, (W0, b0) in zip(layers, before):
                    W, b = layer.read()
                    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                        raise ContractError(f"after mlp.step({alpha}), layer {layer.k + 1}'s "
                                            f"parameters hold NaN or infinity")
                    arrays[f"grad_W[{layer.k}]{suffix}"] = (W0 - W) / alpha
                    arrays[f"grad_b[{layer.k}]{suffix}"] = (b0 - b) / alpha
                    now.append((W, b))
                before = now
    return arrays


def check(got, expected, params, compare) -> list[str]:
    """The comparison of every gradient, each message led by the calls that produced it."""
    calls = "; ".join(a.replace("backward 1", "backward(x1, y1)")
                      .replace("backward 2", "backward(x2, y2)")
                      .replace("zero_grad", "zero_grad()")
                      .replace("step", f"step({params['alpha']})")
                      for a in SEQUENCES[params["mode"]])
    return [f"after {calls}: {message}" for message in compare.all(got, expected, params)]

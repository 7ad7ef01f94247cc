"""SGD.__init__ with momentum > 0: what it starts from, graded by behaviour.

The course asks SGD.__init__ to "init velocities if momentum > 0" and names no attribute, so
where the velocities live (sgd.velocities, self.v, self.vW and self.vb, a dict, buffers) is the
student's choice. What is graded is what they do: the first step with momentum equals a plain
step, p - lr * g (every velocity starts at zero, one per parameter of every layer that has a
W), and the second step uses the velocity kept from the first, v = mu * v + g.

The layers are built as in the sgd family (activations between the Linear layers, which SGD
must skip); the known gradients of steps 1 and 2 are bound to the layers before each step.

params: seed, dims, activation, lr, momentum (> 0).

Arrays: layers[i].W and layers[i].b after steps 1 and 2, for every Linear i.
"""
from __future__ import annotations

import numpy as np

from autograder.compare import annotate
from autograder.scenarios.toolkit import keeping_partial

from .common import call
from .sgd import build_layers, known_gradients, make_sgd, parameters, rebind_gradients

STEPS = 2


def run(api, params: dict) -> dict[str, np.ndarray]:
    layers, positions = build_layers(api, params)
    sgd = make_sgd(api, layers, params)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        for step in range(1, STEPS + 1):
            rebind_gradients(layers, known_gradients(params, layers, positions, step))
            call("SGD.step", sgd.step)
            arrays.update(parameters(layers, positions, f"after_step_{step}"))
    return arrays


WHY = {1: "the first step with momentum must equal a plain step, p - lr * g: every velocity "
          "starts at zero",
       2: "the second step must use the velocity kept from the first, v = momentum * v + g; "
          "p = p - lr * v"}


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    messages = []
    for step in range(1, STEPS + 1):
        keys = [k for k in expected if k.endswith(f"@after_step_{step}")]
        found = compare.all(got, {k: expected[k] for k in keys}, params)
        messages += [annotate(m, f" ({WHY[step]})") for m in found]
        if found:
            break
    return messages

"""Weight decay (the bonus) on known gradients: g_W = grad_W + weight_decay * W, biases never
decayed, the gradients left untouched, the decayed gradient going into the velocity.

mode = "consistent" (grades the decay alone, whatever the state of the rest of step()): three
identical sets of layers, each with its own SGD of the same lr and momentum, get the same known
gradients before every step:
  decayed    SGD(..., weight_decay=wd), handed grad_W and grad_b
  by_hand    SGD(...) without weight decay, handed grad_W + wd * W (its own current W) and
             grad_b: the grader applies the decay rule itself
  no_decay   SGD(...) without weight decay, handed grad_W and grad_b
W and b of `decayed` must equal those of `by_hand` after every step, and must differ from
`no_decay` (the decay did something); decayed's grad_W and grad_b must still be the
gradients the grader wrote. A mistake elsewhere in step() (the learning rate, the velocity,
a layer left out) happens in all three runs alike, so it does not show here: it is charged to
sgd_momentum. With momentum > 0 the velocity code does run, and a step() that crashes there
stops the case: such specs list sgd_momentum in `uses`. The cases hand SGD only Linear layers
(activation = "none"): skipping layers without a W is graded by sgd_momentum.

mode = "trajectory" (an integration case; its specs list sgd_momentum in `uses`): W and b of
`decayed` after every step, compared with the reference values.

params: as in the sgd family (seed, dims, activation, lr, momentum, steps), plus weight_decay.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import keeping_partial

from .common import call, compare_keys, snapshot
from .sgd import build_layers, known_gradients, make_sgd, parameters, write_gradients

RUNS = ("decayed", "by_hand", "no_decay")


def label(run: str) -> str:
    return "layers" if run == "decayed" else f"{run}.layers"


def run(api, params: dict) -> dict[str, np.ndarray]:
    wd = float(params["weight_decay"])
    runs = ("decayed",) if params["mode"] == "trajectory" else RUNS
    models = {name: build_layers(api, params) for name in runs}
    optimizers = {name: make_sgd(api, models[name][0], params,
                                 **({"weight_decay": wd} if name == "decayed" else {}))
                  for name in runs}
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        for step in range(1, int(params["steps"]) + 1):
            for name in runs:
                layers, positions = models[name]
                grads = known_gradients(params, layers, positions, step)
                if name == "by_hand":
                    for i in positions:
                        W = snapshot(layers[i].W, f"by_hand.layers[{i}].W")
                        grads[(i, "grad_W")] = grads[(i, "grad_W")] + wd * W
                write_gradients(layers, grads)
                call("SGD.step", optimizers[name].step)
                names = ("W", "b", "grad_W", "grad_b") if name == "decayed" else ("W", "b")
                arrays.update(parameters(layers, positions, f"after_step_{step}", label(name),
                                         names))
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    if params["mode"] == "trajectory":
        return compare_keys(got, expected, params, compare)
    from autograder.compare import compare_arrays, display_name
    messages, mismatches = [], []
    wd = params["weight_decay"]
    # The gradients written before each step, compared with the references (the grader's own
    # numbers, the same for every submission).
    messages += compare_keys(got, expected, params, compare,
                             [k for k in expected if k.startswith("layers[") and ".grad_" in k])
    for key in expected:
        if not key.startswith("layers[") or ".grad_" in key:
            continue
        name = display_name(key)
        by_hand, no_decay = f"by_hand.{key}", f"no_decay.{key}"
        if key not in got or by_hand not in got:
            messages.append(f"{name}: missing (the case stopped before producing it)")
            continue
        mine, want = got[key], got[by_hand]
        if want.shape != mine.shape and want.size == mine.size:
            want = want.reshape(mine.shape)
        differs = compare_arrays(name, mine, want)
        if differs:
            mismatches.append(differs)
    if mismatches:
        messages.append(f"weight decay: after every step, W and b must be what your own SGD "
                        f"without weight decay gives when the grader hands it "
                        f"g_W = grad_W + {wd} * W (b not decayed, the decayed gradient going "
                        f"into the velocity); \"expected\" below is that value")
        messages += mismatches
    for step in range(1, int(params["steps"]) + 1):
        weights = [k for k in expected
                   if k.startswith("layers[") and k.endswith(f".W@after_step_{step}")]
        if weights and all(f"no_decay.{k}" in got and k in got
                           and compare_arrays(k, got[k], got[f"no_decay.{k}"]) is None
                           for k in weights):
            messages.append(f"weight decay had no effect: every W after step {step} is the same "
                            f"as with weight_decay=0")
            break
    return messages

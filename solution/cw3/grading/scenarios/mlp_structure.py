"""MLP.__init__: the layer list and its weights (refusing an unknown activation is graded by
its own case: mlp_unknown_activation).

After np.random.seed(seed), MLP(input_dim, hidden_dims, output_dim, activation=...) must hold
mlp.layers = [Linear, act, ..., Linear] with the Linear layers created first to last (so the
seed fixes every W), no activation after the last Linear, and a separate activation object at
every activation position. Only the MLP's code and the provided Linear.__init__ run here: no
forward or backward of any layer.

params: seed, input_dim, hidden_dims, output_dim, activation (relu | sigmoid).

Arrays: mlp.layers (one code per layer: 1 Linear, 2 ReLU, 3 Sigmoid, 0 anything else),
mlp.shared_activations (activation positions holding an object already used at an earlier
position), layers[i].W and layers[i].b of every Linear.
"""
from __future__ import annotations

import numpy as np

from .common import (LINEAR, OTHER, build_mlp, compare_keys, kind_of, kinds_text, mlp_layers,
                     mlp_title, scalar, snapshot)

SPECIAL = ("mlp.layers", "mlp.shared_activations")


def run(api, params: dict) -> dict[str, np.ndarray]:
    mlp = build_mlp(api, params)
    layers = mlp_layers(mlp, mlp_title(params))
    kinds = [kind_of(api, layer) for layer in layers]
    arrays = {"mlp.layers": np.array(kinds, dtype=float)}
    seen, shared = set(), 0
    for layer, kind in zip(layers, kinds):
        if kind != LINEAR and kind != OTHER:
            shared += id(layer) in seen
            seen.add(id(layer))
    arrays["mlp.shared_activations"] = np.array(float(shared))
    for i, (layer, kind) in enumerate(zip(layers, kinds)):
        if kind == LINEAR:
            arrays[f"layers[{i}].W"] = snapshot(getattr(layer, "W", None), f"mlp.layers[{i}].W")
            arrays[f"layers[{i}].b"] = snapshot(getattr(layer, "b", None), f"mlp.layers[{i}].b")
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    messages = []
    title = mlp_title(params)
    kinds_ok = True
    if "mlp.layers" in got:
        want, have = np.ravel(expected["mlp.layers"]), np.ravel(got["mlp.layers"])
        if want.shape != have.shape or not np.array_equal(want, have):
            kinds_ok = False
            messages.append(f"mlp.layers: {title} must hold {kinds_text(want)} (no activation "
                            f"after the last Linear); got {kinds_text(have)}")
    shared = scalar(got.get("mlp.shared_activations"), 0.0)
    if shared > 0:
        messages.append(f"mlp.layers: {int(shared)} activation "
                        f"position(s) hold an object already used at another position; every "
                        f"position needs its own activation object (each caches its own input "
                        f"for backward)")
    if kinds_ok:
        messages += compare_keys(got, expected, params, compare,
                                 [k for k in expected if k not in SPECIAL])
    return messages

"""The student's MLP with its own layers: logits, dL/dX and every Linear's grad_W and grad_b.

An integration case: it runs the student's Linear and activation too, so its specs list them
in `uses` (a bug there is charged to that item, and this case is then not scored). The weights
are the ones np.random.seed(seed) gives the MLP's Linear layers; each bias is then set to
non-zero values, in the student's own array.

params: seed, input_dim, hidden_dims, output_dim, activation, batch, input_scale (default 1).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import (LINEAR, ContractError, build_mlp, call, checked_linear, kind_of,
                     mlp_layers, mlp_title, nonzero_bias, overwrite, snapshot)


def run(api, params: dict) -> dict[str, np.ndarray]:
    mlp = build_mlp(api, params)
    title = mlp_title(params)
    layers = list(mlp_layers(mlp, title))
    rng = case_rng(params["seed"], 20)
    linears = [(i, layer) for i, layer in enumerate(layers) if kind_of(api, layer) == LINEAR]
    for i, layer in linears:
        _, out_dim = checked_linear(layer, title, f"mlp.layers[{i}]")
        overwrite(layer, "b", nonzero_bias(rng, out_dim))
    batch = int(params["batch"])
    scale = float(params.get("input_scale", 1.0))
    X = rng.standard_normal((batch, int(params["input_dim"]))) * scale
    G = rng.standard_normal((batch, int(params["output_dim"])))
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        arrays["logits"] = snapshot(call("MLP.forward", mlp.forward, X.copy()),
                                    "the value mlp.forward(X) returned")
        dX = call("MLP.backward", mlp.backward, G.copy())
        for i, layer in linears:
            arrays[f"layers[{i}].grad_W"] = snapshot(layer.grad_W, f"mlp.layers[{i}].grad_W")
            arrays[f"layers[{i}].grad_b"] = snapshot(layer.grad_b, f"mlp.layers[{i}].grad_b")
        if dX is None:
            raise ContractError("MLP.backward(grad) must return dL/dX, an array "
                                f"(N, {params['input_dim']}); it returned None")
        arrays["dX"] = snapshot(dX, "the value mlp.backward(grad) returned")
    return arrays

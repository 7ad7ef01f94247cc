"""The notebook's class MLP(n_inputs, n_hidden, n_classes), built by the grader.

params: seed, n_inputs, n_hidden (list, may be empty), n_classes, batch, mode:
  structure  (in_features, out_features) of every nn.Linear, in registration order
  forward    the grader's weights in every nn.Linear (in that order), the model in float64 and
             eval mode: logits = model(x) for x of spread values (some hidden units go
             negative, so a missing or misplaced ReLU shows). Logits, not probabilities.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import linear_layers, require_module, run_notebook, tensor, to_array


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    MLP, = run_notebook(api).require("MLP")
    rng = case_rng(params["seed"])
    torch.manual_seed(int(params["seed"]))
    hidden = [int(h) for h in params["n_hidden"]]
    dims = [int(params["n_inputs"]), *hidden, int(params["n_classes"])]
    where = f"MLP({dims[0]}, {hidden}, {dims[-1]})"
    model = require_module(MLP(dims[0], list(hidden), dims[-1]), where)
    layers = linear_layers(model)
    sizes = [(m.in_features, m.out_features) for m in layers]
    if params["mode"] == "structure":
        return {"mlp.linear_sizes": np.array(sizes, dtype=float).reshape(-1, 2)}
    expected = list(zip(dims[:-1], dims[1:]))
    if sizes != expected:
        raise ContractError(f"{where} has nn.Linear layers {sizes} (in, out); expected "
                            f"{expected}")
    for index, (layer, (fan_in, fan_out)) in enumerate(zip(layers, expected)):
        if layer.bias is None:
            raise ContractError(f"{where}: nn.Linear layer {index} has no bias")
        with torch.no_grad():
            bound = 1.0 / np.sqrt(fan_in)
            layer.weight.copy_(tensor(rng.uniform(-bound, bound, (fan_out, fan_in)) * 2.0))
            layer.bias.copy_(tensor(rng.uniform(-bound, bound, fan_out)))
    model.double().eval()
    x = tensor(rng.standard_normal((int(params["batch"]), dims[0])) * 2.0)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays), torch.no_grad():
        arrays["mlp.logits"] = to_array(model(x), "the value model(x) returned")
    return arrays

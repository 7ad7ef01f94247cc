"""mlp_pytorch.MLP: its layer sizes and the logits of its forward pass.

params: seed, n_inputs, n_hidden (list, may be empty), n_classes, neg_slope, batch, mode:
  structure  (in_features, out_features) of every nn.Linear, in registration order
  forward    the grader's weights in every nn.Linear (in that order), the model in float64 and
             eval mode: logits = model(x). Logits, not probabilities; the negative slope
             shows on the hidden units that go negative.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import call, grader_linear
from .torch_common import fill, modules_of, tensor, to_array


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    rng = case_rng(params["seed"])
    torch.manual_seed(int(params["seed"]))
    hidden = [int(h) for h in params["n_hidden"]]
    dims = [int(params["n_inputs"]), *hidden, int(params["n_classes"])]
    slope = float(params["neg_slope"])
    where = f"MLP({dims[0]}, {hidden}, {dims[-1]}, {slope})"
    model = call(where, api.mlp_pytorch.MLP, dims[0], list(hidden), dims[-1], slope)
    linears = modules_of(model, torch.nn.Linear)
    if params["mode"] == "structure":
        return {"mlp_pytorch.linear_sizes": np.array(
            [(m.in_features, m.out_features) for m in linears], dtype=float).reshape(-1, 2)}
    expected = list(zip(dims[:-1], dims[1:]))
    got = [(m.in_features, m.out_features) for m in linears]
    if got != expected:
        raise ContractError(f"{where} has nn.Linear layers {got} (in, out); expected "
                            f"{expected}")
    for index, (layer, (fan_in, fan_out)) in enumerate(zip(linears, expected)):
        weight, bias = grader_linear(rng, fan_in, fan_out)
        fill(layer.weight, weight, f"layer {index} weight")
        if layer.bias is None:
            raise ContractError(f"{where}: nn.Linear layer {index} has no bias")
        fill(layer.bias, bias, f"layer {index} bias")
    model.double().eval()
    x = tensor(rng.standard_normal((int(params["batch"]), dims[0])) * 2.0)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays), torch.no_grad():
        arrays["mlp_pytorch.logits"] = to_array(model(x), "the value model(x) returned")
    return arrays

"""mlp_numpy.MLP: its LinearModules, the forward pass to the softmax output, the backward pass
to every layer's gradients.

The MLP's LinearModules are found among its attributes (lists, tuples, dicts and plain
attributes, in the order stored), whatever the student named them. Layer sizes are all
different, so each module's place in the network follows from its weight's shape in either
layout.

params: seed, n_inputs, n_hidden (list, may be empty), n_classes, neg_slope, batch, mode:
  structure  (in, out) of each LinearModule input to output: exactly one per hidden layer and
             one output layer, of the sizes given (runs only the constructors)
  forward    the grader's weights in every layer, out = forward(x): the softmax output
  backward   forward(x), backward(dout): every layer's grads, weight (out, in), bias (out,)
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import (call, find_linear_modules, grader_linear, read_bias, read_weight_grad,
                     set_linear, snapshot)


def sizes(params: dict) -> list[int]:
    return [int(params["n_inputs"]), *map(int, params["n_hidden"]), int(params["n_classes"])]


def build(api, params: dict):
    """The student's MLP and its LinearModules ordered input to output, each with its
    (in, out), checked against the sizes the constructor was given."""
    dims = sizes(params)
    hidden, slope = [int(h) for h in params["n_hidden"]], float(params["neg_slope"])
    where = f"MLP({dims[0]}, {hidden}, {dims[-1]}, {slope})"
    model = call(where, api.mlp_numpy.MLP, dims[0], list(hidden), dims[-1], slope)
    found = find_linear_modules(model)
    if len(found) != len(dims) - 1:
        raise ContractError(f"{where} holds {len(found)} LinearModule(s) among its attributes; "
                            f"expected {len(dims) - 1} (one per hidden layer and the output "
                            f"layer)")
    pairs = list(zip(dims[:-1], dims[1:]))
    placed = {}
    for layer in found:
        shape = getattr(layer.params.get("weight"), "shape", None)
        for pair in pairs:
            if shape in ((pair[1], pair[0]), pair) and pair not in placed:
                placed[pair] = layer
                break
        else:
            raise ContractError(f"{where}: a LinearModule has params['weight'] of shape "
                                f"{shape}, which fits no layer of sizes {dims}")
    return model, where, [(pair, placed[pair]) for pair in pairs], found


def run(api, params: dict) -> dict[str, np.ndarray]:
    rng = case_rng(params["seed"])
    np.random.seed(int(params["seed"]))
    model, where, layers, _ = build(api, params)
    mode = params["mode"]
    if mode == "structure":
        return {"mlp_numpy.layer_sizes": np.array([pair for pair, _ in layers], dtype=float)}
    layouts = []
    for index, ((fan_in, fan_out), layer) in enumerate(layers):
        weight, bias = grader_linear(rng, fan_in, fan_out)
        layouts.append(set_linear(layer, weight, bias, f"{where}, layer {index}"))
    batch = int(params["batch"])
    x = rng.standard_normal((batch, sizes(params)[0])) * 2.0
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        out = call("MLP.forward", model.forward, x.copy())
        if mode == "forward":
            arrays["mlp_numpy.out"] = snapshot(out, "the value MLP.forward(x) returned")
            return arrays
        dout = rng.standard_normal((batch, sizes(params)[-1]))
        call("MLP.backward", model.backward, dout.copy())
        for index, (((fan_in, fan_out), layer), layout) in enumerate(zip(layers, layouts)):
            after = f"MLP.backward, layer {index}"
            arrays[f"mlp_numpy.grad_weight[{index}]"] = read_weight_grad(
                layer, layout, fan_in, fan_out, after, f"layer {index} grads['weight']")
            arrays[f"mlp_numpy.grad_bias[{index}]"] = read_bias(
                layer, "grads", fan_out, after, f"layer {index} grads['bias']")
    return arrays

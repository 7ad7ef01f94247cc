"""convnet_pytorch.ConvNet(n_channels, n_classes): Table 1, by structure and by a forward pass.

params: seed, n_channels, n_classes, batch (forward), mode:
  structure  each nn.Conv2d as (in, out, kernel h, kernel w, stride h, stride w, padding h,
             padding w), each nn.BatchNorm2d's channels, each nn.MaxPool2d as (kernel, stride,
             padding), each nn.Linear as (in, out): every kind in registration order (so
             defining all convolutions before all BatchNorms is fine; the forward case checks
             how they are wired)
  forward    every Conv2d, BatchNorm2d and Linear filled with the grader's values (in
             registration order), the model in float64 and training mode (BatchNorm uses the
             batch's statistics): logits = model(x) for x (batch, n_channels, 32, 32). The
             reference is the grader's own Table 1 network holding the same values.
ReLU may be a module or a function: only the forward pass sees it.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial

from .common import call
from .torch_common import fill, modules_of, tensor, to_array

CONV_COLUMNS = "in, out, kernel, stride, padding"
KINDS = ("conv", "batchnorm", "pool", "linear")


def _pair(value) -> tuple[int, int]:
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[-1]))
    return (int(value), int(value))


def describe_structure(model) -> dict[str, np.ndarray]:
    import torch.nn as nn
    rows = {
        "conv": [(m.in_channels, m.out_channels, *_pair(m.kernel_size), *_pair(m.stride),
                  *(_pair(m.padding) if not isinstance(m.padding, str) else (-1, -1)))
                 for m in modules_of(model, nn.Conv2d)],
        "batchnorm": [(m.num_features,) for m in modules_of(model, nn.BatchNorm2d)],
        "pool": [(_pair(m.kernel_size)[0], _pair(m.stride if m.stride is not None
                                                  else m.kernel_size)[0], _pair(m.padding)[0])
                 for m in modules_of(model, nn.MaxPool2d)],
        "linear": [(m.in_features, m.out_features) for m in modules_of(model, nn.Linear)],
    }
    widths = {"conv": 8, "batchnorm": 1, "pool": 3, "linear": 2}
    return {f"convnet.{kind}": np.array(rows[kind], dtype=float).reshape(-1, widths[kind])
            for kind in KINDS}


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    import torch.nn as nn
    torch.manual_seed(int(params["seed"]))
    channels, classes = int(params["n_channels"]), int(params["n_classes"])
    model = call(f"ConvNet({channels}, {classes})", api.convnet_pytorch.ConvNet, channels,
                 classes)
    if not isinstance(model, nn.Module):
        raise ContractError(f"ConvNet({channels}, {classes}) must be an nn.Module")
    if params["mode"] == "structure":
        return describe_structure(model)
    rng = case_rng(params["seed"])
    for index, layer in enumerate(modules_of(model, (nn.Conv2d, nn.Linear))):
        fan_in = layer.weight[0].numel()
        fill(layer.weight, rng.standard_normal(layer.weight.numel()) * np.sqrt(2.0 / fan_in),
             f"layer {index} weight")
        if layer.bias is not None:
            fill(layer.bias, rng.standard_normal(layer.bias.numel()) * 0.1, f"layer {index} bias")
    for index, norm in enumerate(modules_of(model, nn.BatchNorm2d)):
        if norm.weight is None or norm.bias is None:
            raise ContractError(f"BatchNorm2d {index} must have its affine parameters")
        fill(norm.weight, rng.uniform(0.5, 1.5, norm.weight.numel()), f"BatchNorm2d {index} weight")
        fill(norm.bias, rng.standard_normal(norm.bias.numel()) * 0.1, f"BatchNorm2d {index} bias")
    model.double().train()
    x = tensor(rng.standard_normal((int(params["batch"]), channels, 32, 32)))
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays), torch.no_grad():
        arrays["convnet.logits"] = to_array(model(x), "the value model(x) returned")
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """A structure case names the first layer of each kind that differs from Table 1."""
    if "convnet.logits" in expected:
        return compare.all(got, expected, params)
    messages = []
    names = {"conv": "Conv2d", "batchnorm": "BatchNorm2d", "pool": "MaxPool2d",
             "linear": "Linear"}
    for kind in KINDS:
        key = f"convnet.{kind}"
        want = np.asarray(expected[key])
        have = np.asarray(got.get(key, np.zeros((0, want.shape[1]))))
        if have.ndim != 2 or have.shape[1:] != want.shape[1:]:
            messages.append(f"{names[kind]} layers: could not be read")
            continue
        if len(have) != len(want):
            messages.append(f"ConvNet has {len(have)} nn.{names[kind]} layer(s); Table 1 has "
                            f"{len(want)}")
            continue
        for index, (a, b) in enumerate(zip(have, want)):
            if not np.array_equal(a, b):
                messages.append(f"nn.{names[kind]} number {index + 1}: {_text(kind, a)}; "
                                f"Table 1 asks for {_text(kind, b)}")
                break
    return messages


def _text(kind: str, row) -> str:
    r = [int(v) for v in row]
    formats = {
        "conv": lambda: (f"{r[0]} -> {r[1]} channels, kernel {r[2]}x{r[3]}, stride "
                         f"{r[4]}x{r[5]}, padding {r[6]}x{r[7]}"),
        "batchnorm": lambda: f"{r[0]} channels",
        "pool": lambda: f"kernel {r[0]}, stride {r[1]}, padding {r[2]}",
        "linear": lambda: f"{r[0]} -> {r[1]} features",
    }
    return formats[kind]()

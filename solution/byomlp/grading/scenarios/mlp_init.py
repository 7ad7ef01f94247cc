"""add_layer's parameters: a 2-D weight matrix and a 1-D bias per layer, drawn with
np.random.randn and scaled by 0.1.

The layers are large (tens of thousands of weights), so the sample statistics are sharp: the
check asks for a mean within 0.01 of 0 and a standard deviation within 0.01 of 0.1 (a
standard deviation of 1, a uniform draw, or zeros all fail), and for the bias's shape (m,).

params: seed, sizes.
"""
from __future__ import annotations

import numpy as np

from .common import Layout, build, find_parameters, scalar

STD, STD_TOLERANCE, MEAN_TOLERANCE = 0.1, 0.01, 0.01
BIAS_STD_TOLERANCE = 0.03   # a few hundred numbers only


def run(api, params: dict) -> dict[str, np.ndarray]:
    layout = Layout.of(params)
    mlp = build(api, layout, int(params["seed"]))
    arrays = {}
    for layer in find_parameters(mlp, layout):
        W, b = layer.read()
        k = layer.k
        arrays[f"layer{k + 1}.W_mean"] = np.array(W.mean())
        arrays[f"layer{k + 1}.W_std"] = np.array(W.std())
        arrays[f"layer{k + 1}.b_std"] = np.array(b.std())
        arrays[f"layer{k + 1}.b_ndim"] = np.array(float(layer.bias.array.ndim))
    return arrays


def check(got, expected, params, compare) -> list[str]:
    messages = []
    for key in sorted(expected):
        if key not in got:
            messages.append(f"{key}: missing")
    layers = sorted({key.split(".")[0] for key in expected})
    for layer in layers:
        if f"{layer}.W_std" not in got:
            continue
        mean, std = scalar(got, f"{layer}.W_mean"), scalar(got, f"{layer}.W_std")
        b_std, ndim = scalar(got, f"{layer}.b_std"), int(scalar(got, f"{layer}.b_ndim"))
        if abs(std - STD) > STD_TOLERANCE or abs(mean) > MEAN_TOLERANCE:
            messages.append(f"{layer}: add_layer's weights have mean {mean:.4f} and standard "
                            f"deviation {std:.4f}; expected 0.1 * np.random.randn(...): mean "
                            f"about 0, standard deviation 0.1")
        if abs(b_std - STD) > BIAS_STD_TOLERANCE:
            messages.append(f"{layer}: add_layer's bias has standard deviation {b_std:.4f}; "
                            f"expected 0.1 * np.random.randn(m): about 0.1")
        if ndim != 1:
            messages.append(f"{layer}: the bias must be a 1-D array (m,); add_layer made a "
                            f"{ndim}-D one")
    return messages

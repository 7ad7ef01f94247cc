"""MLP.forward and MLP.backward with the grader's stand-in layers in mlp.layers.

The student's MLP is built (np.random.seed(seed) first); then every entry of mlp.layers is
replaced, in place, by a stand-in (common.py): each Linear by an affine probe holding a copy of
that Linear's W and b, each ReLU or Sigmoid by softsign, x / (1 + |x|), which no item grades.
So these cases grade only the MLP's own code (the order of the layers, feeding outputs forward,
passing gradients back last to first, returning dL/dX) and never the student's Linear, ReLU or
Sigmoid. The stand-ins check the shapes they are handed and report a wrongly wired pass by
position; an activation of the wrong kind (both stand-ins compute softsign) is reported by
position before any pass. The probes keep no grad_W or grad_b (the linear item grades those;
mlp_end_to_end, which lists it in `uses`, compares the student's own).

params: seed, input_dim, hidden_dims, output_dim, activation, batch, input_scale (default 1),
mode: forward (logits = mlp.forward(X)) or backward (then dX = mlp.backward(G), and
layers[i].backward_grad: the gradient mlp.backward handed each layer's backward).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import (KIND_NAMES, LINEAR, RELU, SIGMOID, AffineProbe, ContractError, ReluStandIn,
                     SigmoidStandIn, build_mlp, call, describe, kind_of, mlp_layers, mlp_sizes,
                     mlp_title, shape_text, snapshot)

STAND_INS = {RELU: ReluStandIn, SIGMOID: SigmoidStandIn}


def probe_for(layer, k: int, wanted: tuple[int, int], where: str, title: str) -> AffineProbe:
    """An affine probe holding copies of the W and b of Linear number k + 1 of the MLP."""
    W = getattr(layer, "W", None)
    if np.shape(W) != wanted:
        raise ContractError(f"{title}: {where} is Linear number {k + 1}, whose W must be "
                            f"{shape_text(wanted)}; got {describe(W)}")
    W = snapshot(W, f"{where}.W")
    b = snapshot(getattr(layer, "b", None), f"{where}.b")
    if b.size != wanted[1]:
        raise ContractError(f"{title}: {where}.b must hold {wanted[1]} numbers, (n,) or "
                            f"(1, n); got {describe(b)}")
    return AffineProbe(W, b, where)


def install_stand_ins(api, mlp, params: dict) -> list:
    """Replace every layer of mlp.layers by its stand-in; return the stand-ins."""
    title = mlp_title(params)
    layers = mlp_layers(mlp, title)
    sizes = mlp_sizes(params)
    activation = params.get("activation", "relu")
    wanted_activation = {"relu": RELU, "sigmoid": SIGMOID}[activation]
    replacements, k = [], 0
    for i, layer in enumerate(layers):
        where = f"mlp.layers[{i}]"
        kind = kind_of(api, layer)
        if kind == LINEAR:
            if k >= len(sizes) - 1:
                raise ContractError(f"{title}: mlp.layers holds more Linear layers than the "
                                    f"{len(sizes) - 1} it needs")
            replacements.append(probe_for(layer, k, (sizes[k], sizes[k + 1]), where, title))
            k += 1
        elif kind in STAND_INS:
            # Both stand-ins compute the same softsign, so the kind is checked here: the
            # activation the MLP was asked for, at every activation position.
            if kind != wanted_activation:
                raise ContractError(f"{title}: {where} is a {KIND_NAMES[kind]}; "
                                    f"activation={activation!r} needs a "
                                    f"{KIND_NAMES[wanted_activation]} after every hidden "
                                    f"Linear")
            replacements.append(STAND_INS[kind](where))
        else:
            raise ContractError(f"{title}: {where} is {describe(layer)}; mlp.layers may hold "
                                f"only Linear, ReLU and Sigmoid layers")
    if isinstance(layers, list):
        layers[:] = replacements
    else:
        mlp.layers = list(replacements)
    return replacements


def require_calls(layers: list, method: str, caller: str) -> None:
    for layer in layers:
        if layer.calls[method] == 0:
            raise ContractError(f"{caller} never called {layer.where}.{method}: it must go "
                                f"through the layers of mlp.layers (this case put the grader's "
                                f"stand-in layers there)")


def run(api, params: dict) -> dict[str, np.ndarray]:
    mlp = build_mlp(api, params)
    layers = install_stand_ins(api, mlp, params)
    rng = case_rng(params["seed"], 11)
    batch = int(params["batch"])
    scale = float(params.get("input_scale", 1.0))
    X = rng.standard_normal((batch, int(params["input_dim"]))) * scale
    G = rng.standard_normal((batch, int(params["output_dim"])))
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        logits = call("MLP.forward", mlp.forward, X.copy())
        arrays["logits"] = snapshot(logits, "the value mlp.forward(X) returned")
        require_calls(layers, "forward", "MLP.forward")
        if params["mode"] == "forward":
            return arrays
        dX = call("MLP.backward", mlp.backward, G.copy())
        for i, layer in enumerate(layers):
            if layer.received is not None:
                arrays[f"layers[{i}].backward_grad"] = layer.received.copy()
        require_calls(layers, "backward", "MLP.backward")
        if dX is None:
            raise ContractError("MLP.backward(grad) must return dL/dX, an array "
                                f"(N, {params['input_dim']}); it returned None")
        arrays["dX"] = snapshot(dX, "the value mlp.backward(grad) returned")
    return arrays

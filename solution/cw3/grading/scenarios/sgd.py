"""SGD.step and SGD.zero_grad on gradients the grader writes: never on anyone's backward.

The layers are the student's Linear objects (only the provided __init__ runs), holding the
grader's W and non-zero b, with the student's activation objects between them (SGD must skip
layers without a W), built as [Linear, act, Linear, act, ..., Linear]. Then, depending on mode:

  steps      before each of `steps` step() calls, every grad_W and grad_b is rebound to a new
             array of known gradients; W, b after every step, and the gradients (step must
             not change them)
  loop       as training does it: zero_grad(), then the known gradients are added to grad_W
             and grad_b by rebinding (layer.grad_W = layer.grad_W + g), then step(); stale
             non-zero gradients are there before the first zero_grad. W and b after every step
  zero_grad  new arrays of known non-zero gradients, then zero_grad(): every grad_W and grad_b
             must be 0 (in its own shape) and W, b unchanged

The gradients are REBOUND, never written in place: a student's Linear may accumulate with
`self.grad_W = self.grad_W + ...`, which is right, and then an SGD that kept the arrays it saw in
__init__ trains on stale zeros. SGD must read each layer's grad_W and grad_b when it uses them.

SGD is called as the provided trainer calls it: SGD(layers, lr=..., momentum=...);
weight_decay is never passed here (see the weight_decay family).

params: seed, dims (layer widths, e.g. [3, 4, 2]: Linear(3, 4), act, Linear(4, 2)), activation
(relu | sigmoid | none), lr, momentum, steps, mode.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import (ContractError, call, describe, grader_weights, make_linear, shape_text,
                     snapshot)

GRADIENTS = ("grad_W", "grad_b")


def build_layers(api, params: dict, label: str = "layers") -> tuple[list, list[int]]:
    """[Linear, act, ..., Linear] of the student's classes with the grader's W and b; the
    positions of the Linear layers."""
    dims = [int(d) for d in params["dims"]]
    rng = case_rng(params["seed"], 30)
    np.random.seed(int(params["seed"]))
    activation = params.get("activation", "relu")
    layers, linear_positions = [], []
    for k, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:])):
        W, b = grader_weights(rng, fan_in, fan_out)
        linear_positions.append(len(layers))
        layers.append(make_linear(api, fan_in, fan_out, f"{label}[{len(layers)}]", W, b))
        if k < len(dims) - 2 and activation != "none":
            cls = {"relu": "ReLU", "sigmoid": "Sigmoid"}[activation]
            layers.append(call(f"{cls}()", getattr(api, cls)))
    return layers, linear_positions


def known_gradients(params: dict, layers: list, positions: list[int], step: int) -> dict:
    """(position, name) -> a known gradient in the shape of the student's W or b."""
    rng = case_rng(params["seed"], 40 + step)
    return {(i, name): rng.standard_normal(np.shape(getattr(layers[i], name[5:])))
            for i in positions for name in GRADIENTS}


def gradient_array(layers: list, i: int, name: str, shape, when: str) -> np.ndarray:
    current = getattr(layers[i], name, None)
    if not isinstance(current, np.ndarray) or current.shape != tuple(shape):
        raise ContractError(f"{when}, layers[{i}].{name} must still be an array shaped like "
                            f"layers[{i}].{name[5:]} {shape_text(shape)} (Linear.backward "
                            f"adds into it); got {describe(current)}")
    return current


def write_gradients(layers: list, grads: dict, when: str = "before sgd.step()") -> None:
    """Replace the gradients' contents (in place, so references to them stay valid)."""
    for (i, name), value in grads.items():
        gradient_array(layers, i, name, value.shape, when)[...] = value


def rebind_gradients(layers: list, grads: dict) -> None:
    """Give every layer new gradient arrays, as a Linear that rebinds them would."""
    for (i, name), value in grads.items():
        gradient_array(layers, i, name, value.shape, "before sgd.step()")
        setattr(layers[i], name, np.array(value, dtype=float))


def add_gradients(layers: list, grads: dict) -> None:
    """Add to the gradients by rebinding (`self.grad_W = self.grad_W + ...`, which a Linear
    may do as well as `+=`)."""
    for (i, name), value in grads.items():
        current = gradient_array(layers, i, name, value.shape, "after sgd.zero_grad()")
        setattr(layers[i], name, current + value)


def parameters(layers: list, positions: list[int], when: str, label: str = "layers",
               names=("W", "b")) -> dict[str, np.ndarray]:
    shown = when.replace("_", " ")
    return {f"{label}[{i}].{name}@{when}": snapshot(getattr(layers[i], name, None),
                                                    f"{label}[{i}].{name} ({shown})")
            for i in positions for name in names}


def make_sgd(api, layers: list, params: dict, **extra):
    options = {"lr": float(params["lr"]), "momentum": float(params.get("momentum", 0.0)), **extra}
    shown = ", ".join(f"{k}={v}" for k, v in options.items())
    return call(f"SGD(layers, {shown})", api.SGD, layers, **options)


def run(api, params: dict) -> dict[str, np.ndarray]:
    layers, positions = build_layers(api, params)
    sgd = make_sgd(api, layers, params)
    mode = params["mode"]
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        if mode == "zero_grad":
            rebind_gradients(layers, known_gradients(params, layers, positions, 0))
            call("SGD.zero_grad", sgd.zero_grad)
            arrays.update(parameters(layers, positions, "after_zero_grad",
                                     names=("grad_W", "grad_b", "W", "b")))
            return arrays
        if mode == "loop":
            rebind_gradients(layers, known_gradients(params, layers, positions, 99))
        for step in range(1, int(params["steps"]) + 1):
            grads = known_gradients(params, layers, positions, step)
            if mode == "loop":
                call("SGD.zero_grad", sgd.zero_grad)
                add_gradients(layers, grads)
            elif mode == "steps":
                rebind_gradients(layers, grads)
            else:
                raise ValueError(f"unknown sgd case mode {mode!r}")
            call("SGD.step", sgd.step)
            names = ("W", "b", "grad_W", "grad_b") if mode == "steps" else ("W", "b")
            arrays.update(parameters(layers, positions, f"after_step_{step}", names=names))
    return arrays

"""The grader's own numerical gradient checks, run on the student's code in the sandbox.

The course's rubric gives points for "the gradient checks pass". The grader does not run the
student's tests/ (which they could edit): it runs its own checks, of the same kind, with its
own seeds and shapes. Each check compares an analytic gradient (the student's backward) with
central differences of the student's own forward,

    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / 2h,   h = 1e-6,

by the relative error ||analytic - numeric|| / max(||analytic||, ||numeric||); a check passes
when that is at most 1e-6 (correct float64 code reaches about 1e-9). Warnings are errors, as
everywhere. Every check runs another item's code, so the case specs list that item in `uses`.

params: seed, target, and per target:
  linear    in_dim, out_dim, batch: dL/dX, grad_W, grad_b of f = sum(G * forward(X)), and
            grad_W, grad_b after two backward calls (G1, then G2) against f = sum((G1 + G2) *
            forward(X))
  relu      shape: dL/dX of f = sum(G * forward(X)), |X| kept in [0.1, 2] (away from the kink)
  sigmoid   shape, scale: the same for Sigmoid
  loss      batch, classes, scale: backward() against f = forward(logits, labels)
  mlp       input_dim, hidden_dims, output_dim, activation, batch: f = the student's
            CrossEntropyLoss of the student's MLP; dL/dX and every Linear's grad_W, grad_b

Arrays: gradcheck.<check> (1 passed, 0 failed) and gradcheck.<check>.rel_error (-1 when the
analytic gradient has the wrong shape). Only the pass/fail values are graded; `check` names
every failing check with its relative error.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import (LINEAR, ContractError, away_from_zero, build_mlp, checked_linear,
                     grader_weights, integer_labels, kind_of, make_linear, mlp_layers,
                     mlp_title, nonzero_bias, overwrite, scalar, snapshot, strict)

STEP = 1e-6
LIMIT = 1e-6


def numerical_gradient(f, x: np.ndarray) -> np.ndarray:
    """Central differences of f() (which reads x) with respect to x, perturbed in place."""
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + STEP
        plus = float(f())
        x[index] = saved - STEP
        minus = float(f())
        x[index] = saved
        grad[index] = (plus - minus) / (2 * STEP)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    if analytic.shape != numeric.shape:
        if analytic.size == numeric.size and 1 in analytic.shape + numeric.shape:
            analytic = analytic.reshape(numeric.shape)  # a (1, n) bias gradient is fine
        else:
            return -1.0
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def record(arrays: dict, check: str, analytic, numeric: np.ndarray, what: str) -> None:
    error = relative_error(snapshot(analytic, what), numeric)
    passed = 0.0 <= error <= LIMIT
    arrays[f"gradcheck.{check}"] = np.array(1.0 if passed else 0.0)
    arrays[f"gradcheck.{check}.rel_error"] = np.array(error)


def zero_gradients(layer) -> None:
    layer.grad_W[...] = 0.0
    layer.grad_b[...] = 0.0


def check_linear(api, params: dict, arrays: dict) -> None:
    rng = case_rng(params["seed"], 60)
    in_dim, out_dim, batch = int(params["in_dim"]), int(params["out_dim"]), int(params["batch"])
    np.random.seed(int(params["seed"]))
    layer = make_linear(api, in_dim, out_dim, "layer", *grader_weights(rng, in_dim, out_dim))
    X = rng.standard_normal((batch, in_dim))
    G, G1, G2 = (rng.standard_normal((batch, out_dim)) for _ in range(3))

    def f(upstream):
        return lambda: np.sum(upstream * layer.forward(X))

    with strict("the Linear gradient check"):
        layer.forward(X)
        zero_gradients(layer)
        dX = snapshot(layer.backward(G), "the value linear.backward(G) returned")
        grad_W = snapshot(layer.grad_W, "linear.grad_W")
        grad_b = snapshot(layer.grad_b, "linear.grad_b")
        record(arrays, "linear.dX", dX, numerical_gradient(f(G), X), "linear dL/dX")
        record(arrays, "linear.grad_W", grad_W, numerical_gradient(f(G), layer.W), "grad_W")
        record(arrays, "linear.grad_b", grad_b, numerical_gradient(f(G), layer.b), "grad_b")
        layer.forward(X)
        zero_gradients(layer)
        layer.backward(G1)
        layer.backward(G2)
        grad_W = snapshot(layer.grad_W, "linear.grad_W after two backward calls")
        grad_b = snapshot(layer.grad_b, "linear.grad_b after two backward calls")
        record(arrays, "linear.grad_W_accumulated", grad_W,
               numerical_gradient(f(G1 + G2), layer.W), "grad_W")
        record(arrays, "linear.grad_b_accumulated", grad_b,
               numerical_gradient(f(G1 + G2), layer.b), "grad_b")


def check_activation(api, params: dict, arrays: dict, cls: str) -> None:
    rng = case_rng(params["seed"], 61)
    shape = tuple(params["shape"])
    if cls == "ReLU":
        X = away_from_zero(rng, shape)
    else:
        X = rng.standard_normal(shape) * float(params.get("scale", 3.0))
    G = rng.standard_normal(shape)
    layer = getattr(api, cls)()
    with strict(f"the {cls} gradient check"):
        layer.forward(X.copy())
        dX = snapshot(layer.backward(G.copy()), f"the value {cls.lower()}.backward(G) returned")
        numeric = numerical_gradient(lambda: np.sum(G * layer.forward(X)), X)
        record(arrays, f"{cls.lower()}.dX", dX, numeric, f"{cls} dL/dX")


def check_loss(api, params: dict, arrays: dict) -> None:
    rng = case_rng(params["seed"], 62)
    batch, classes = int(params["batch"]), int(params["classes"])
    logits = rng.standard_normal((batch, classes)) * float(params.get("scale", 3.0))
    labels = integer_labels(rng, batch, classes)
    loss_fn = api.CrossEntropyLoss()
    with strict("the CrossEntropyLoss gradient check"):
        loss_fn.forward(logits.copy(), labels.copy())
        grad = snapshot(loss_fn.backward(), "the value loss.backward() returned")
        numeric = numerical_gradient(lambda: loss_fn.forward(logits, labels), logits)
        record(arrays, "loss.dlogits", grad, numeric, "dL/dlogits")


def check_mlp(api, params: dict, arrays: dict) -> None:
    rng = case_rng(params["seed"], 63)
    model = build_mlp(api, params)
    title = mlp_title(params)
    layers = mlp_layers(model, title)
    linears = [(i, layer) for i, layer in enumerate(layers) if kind_of(api, layer) == LINEAR]
    if not linears:
        raise ContractError(f"{title}: mlp.layers holds no Linear layer")
    for i, layer in linears:
        _, out_dim = checked_linear(layer, title, f"mlp.layers[{i}]")
        overwrite(layer, "b", 0.1 * nonzero_bias(rng, out_dim))
        zero_gradients(layer)
    batch = int(params["batch"])
    X = rng.standard_normal((batch, int(params["input_dim"])))
    y = integer_labels(rng, batch, int(params["output_dim"]))
    loss_fn = api.CrossEntropyLoss()

    def f():
        return loss_fn.forward(model.forward(X), y)

    with strict(f"the gradient check of {title}"):
        loss_fn.forward(model.forward(X.copy()), y.copy())
        dX = model.backward(loss_fn.backward())
        if dX is None:
            raise ContractError("MLP.backward(grad) must return dL/dX; it returned None")
        analytic = {"mlp.dX": snapshot(dX, "the value mlp.backward(grad) returned")}
        for i, layer in linears:
            for name in ("grad_W", "grad_b"):
                analytic[f"mlp.layers[{i}].{name}"] = snapshot(getattr(layer, name),
                                                               f"mlp.layers[{i}].{name}")
        record(arrays, "mlp.dX", analytic["mlp.dX"], numerical_gradient(f, X), "dL/dX")
        for i, layer in linears:
            for name in ("grad_W", "grad_b"):
                key = f"mlp.layers[{i}].{name}"
                record(arrays, key, analytic[key], numerical_gradient(f, getattr(layer, name[5:])),
                       key)


def run(api, params: dict) -> dict[str, np.ndarray]:
    target = params["target"]
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        if target == "linear":
            check_linear(api, params, arrays)
        elif target in ("relu", "sigmoid"):
            check_activation(api, params, arrays, {"relu": "ReLU", "sigmoid": "Sigmoid"}[target])
        elif target == "loss":
            check_loss(api, params, arrays)
        elif target == "mlp":
            check_mlp(api, params, arrays)
        else:
            raise ValueError(f"unknown gradient check target {target!r}")
    return arrays


TITLES = {
    "linear.dX": "Linear: dL/dX returned by backward",
    "linear.grad_W": "Linear: grad_W",
    "linear.grad_b": "Linear: grad_b",
    "linear.grad_W_accumulated": "Linear: grad_W after two backward calls (they must add up)",
    "linear.grad_b_accumulated": "Linear: grad_b after two backward calls (they must add up)",
    "relu.dX": "ReLU: dL/dX returned by backward (inputs away from 0)",
    "sigmoid.dX": "Sigmoid: dL/dX returned by backward",
    "loss.dlogits": "CrossEntropyLoss: backward() against the derivative of forward",
}


def title(check_id: str, params: dict) -> str:
    if check_id in TITLES:
        return TITLES[check_id]
    what = check_id.removeprefix("mlp.")
    return f"{mlp_title(params)} with CrossEntropyLoss: {what}"


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    messages = []
    for key in expected:
        if key.endswith(".rel_error"):
            continue
        check_id = key.removeprefix("gradcheck.")
        if key not in got:
            messages.append(f"gradient check not run (the case stopped before it): "
                            f"{title(check_id, params)}")
            continue
        if scalar(got[key]) == 1.0:
            continue
        error = scalar(got.get(f"{key}.rel_error"))
        detail = ("the analytic gradient does not have the shape of what it differentiates"
                  if error == -1.0 else f"relative error {error:.1e} (limit {LIMIT:.0e})")
        messages.append(f"gradient check failed: {title(check_id, params)}: {detail}")
    return messages

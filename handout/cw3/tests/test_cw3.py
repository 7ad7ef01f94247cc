"""Numerical gradient checks for cw3_mlp (provided: do not modify).

From the folder that holds cw3_mlp/ and tests/:

    python -m tests.test_cw3           one line per check; exit status 1 if any fails
    python -m pytest tests/test_cw3.py the same checks, grouped into test_* functions

Each analytic gradient (your backward) is compared with central differences,
    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2h),   h = 1e-6, in float64,
by the relative error ||analytic - numeric|| / max(||analytic||, ||numeric||). A correct
gradient gives about 1e-9 or less; the limit is 1e-6. A wrong one is usually off by 1e-1 or
more. A layer you have not written yet shows "FAIL (not implemented)". Every check runs with
warnings turned into errors, as the grader does: an overflow in exp fails the check.
"""
import sys
import warnings
from pathlib import Path

import numpy as np

# Import the cw3_mlp next to this tests/ folder, wherever Python was started.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cw3_mlp import MLP, SGD, CrossEntropyLoss, Linear, ReLU, Sigmoid  # noqa: E402

TOLERANCE = 1e-6
STEP = 1e-6


def numerical_gradient(f, x, h=STEP):
    """df/dx by central differences, same shape as x.

    f: function of no arguments returning a float; it must read the array x, which is
    perturbed in place one entry at a time and restored afterwards.
    """
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        f_plus = f()
        x[i] = saved - h
        f_minus = f()
        x[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(analytic, numeric):
    """||a - n|| / max(||a||, ||n||); 0.0 when both are zero."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, np.float64)
    if analytic.shape != numeric.shape:
        raise AssertionError(f"shape {analytic.shape}, expected {numeric.shape}")
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    return 0.0 if scale == 0 else float(np.linalg.norm(analytic - numeric) / scale)


def away_from_zero(rng, shape, low=0.1, high=2.0):
    """Random values with |x| in [low, high]: finite differences across ReLU's kink at 0
    would measure the kink, not the derivative."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def clear_grads(layer):
    layer.grad_W[...] = 0.0
    layer.grad_b[...] = 0.0


# ---------------------------------------------------------------- Linear

def linear_forward():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    layer = Linear(4, 3)
    layer.b[...] = rng.standard_normal(3)
    X = rng.standard_normal((5, 4))
    b = np.ravel(layer.b)  # (out,) or (1, out): the same bias
    expected = np.array([[sum(X[n, i] * layer.W[i, j] for i in range(4)) + b[j]
                          for j in range(3)] for n in range(5)])
    return relative_error(layer.forward(X), expected)


def linear_gradients(wrt):
    """f = sum(G * Linear(X)); dL/d`wrt` from backward against central differences."""
    rng = np.random.default_rng(1)
    np.random.seed(1)
    layer = Linear(4, 3)
    layer.b[...] = rng.standard_normal(3)
    X = rng.standard_normal((5, 4))
    G = rng.standard_normal((5, 3))
    layer.forward(X)
    clear_grads(layer)
    analytic = {"X": layer.backward(G), "W": layer.grad_W, "b": layer.grad_b}[wrt]
    target = {"X": X, "W": layer.W, "b": layer.b}[wrt]
    numeric = numerical_gradient(lambda: float(np.sum(G * layer.forward(X))), target)
    return relative_error(analytic, numeric)


def linear_accumulation(wrt):
    """Two backward calls (upstream G1, then G2) without zero_grad: grad_W and grad_b must
    hold the gradient of sum((G1 + G2) * out), i.e. the sum of both calls' gradients."""
    rng = np.random.default_rng(2)
    np.random.seed(2)
    layer = Linear(3, 2)
    X = rng.standard_normal((4, 3))
    G1, G2 = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    layer.forward(X)
    clear_grads(layer)
    layer.backward(G1)
    layer.backward(G2)
    analytic = {"W": layer.grad_W, "b": layer.grad_b}[wrt].copy()
    target = {"W": layer.W, "b": layer.b}[wrt]
    numeric = numerical_gradient(lambda: float(np.sum((G1 + G2) * layer.forward(X))), target)
    return relative_error(analytic, numeric)


# ---------------------------------------------------------------- activations

def activation_gradient(make_layer, X):
    """f = sum(G * act(X)); backward(G) against central differences."""
    rng = np.random.default_rng(3)
    G = rng.standard_normal(X.shape)
    layer = make_layer()
    layer.forward(X)
    analytic = layer.backward(G)
    numeric = numerical_gradient(lambda: float(np.sum(G * layer.forward(X))), X)
    return relative_error(analytic, numeric)


def relu_gradient():
    return activation_gradient(ReLU, away_from_zero(np.random.default_rng(4), (6, 5)))


def relu_values():
    """Forward values, and a zero derivative at exactly 0 (also for 2-D inputs)."""
    X = np.array([[-1e3, -2.0, 0.0], [0.0, 3.0, 1e3]])
    layer = ReLU()
    out = layer.forward(X)
    grad = layer.backward(np.ones_like(X))
    if np.asarray(grad).dtype == bool:
        raise AssertionError("backward returned booleans, expected float64")
    expected_out = np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 1e3]])
    expected_grad = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    return max(relative_error(out, expected_out), relative_error(grad, expected_grad))


def sigmoid_gradient():
    return activation_gradient(Sigmoid, 3.0 * np.random.default_rng(5).standard_normal((6, 5)))


def sigmoid_values():
    """Forward values from -1e3 to 1e3, compared with the formula evaluated one number at a
    time in Python floats (on whichever side cannot overflow)."""
    X = np.array([[-1e3, -40.0, -3.0, -1e-3], [0.0, 1e-3, 3.0, 1e3]])

    def reference(x):
        return 1.0 / (1.0 + np.exp(-x)) if x >= 0 else np.exp(x) / (1.0 + np.exp(x))

    expected = np.vectorize(reference)(X)
    return relative_error(Sigmoid().forward(X), expected)


# ---------------------------------------------------------------- loss

def cross_entropy_value():
    rng = np.random.default_rng(6)
    logits = 2.0 * rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, 5)
    loss = CrossEntropyLoss().forward(logits, labels)
    if not isinstance(loss, float):
        raise AssertionError(f"forward returned {type(loss).__name__}, expected a Python float")
    per_sample = [np.log(np.sum(np.exp(row))) - row[k] for row, k in zip(logits, labels)]
    return relative_error(loss, np.mean(per_sample))


def cross_entropy_gradient():
    rng = np.random.default_rng(7)
    logits = 3.0 * rng.standard_normal((6, 5))
    labels = rng.integers(0, 5, 6)
    loss = CrossEntropyLoss()
    loss.forward(logits, labels)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(logits, labels), logits)
    return relative_error(analytic, numeric)


def cross_entropy_large_logits():
    """Logits of +-1e4: the loss and its gradient must be finite and exact."""
    logits = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0]])
    labels = np.array([0, 1])
    loss = CrossEntropyLoss()
    value = loss.forward(logits, labels)
    grad = loss.backward()
    expected_grad = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.0]]) / 2
    return max(relative_error(value, 1e4), relative_error(grad, expected_grad))


# ---------------------------------------------------------------- MLP

def mlp_structure():
    np.random.seed(0)
    model = MLP(5, [6, 4], 3, activation="sigmoid")
    kinds = [type(layer).__name__ for layer in model.layers]
    expected = ["Linear", "Sigmoid", "Linear", "Sigmoid", "Linear"]
    if kinds != expected:
        raise AssertionError(f"layers {kinds}, expected {expected}")
    shapes = [layer.W.shape for layer in model.layers[::2]]
    if shapes != [(5, 6), (6, 4), (4, 3)]:
        raise AssertionError(f"weight shapes {shapes}, expected [(5, 6), (6, 4), (4, 3)]")
    try:
        MLP(5, [6], 3, activation="tanh")
    except ValueError:
        return None
    raise AssertionError('MLP(..., activation="tanh") did not raise ValueError')


def mlp_gradient(activation, wrt):
    """Loss = CrossEntropyLoss(MLP(X), y) for a 5-6-4-3 network. wrt: "X", or (i, "W") /
    (i, "b") for the i-th Linear layer."""
    rng = np.random.default_rng(8)
    np.random.seed(8)
    model = MLP(5, [6, 4], 3, activation=activation)
    linears = [layer for layer in model.layers if isinstance(layer, Linear)]
    for layer in linears:
        layer.b[...] = 0.1 * rng.standard_normal(layer.b.shape)
        clear_grads(layer)
    X = rng.standard_normal((7, 5))
    y = rng.integers(0, 3, 7)
    loss = CrossEntropyLoss()
    loss.forward(model.forward(X), y)
    dX = model.backward(loss.backward())
    if wrt == "X":
        analytic, target = dX, X
    else:
        i, name = wrt
        analytic = getattr(linears[i], "grad_" + name).copy()
        target = getattr(linears[i], name)
    numeric = numerical_gradient(lambda: loss.forward(model.forward(X), y), target)
    return relative_error(analytic, numeric)


# ---------------------------------------------------------------- SGD

def sgd_trajectory(momentum, weight_decay):
    """Three steps on two Linear layers (with a ReLU in between, which SGD must skip), with
    new gradients before each step, against the update rule written out by hand:
    velocity u = mu * u - lr * (g + lam * W) (lam only for weights), p = p + u. At a constant
    learning rate this is the same trajectory as v = mu * v + g, p = p - lr * v."""
    rng = np.random.default_rng(9)
    np.random.seed(9)
    layers = [Linear(3, 4), ReLU(), Linear(4, 2)]
    linears = layers[::2]
    params = [layer.W for layer in linears] + [layer.b for layer in linears]
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    lr = 0.1
    optimizer = SGD(layers, lr=lr, momentum=momentum, weight_decay=weight_decay)
    for _ in range(3):
        for layer in linears:
            layer.grad_W[...] = rng.standard_normal(layer.grad_W.shape)
            layer.grad_b[...] = rng.standard_normal(layer.grad_b.shape)
        grads = [layer.grad_W for layer in linears] + [layer.grad_b for layer in linears]
        saved = [g.copy() for g in grads]
        for k, g in enumerate(saved):
            decay = weight_decay * expected[k] if k < len(linears) else 0.0
            velocity[k] = momentum * velocity[k] - lr * (g + decay)
            expected[k] = expected[k] + velocity[k]
        optimizer.step()
        if any(not np.array_equal(g, s) for g, s in zip(grads, saved)):
            raise AssertionError("step() changed grad_W or grad_b")
    current = [layer.W for layer in linears] + [layer.b for layer in linears]
    if any(c is not p for c, p in zip(current, params)):
        raise AssertionError("step() replaced W or b by new arrays: update them in place")
    return max(relative_error(c, e) for c, e in zip(current, expected))


def sgd_zero_grad():
    np.random.seed(10)
    layers = [Linear(3, 4), Sigmoid(), Linear(4, 2)]
    for layer in layers[::2]:
        layer.grad_W[...] = 1.0
        layer.grad_b[...] = 1.0
    SGD(layers, lr=0.1, momentum=0.9).zero_grad()
    leftover = max(max(np.max(np.abs(layer.grad_W)), np.max(np.abs(layer.grad_b)))
                   for layer in layers[::2])
    if leftover != 0:
        raise AssertionError(f"gradients not zero after zero_grad (max |g| = {leftover})")


# ---------------------------------------------------------------- registry and runner

CHECKS = [
    ("Linear forward = X @ W + b", linear_forward),
    ("Linear backward dL/dX", lambda: linear_gradients("X")),
    ("Linear backward dL/dW (grad_W)", lambda: linear_gradients("W")),
    ("Linear backward dL/db (grad_b)", lambda: linear_gradients("b")),
    ("Linear grad_W accumulates over two backward calls", lambda: linear_accumulation("W")),
    ("Linear grad_b accumulates over two backward calls", lambda: linear_accumulation("b")),
    ("ReLU backward dL/dX (inputs away from 0)", relu_gradient),
    ("ReLU values at -1e3..1e3, derivative 0 at 0", relu_values),
    ("Sigmoid backward dL/dX", sigmoid_gradient),
    ("Sigmoid values at -1e3..1e3 (no overflow)", sigmoid_values),
    ("CrossEntropyLoss forward = mean cross-entropy", cross_entropy_value),
    ("CrossEntropyLoss backward dL/dlogits", cross_entropy_gradient),
    ("CrossEntropyLoss with logits of +-1e4", cross_entropy_large_logits),
    ("MLP layers, shapes, unknown activation", mlp_structure),
] + [
    (f"MLP({activation}) {label}", lambda a=activation, w=wrt: mlp_gradient(a, w))
    for activation in ("relu", "sigmoid")
    for label, wrt in [("dL/dX", "X")] + [(f"Linear {i} grad_{name}", (i, name))
                                           for i in range(3) for name in ("W", "b")]
] + [
    ("SGD step, no momentum", lambda: sgd_trajectory(0.0, 0.0)),
    ("SGD step, momentum 0.9", lambda: sgd_trajectory(0.9, 0.0)),
    ("SGD step, momentum 0.9 + weight decay 0.01", lambda: sgd_trajectory(0.9, 0.01)),
    ("SGD zero_grad", sgd_zero_grad),
]


def run_check(function):
    """(passed, detail) for one check, with warnings as errors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            error = function()
    except NotImplementedError:
        return False, "not implemented"
    except AssertionError as exc:
        return False, str(exc)
    except Exception as exc:  # a bug in the code under test: report it, keep checking
        return False, f"{type(exc).__name__}: {exc}"
    if error is None:
        return True, ""
    if not np.isfinite(error) or error > TOLERANCE:
        return False, f"relative error {error:.1e}"
    return True, f"relative error {error:.1e}"


def run_group(prefix):
    """For pytest: run every check whose name starts with `prefix`; fail listing the bad ones."""
    failures = []
    for name, function in CHECKS:
        if name.startswith(prefix):
            passed, detail = run_check(function)
            if not passed:
                failures.append(f"{name}: {detail}")
    assert not failures, "\n".join(failures)


def test_linear():
    run_group("Linear")


def test_relu():
    run_group("ReLU")


def test_sigmoid():
    run_group("Sigmoid")


def test_cross_entropy():
    run_group("CrossEntropyLoss")


def test_mlp_relu():
    run_group("MLP(relu)")


def test_mlp_sigmoid():
    run_group("MLP(sigmoid)")


def test_mlp_structure():
    run_group("MLP layers")


def test_sgd():
    run_group("SGD")


def main():
    width = max(len(name) for name, _ in CHECKS)
    n_failed = 0
    for name, function in CHECKS:
        passed, detail = run_check(function)
        n_failed += not passed
        status = "PASS" if passed else ("FAIL (not implemented)" if detail == "not implemented"
                                        else "FAIL")
        if detail == "not implemented":
            detail = ""
        print(f"{status:<22}  {name:<{width}}  {detail}".rstrip())
    print(f"{len(CHECKS) - n_failed}/{len(CHECKS)} checks passed (relative error limit "
          f"{TOLERANCE:.0e})")
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())

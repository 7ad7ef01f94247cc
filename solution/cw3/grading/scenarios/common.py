"""What the CW3 case families share: taking copies of what the student's code returns, the
contract checks that name the attribute at fault (ContractError, the engine's: its message is
shown to students as it is), the stand-in layers swapped into an MLP so that its cases grade the
MLP's code alone (an affine probe and softsign: deliberately not the graded layers), input
makers, and the trusted-side comparison.

Everything but ``compare_keys`` (trusted side) runs in the sandbox next
to the student's code, so this module imports only NumPy, the standard library and the engine's
toolkit (autograder.scenarios).

Warnings: the contract promises no warnings for inputs up to +-1e3 and logits up to +-1e4, and
tests/test_cw3.py turns every warning into an error. Every call into the student's code goes
through ``call``, which does the same for floating-point (Runtime) warnings: an overflow in
``exp`` stops the case with a message naming the method that warned.
"""
from __future__ import annotations


import numpy as np

from autograder.scenarios.toolkit import (ContractError, shape_text,  # noqa: F401
                                          spread_inputs, warnings_as_errors)
from autograder.scenarios.toolkit import describe as toolkit_describe
from autograder.scenarios.toolkit import snapshot as toolkit_snapshot

LINEAR, RELU, SIGMOID, OTHER = 1.0, 2.0, 3.0, 0.0
KIND_NAMES = {LINEAR: "Linear", RELU: "ReLU", SIGMOID: "Sigmoid", OTHER: "something else"}


# ------------------------------------------------------------------ describing and copying values

def describe(value) -> str:
    """A short, student-readable description of any value (dtypes and numbers named)."""
    return toolkit_describe(value, detailed=True)


def snapshot(value, name: str) -> np.ndarray:
    """A float64 copy of ``value`` taken now, so that later calls into the student's code
    cannot change what is graded. Junk (None, booleans, ragged lists, functions, objects) is a
    ContractError naming the tensor (the engine's toolkit snapshot, which also refuses huge
    arrays, plus the contract's "float64, not boolean")."""
    if isinstance(value, (np.ndarray, np.bool_)) and value.dtype == bool:
        raise ContractError(f"{name}: got booleans; expected float64 numbers")
    if callable(value) and not isinstance(value, np.ndarray):
        raise ContractError(f"{name}: expected an array of numbers, got {describe(value)} "
                            f"(a method that was not called?)")
    return toolkit_snapshot(value, name)


def snapshot_scalar(value, name: str, require_float: bool = False) -> np.ndarray:
    """One number as a 0-d array. With ``require_float``, only a Python float (np.float64 is
    one) is accepted, as the contract says."""
    if require_float and not isinstance(value, float):
        raise ContractError(f"{name} must be a Python float (return float(...)); "
                            f"got {describe(value)}")
    copy = snapshot(value, name)
    if copy.size != 1:
        raise ContractError(f"{name} must be a single number; got {describe(value)}")
    return copy.reshape(())


# ------------------------------------------------------------------ calling the student's code

def strict(what: str):
    """Floating-point warnings inside the block become errors naming ``what`` (the toolkit's
    warnings_as_errors), with the course's own rule."""
    return warnings_as_errors(what, ". Warnings count as errors here, as in tests/test_cw3.py: "
                                    "the contract allows inputs up to +-1e3 and logits up to "
                                    "+-1e4 without overflow or warnings")


def call(what: str, function, *args, **kwargs):
    """``function(*args, **kwargs)`` with warnings as errors (see ``strict``)."""
    with strict(what):
        return function(*args, **kwargs)


def bias_shapes(n: int) -> tuple[tuple[int, ...], ...]:
    """The shapes a bias of n numbers may have: (n,) per the contract, or a (1, n) row."""
    return ((n,), (1, n))


def require_array(obj, attr: str, shapes, where: str, label: str, like: str = "") -> np.ndarray:
    """``obj.<attr>``, which must be a float array of one of ``shapes``; otherwise a
    ContractError such as "after Linear(4, 3), layer.grad_W must be an array shaped like
    layer.W (4, 3); got None"."""
    value = getattr(obj, attr, None)
    shapes = [tuple(s) for s in shapes]
    ok = (isinstance(value, np.ndarray) and value.shape in shapes
          and np.issubdtype(value.dtype, np.floating))
    if not ok:
        got = describe(value) if hasattr(obj, attr) else "no such attribute"
        wanted = " or ".join(shape_text(s) for s in shapes)
        kind = "a float array" if not like else f"an array shaped like {like}"
        raise ContractError(f"after {where}, {label}.{attr} must be {kind} {wanted}; got {got}")
    return value


def linear_attributes(layer, in_dim: int, out_dim: int, where: str,
                      label: str = "layer") -> None:
    """The attributes Linear(in_dim, out_dim) must have: W, b, grad_W like W, grad_b like b."""
    require_array(layer, "W", [(in_dim, out_dim)], where, label)
    b = require_array(layer, "b", bias_shapes(out_dim), where, label)
    require_array(layer, "grad_W", [(in_dim, out_dim)], where, label, like=f"{label}.W")
    require_array(layer, "grad_b", [b.shape], where, label, like=f"{label}.b")


def checked_linear(layer, where: str, label: str) -> tuple[int, int]:
    """(in_dim, out_dim) of a Linear found in an MLP, after checking its attributes."""
    W = getattr(layer, "W", None)
    if not isinstance(W, np.ndarray) or W.ndim != 2:
        raise ContractError(f"after {where}, {label}.W must be a 2-D array (in_dim, out_dim); "
                            f"got {describe(W) if hasattr(layer, 'W') else 'no such attribute'}")
    in_dim, out_dim = W.shape
    linear_attributes(layer, in_dim, out_dim, where, label)
    return in_dim, out_dim


def overwrite(layer, attr: str, values: np.ndarray) -> None:
    """Write ``values`` into the student's array ``layer.<attr>`` in place, in its own shape
    ((1, n) and (n,) biases alike), so that references to it stay valid."""
    target = getattr(layer, attr)
    target[...] = np.asarray(values, dtype=float).reshape(target.shape)


def make_linear(api, in_dim: int, out_dim: int, label: str, W: np.ndarray, b: np.ndarray):
    """The student's Linear(in_dim, out_dim) (its __init__ is provided code), checked against
    the contract, holding the grader's W and b."""
    layer = call(f"Linear({in_dim}, {out_dim})", api.Linear, in_dim, out_dim)
    linear_attributes(layer, in_dim, out_dim, f"Linear({in_dim}, {out_dim})", label)
    overwrite(layer, "W", W)
    overwrite(layer, "b", b)
    return layer


# ------------------------------------------------------------------ inputs

def nonzero_bias(rng: np.random.RandomState, n: int) -> np.ndarray:
    """n values of magnitude 0.3 .. 1.5 and alternating sign: a forgotten bias always shows."""
    return rng.uniform(0.3, 1.5, n) * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)


def grader_weights(rng: np.random.RandomState, in_dim: int, out_dim: int):
    """W (in_dim, out_dim) of He scale and a non-zero b (out_dim,)."""
    W = rng.standard_normal((in_dim, out_dim)) * np.sqrt(2.0 / in_dim)
    return W, nonzero_bias(rng, out_dim)


def away_from_zero(rng: np.random.RandomState, shape, low: float = 0.1,
                   high: float = 2.0) -> np.ndarray:
    """|x| in [low, high], random signs: finite differences never straddle ReLU's kink."""
    return rng.uniform(low, high, tuple(shape)) * rng.choice([-1.0, 1.0], tuple(shape))


def integer_labels(rng: np.random.RandomState, batch: int, classes: int,
                   dtype: str = "int64") -> np.ndarray:
    return rng.randint(classes, size=batch).astype(dtype)


# ------------------------------------------------------------------ stand-in layers (model item)
#
# The model item grades MLP's own code: the layers it builds and the order in which it calls
# them, that each layer gets the previous layer's output (forward) or the next layer's gradient
# (backward), and that backward returns the gradient of the input. mlp_passes swaps these
# stand-ins into mlp.layers for that. They are deliberately NOT the graded layers: the
# activation positions get a nonlinearity no item grades (softsign), and the affine stand-in
# keeps no parameter gradients (grading those is the linear item's job). This file ships in the
# handout, so nothing here may be a working Linear, ReLU or Sigmoid.

def as_floats(value, name: str) -> np.ndarray:
    """What the student's MLP hands a stand-in layer, as floats (a copy is not needed)."""
    if isinstance(value, np.ndarray) and value.dtype == float:
        return value
    return snapshot(value, name)


class _StandIn:
    """What every stand-in shares: its position in mlp.layers, call counts, ``layer(X)``."""

    stands_for = ""

    def __init__(self, where: str):
        self.where = where
        self.calls = {"forward": 0, "backward": 0}
        self.received = None            # the gradient handed to the last backward call

    def __call__(self, X):
        return self.forward(X)

    def wiring_error(self, what: str, value, expected: str, rule: str) -> ContractError:
        return ContractError(f"{self.where}.{what} received {describe(value)}; expected "
                             f"{expected} {self.note}: {rule}")

    def take_gradient(self, grad, out_shape) -> np.ndarray:
        grad = as_floats(grad, f"the gradient passed to {self.where}.backward")
        if out_shape is None or grad.shape != tuple(out_shape):
            raise self.wiring_error(
                "backward", grad, f"{shape_text(out_shape or ())}, the shape of its output",
                "MLP.backward must call the layers last to first, passing each the gradient "
                "returned by the layer after it")
        self.calls["backward"] += 1
        self.received = grad.copy()
        return self.received


class AffineProbe(_StandIn):
    """Stand-in for one of the MLP's Linear layers. It holds a copy of that layer's W and b, so
    the logits still depend on the weights the MLP built, and maps its input through them. Its
    backward only checks and records the gradient it is handed and passes the input gradient
    on; it keeps no grad_W or grad_b (what the MLP's backward hands each Linear is compared
    instead)."""

    stands_for = "Linear"

    def __init__(self, W, b, where: str):
        super().__init__(where)
        self.W = np.array(W, dtype=float)
        self.b = np.array(b, dtype=float).reshape(-1)
        self.inputs = None              # the input of the last forward call

    @property
    def note(self) -> str:
        return (f"(this case put the grader's own Linear{shape_text(self.W.shape)} probe there, "
                f"holding your MLP's W and b, so that only your MLP's code is graded)")

    def forward(self, X):
        X = as_floats(X, f"the input of {self.where}.forward")
        fan_in = self.W.shape[0]
        if X.ndim != 2 or X.shape[1] != fan_in:
            raise self.wiring_error(
                "forward", X, f"(N, {fan_in})",
                "MLP.forward must feed each layer's output to the next layer of mlp.layers, "
                "first to last")
        self.calls["forward"] += 1
        self.inputs = np.array(X, dtype=float)
        return np.dot(self.inputs, self.W) + self.b[np.newaxis, :]

    def output_shape(self):
        return None if self.inputs is None else (self.inputs.shape[0], self.W.shape[1])

    def backward(self, grad):
        upstream = self.take_gradient(grad, self.output_shape())
        return self.input_gradient(upstream)

    def input_gradient(self, upstream: np.ndarray) -> np.ndarray:
        """d(loss)/d(input) of the affine map: the upstream gradient times W transposed."""
        return np.dot(upstream, self.W.T)


class SoftsignStandIn(_StandIn):
    """Stand-in for the MLP's ReLU or Sigmoid at the same position: softsign,
    s(x) = x / (1 + |x|), whose derivative is (1 - |s|)^2, graded by no item."""

    def __init__(self, where: str):
        super().__init__(where)
        self.value = None               # softsign of the last forward call's input

    @property
    def note(self) -> str:
        return (f"(this case put the grader's own stand-in for {self.stands_for} there, softsign "
                f"x / (1 + |x|), so that only your MLP's code is graded)")

    def forward(self, X):
        X = as_floats(X, f"the input of {self.where}.forward")
        self.calls["forward"] += 1
        self.value = X / (1.0 + np.abs(X))
        return self.value.copy()

    def backward(self, grad):
        shape = None if self.value is None else self.value.shape
        upstream = self.take_gradient(grad, shape)
        return upstream * np.square(1.0 - np.abs(self.value))


class ReluStandIn(SoftsignStandIn):
    stands_for = "ReLU"


class SigmoidStandIn(SoftsignStandIn):
    stands_for = "Sigmoid"


# Class names of the layers they stand in for, so `type(layer).__name__` checks in the
# student's MLP still work.
AffineProbe.__name__, ReluStandIn.__name__, SigmoidStandIn.__name__ = "Linear", "ReLU", "Sigmoid"


def kind_of(api, layer) -> float:
    """LINEAR, RELU, SIGMOID or OTHER: by the student's own classes, else by class name."""
    for kind, name in ((LINEAR, "Linear"), (RELU, "ReLU"), (SIGMOID, "Sigmoid")):
        cls = getattr(api, name, None)
        if (isinstance(cls, type) and isinstance(layer, cls)) or type(layer).__name__ == name:
            return kind
    return OTHER


def expected_kinds(n_hidden: int, activation: str) -> list[float]:
    act = {"relu": RELU, "sigmoid": SIGMOID}[activation]
    return [k for _ in range(n_hidden) for k in (LINEAR, act)] + [LINEAR]


def kinds_text(kinds) -> str:
    return "[" + ", ".join(KIND_NAMES.get(float(k), "?") for k in np.ravel(kinds)) + "]"


def mlp_layers(mlp, where: str) -> list:
    """``mlp.layers`` as a list (ContractError when it is missing or not a list of layers)."""
    layers = getattr(mlp, "layers", None)
    if not isinstance(layers, (list, tuple)):
        got = describe(layers) if hasattr(mlp, "layers") else "no such attribute"
        raise ContractError(f"after {where}, mlp.layers must be the list of layers "
                            f"[Linear, activation, ..., Linear]; got {got}")
    return layers


def build_mlp(api, params: dict):
    """np.random.seed(seed), then the student's MLP, called as the provided trainer calls it."""
    np.random.seed(int(params["seed"]))
    hidden = [int(h) for h in params["hidden_dims"]]
    return call(mlp_title(params), api.MLP, int(params["input_dim"]), hidden,
                int(params["output_dim"]), activation=params.get("activation", "relu"))


def mlp_title(params: dict, activation: str | None = None) -> str:
    act = activation or params.get("activation", "relu")
    return (f"MLP({params['input_dim']}, {list(params['hidden_dims'])}, {params['output_dim']}, "
            f"activation={act!r})")


def mlp_sizes(params: dict) -> list[int]:
    return [int(params["input_dim"]), *map(int, params["hidden_dims"]), int(params["output_dim"])]


# ------------------------------------------------------------------ trusted side

def scalar(value, default: float = float("nan")) -> float:
    """One number from what the engine hands a check (a 0-d array arrives as shape (1,))."""
    if value is None:
        return default
    flat = np.asarray(value, dtype=float).reshape(-1)
    return float(flat[0]) if flat.size == 1 else default


def compare_keys(got: dict, expected: dict, params: dict, compare, keys=None) -> list[str]:
    """Trusted side: compare ``keys`` (default: every expected key) with the references exactly
    as the engine compares a family without a check (``compare``, the case's
    autograder.compare.Comparison: its tolerance, its diagnoses, biases (1, n) or (n,) alike)."""
    chosen = {key: expected[key] for key in (list(expected) if keys is None else keys)}
    return compare.all(got, chosen, params)

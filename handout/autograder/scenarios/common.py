"""Helpers shared by the scenarios: the grader's init functions, its own criterion and activation
(so MLP cases do not depend on the student's Sigmoid or SoftmaxCrossEntropy), input makers, and
the code that builds a student MLP from a case's params.

Everything here runs in the worker next to student code, so it imports nothing but NumPy.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np


class Partial(Exception):
    """Raised by ``run`` to hand back the arrays computed before ``exc`` stopped the case."""

    def __init__(self, arrays: dict, exc: BaseException):
        super().__init__(str(exc))
        self.partial_arrays = arrays
        self.exc = exc


@contextmanager
def keeping_partial(arrays: dict):
    """Run a block that fills ``arrays``; if it fails after filling some, re-raise as Partial
    so that what was computed before the failure is still compared."""
    try:
        yield arrays
    except Exception as exc:
        if arrays:
            raise Partial(arrays, exc) from exc
        raise


def case_rng(seed: int, stream: int = 0) -> np.random.RandomState:
    """A private generator for a case's data; never the global one (that one fixes the weights)."""
    return np.random.RandomState([int(seed), int(stream), 785])


def weight_init(d0: int, d1: int) -> np.ndarray:
    """(d0, d1) standard normal from the global RNG (the case seeds it before building the MLP)."""
    return np.random.randn(d0, d1)


def bias_init(d: int) -> np.ndarray:
    """(1, d), non-zero, from a private generator: W and b created in any order give one net."""
    return np.random.RandomState(1000 + int(d)).uniform(0.2, 1.0, (1, int(d))) * \
        np.where(np.arange(int(d)) % 2 == 0, 1.0, -1.0)


def one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    """(batch,) class ids -> (batch, n_classes) one-hot float labels."""
    labels = np.zeros((len(classes), n_classes))
    labels[np.arange(len(classes)), classes] = 1.0
    return labels


def random_labels(rng: np.random.RandomState, batch: int, n_classes: int) -> np.ndarray:
    return one_hot(rng.randint(n_classes, size=batch), n_classes)


def activation_inputs(rng: np.random.RandomState, shape, scale: float = 3.0, extreme: float = 0.0,
                      zeros: int = 0) -> np.ndarray:
    """Normal inputs of std ``scale``; about a quarter of the entries set to +/-``extreme`` (if
    given, always including both signs) and ``zeros`` entries set to exactly 0."""
    x = rng.standard_normal(shape) * scale
    flat = x.reshape(-1)
    order = rng.permutation(flat.size)
    if extreme:
        count = max(2, flat.size // 4)
        flat[order[:count]] = extreme * np.where(np.arange(count) % 2 == 0, 1.0, -1.0)
        order = order[count:]
    flat[order[:zeros]] = 0.0
    return x


class ProbeCriterion:
    """A criterion whose derivative is a known upstream gradient ``G`` (batch, classes).

    loss = sum(G * x, axis=1) per sample, so dloss/dx = G exactly. Works whether the MLP calls
    ``criterion(x, y)`` or ``criterion.forward(x, y)``; returns a fresh copy of G every time so
    an in-place update by the caller cannot change the next case step.
    """

    def __init__(self, upstream: np.ndarray):
        self.upstream = np.array(upstream, dtype=float)
        self.logits = None
        self.labels = None
        self.loss = None

    def __call__(self, x, y):
        return self.forward(x, y)

    def forward(self, x, y):
        x = np.asarray(x, dtype=float)
        if x.shape != self.upstream.shape:
            raise ValueError(f"the grader's criterion received an array of shape {x.shape}; "
                             f"expected the network output, shape {self.upstream.shape}")
        self.logits = x
        self.labels = y
        self.loss = np.sum(self.upstream * x, axis=1)
        return self.loss

    def derivative(self):
        return self.upstream.copy()


class Softsign:
    """The grader's own nonlinearity, y = x / (1 + |x|), dy/dx = (1 - |y|)^2 from the state.

    Used in the hidden layers of MLP cases so that activation placement and the chain rule
    through activations are graded without depending on the student's Sigmoid or Tanh."""

    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        self.state = x / (1.0 + np.abs(x))
        return self.state

    def derivative(self):
        return (1.0 - np.abs(self.state)) ** 2


GRADER_ACTIVATIONS = {"Softsign": Softsign}


def make_activation(api, name: str):
    """A grader activation by name, or the student's class of that name (Identity, Sigmoid, ...)."""
    if name in GRADER_ACTIVATIONS:
        return GRADER_ACTIVATIONS[name]()
    return getattr(api, name)()


def layer_sizes(params: dict) -> list[int]:
    return [params["input_size"], *params.get("hiddens", []), params["output_size"]]


def build_mlp(api, params: dict, criterion):
    """The student's MLP with the grader's init functions; weights fixed by ``np.random.seed``.

    Optional params are passed only when used, so a submission without the bonus still works.
    BatchNorm layers get gamma != 1 and beta != 0 (in the student's own vector shape)."""
    sizes = layer_sizes(params)
    names = params.get("activations") or ["Identity"] * (len(sizes) - 1)
    activations = [make_activation(api, name) for name in names]
    options = {"momentum": float(params.get("momentum", 0.0))}
    if params.get("num_bn_layers", 0):
        options["num_bn_layers"] = int(params["num_bn_layers"])
    if params.get("weight_decay", 0.0):
        options["weight_decay"] = float(params["weight_decay"])
    np.random.seed(int(params["seed"]))
    mlp = api.MLP(sizes[0], sizes[-1], list(sizes[1:-1]), activations, weight_init, bias_init,
                  criterion, float(params.get("lr", 0.1)), **options)
    rng = case_rng(params["seed"], stream=99)
    for layer in bn_layers(mlp, params):
        set_affine(layer, rng)
    return mlp


def bn_layers(mlp, params: dict) -> list:
    return [mlp.bn_layers[i] for i in range(int(params.get("num_bn_layers", 0)))]


def set_affine(bn, rng: np.random.RandomState) -> None:
    """Give a BatchNorm layer gamma in [0.5, 2] and beta != 0, keeping the student's shape."""
    shape = np.shape(bn.gamma)
    size = int(np.prod(shape))
    bn.gamma = rng.uniform(0.5, 2.0, size).reshape(shape)
    bn.beta = rng.uniform(-1.0, 1.0, size).reshape(shape)


def mlp_batch(params: dict, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs (batch, in), one-hot labels (batch, out), upstream gradient (batch, out) of a step."""
    rng = case_rng(params["seed"], stream=1 + step)
    batch, n_in, n_out = int(params["batch"]), int(params["input_size"]), int(params["output_size"])
    x = rng.standard_normal((batch, n_in)) * float(params.get("input_scale", 1.0))
    return x, random_labels(rng, batch, n_out), rng.standard_normal((batch, n_out))


def parameter_arrays(mlp, params: dict, when: str = "") -> dict[str, np.ndarray]:
    """W, b of every layer and gamma, beta of every BatchNorm layer, keyed for messages."""
    suffix = f"@{when}" if when else ""
    arrays = {}
    for i in range(len(layer_sizes(params)) - 1):
        arrays[f"mlp.W[{i}]{suffix}"] = np.array(mlp.W[i], dtype=float)
        arrays[f"mlp.b[{i}]{suffix}"] = np.array(mlp.b[i], dtype=float)
    for i, layer in enumerate(bn_layers(mlp, params)):
        arrays[f"mlp.bn_layers[{i}].gamma{suffix}"] = np.array(layer.gamma, dtype=float)
        arrays[f"mlp.bn_layers[{i}].beta{suffix}"] = np.array(layer.beta, dtype=float)
    return arrays


def gradient_arrays(mlp, params: dict) -> dict[str, np.ndarray]:
    """dW, db of every layer and dgamma, dbeta of every BatchNorm layer, keyed for messages."""
    arrays = {}
    for i in range(len(layer_sizes(params)) - 1):
        arrays[f"mlp.dW[{i}]"] = np.array(mlp.dW[i], dtype=float)
        arrays[f"mlp.db[{i}]"] = np.array(mlp.db[i], dtype=float)
    for i, layer in enumerate(bn_layers(mlp, params)):
        arrays[f"mlp.bn_layers[{i}].dgamma"] = np.array(layer.dgamma, dtype=float)
        arrays[f"mlp.bn_layers[{i}].dbeta"] = np.array(layer.dbeta, dtype=float)
    return arrays


def write_gradients(mlp, params: dict, step: int) -> None:
    """Known gradients into dW, db (and dgamma, dbeta), in the shapes of their parameters."""
    rng = case_rng(params["seed"], stream=50 + step)
    for i in range(len(layer_sizes(params)) - 1):
        mlp.dW[i] = rng.standard_normal(np.shape(mlp.W[i]))
        mlp.db[i] = rng.standard_normal(np.shape(mlp.b[i]))
    for layer in bn_layers(mlp, params):
        layer.dgamma = rng.standard_normal(np.shape(layer.gamma))
        layer.dbeta = rng.standard_normal(np.shape(layer.beta))

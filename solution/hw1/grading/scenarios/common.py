"""Helpers shared by the scenarios: the grader's init functions, its own criterion and activation
(so MLP cases do not depend on the student's Sigmoid or SoftmaxCrossEntropy), input makers, and
the code that builds a student MLP from a case's params.

Everything here runs in the worker next to student code, so it imports nothing but NumPy.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import (MISSING, ContractError, Partial, array_shape,  # noqa: F401
                                          case_rng, describe, keeping_partial, random_state,
                                          shape_text, snapshot, spread_inputs)


def _list_like(value) -> bool:
    """A list, tuple or list-like view (len and indexing); not an array, string or None."""
    return (value is not None and not isinstance(value, (str, bytes, np.ndarray, dict))
            and hasattr(value, "__len__") and hasattr(value, "__getitem__"))


def same_vector(a: tuple, b: tuple) -> bool:
    """(1, n) and (n,), in either order (the contract lets biases and BatchNorm vectors be
    either)."""
    return {len(a), len(b)} == {1, 2} and a[-1:] == b[-1:] and (1,) in (a[:-1], b[:-1])


def layer_list(mlp, name: str, n: int, what: str, when: str):
    """``mlp.<name>``, checked to be a list of ``n`` entries (``what`` says of what)."""
    value = getattr(mlp, name, MISSING)
    if not _list_like(value):
        raise ContractError(f"{when}, mlp.{name} must be a list of {n} {what}; "
                            f"got {describe(value)}")
    try:
        length = len(value)
    except Exception:  # noqa: BLE001  (a list-like view whose len() fails)
        length = -1
    if length != n:
        kind = type(value).__name__
        got = f"a {kind} of {length} items" if length >= 0 else describe(value)
        raise ContractError(f"{when}, mlp.{name} must be a list of {n} {what}; got {got}")
    return value


def check_layer_lists(mlp, params: dict, names=("W", "b"), when: str = "after MLP(...)") -> None:
    """The contract of the per-layer lists right after construction (docs/solution.md): W[i]
    of shape (in_i, out_i); b[i] of shape (1, out_i) or (out_i,); dW[i] of W[i]'s shape and
    db[i] of b[i]'s (or the other vector shape). Only ``names`` are checked: a family checks
    what it reads or writes before backward() could have made it."""
    sizes = layer_sizes(params)
    n = len(sizes) - 1
    shapes: dict[str, list[tuple]] = {}
    for name in ("W", "b", "dW", "db"):
        if name not in names and not (name in ("W", "b") and ("d" + name) in names):
            continue
        what = {"W": "weight arrays, W[i] of shape (in_i, out_i)", "b": "bias arrays",
                "dW": "arrays shaped like mlp.W", "db": "arrays shaped like mlp.b"}[name]
        values = layer_list(mlp, name, n, what, when)
        shapes[name] = []
        for i in range(n):
            fan_in, fan_out = sizes[i], sizes[i + 1]
            if name == "W":
                wanted, like = [(fan_in, fan_out)], f"(inputs, outputs) of layer {i}"
            elif name == "b":
                wanted, like = [(1, fan_out), (fan_out,)], ""
            elif name == "dW":
                wanted, like = [shapes["W"][i]], f"like mlp.W[{i}]"
            else:  # db: b[i]'s shape, or the other form of the same vector
                base = shapes["b"][i]
                wanted = [base, (base[-1],) if len(base) == 2 else (1,) + base]
                like = f"like mlp.b[{i}]"
            text = " or ".join(shape_text(s) for s in wanted)
            shape = array_shape(values[i], f"mlp.{name}[{i}]", text, when)
            if shape not in wanted:
                raise ContractError(f"{when}, mlp.{name}[{i}] has shape {shape_text(shape)}; "
                                    f"expected {text}{' ' + like if like else ''}")
            shapes[name].append(shape)


def check_bn_layers(mlp, params: dict, when: str = "after MLP(...)") -> None:
    """bn_layers holds (at least) num_bn_layers BatchNorm objects whose gamma and beta are
    vectors of the layer's width, (1, out_i) or (out_i,)."""
    count = int(params.get("num_bn_layers", 0))
    if not count:
        return
    value = getattr(mlp, "bn_layers", MISSING)
    length = len(value) if _list_like(value) else -1
    if length < count:
        got = f"a {type(value).__name__} of {length} items" if length >= 0 else describe(value)
        raise ContractError(f"{when}, mlp.bn_layers must be a list of {count} BatchNorm "
                            f"objects (num_bn_layers={count}); got {got}")
    sizes = layer_sizes(params)
    for i in range(count):
        layer = value[i]
        width = sizes[i + 1]
        wanted = [(1, width), (width,)]
        text = f"{shape_text(wanted[0])} or {shape_text(wanted[1])}"
        for attr in ("gamma", "beta"):
            name = f"mlp.bn_layers[{i}].{attr}"
            shape = array_shape(getattr(layer, attr, MISSING), name, text, when)
            if shape not in wanted:
                raise ContractError(f"{when}, {name} has shape {shape_text(shape)}; expected "
                                    f"{text} (BatchNorm({width}) of hidden layer {i})")


def weight_init(d0: int, d1: int) -> np.ndarray:
    """(d0, d1) standard normal from the global RNG (the case seeds it before building the MLP)."""
    return np.random.randn(d0, d1)


def bias_init(d: int) -> np.ndarray:
    """(1, d), non-zero, from a private generator: W and b created in any order give one net."""
    return random_state(1000 + int(d)).uniform(0.2, 1.0, (1, int(d))) * \
        np.where(np.arange(int(d)) % 2 == 0, 1.0, -1.0)


def one_hot(classes: np.ndarray, n_classes: int) -> np.ndarray:
    """(batch,) class ids -> (batch, n_classes) one-hot float labels."""
    labels = np.zeros((len(classes), n_classes))
    labels[np.arange(len(classes)), classes] = 1.0
    return labels


def random_labels(rng: np.random.RandomState, batch: int, n_classes: int) -> np.ndarray:
    return one_hot(rng.randint(n_classes, size=batch), n_classes)


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


def make_activations(api, params: dict) -> list:
    """One new activation object per layer, by the case's names (Identity when none given)."""
    names = params.get("activations") or ["Identity"] * (len(layer_sizes(params)) - 1)
    return [make_activation(api, name) for name in names]


def build_mlp(api, params: dict, criterion, activations=None):
    """The student's MLP with the grader's init functions; weights fixed by ``np.random.seed``.
    ``activations``: the objects to hand it (default: new ones, ``make_activations``).

    Optional params are passed only when used, so a submission without the bonus still works.
    BatchNorm layers get gamma != 1 and beta != 0 (in the student's own vector shape), after
    the contract of bn_layers is checked."""
    sizes = layer_sizes(params)
    if activations is None:
        activations = make_activations(api, params)
    options = {"momentum": float(params.get("momentum", 0.0))}
    if params.get("num_bn_layers", 0):
        options["num_bn_layers"] = int(params["num_bn_layers"])
    if params.get("weight_decay", 0.0):
        options["weight_decay"] = float(params["weight_decay"])
    np.random.seed(int(params["seed"]))
    mlp = api.MLP(sizes[0], sizes[-1], list(sizes[1:-1]), activations, weight_init, bias_init,
                  criterion, float(params.get("lr", 0.1)), **options)
    check_bn_layers(mlp, params)
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


def parameter_keys(params: dict) -> list[tuple[str, str]]:
    """(parameter, gradient) keys of the case's network, in order: mlp.W[i] with mlp.dW[i],
    mlp.b[i] with mlp.db[i], then each BatchNorm layer's gamma and beta."""
    keys = []
    for i in range(len(layer_sizes(params)) - 1):
        keys += [(f"mlp.W[{i}]", f"mlp.dW[{i}]"), (f"mlp.b[{i}]", f"mlp.db[{i}]")]
    for i in range(int(params.get("num_bn_layers", 0))):
        keys += [(f"mlp.bn_layers[{i}].gamma", f"mlp.bn_layers[{i}].dgamma"),
                 (f"mlp.bn_layers[{i}].beta", f"mlp.bn_layers[{i}].dbeta")]
    return keys


def _read(mlp, params: dict, key: str, when: str):
    """The student's value behind a key of parameter_keys (a ContractError names what is
    missing)."""
    n = len(layer_sizes(params)) - 1
    head, _, attr = key.rpartition(".")
    if head == "mlp":  # mlp.W[i], mlp.dW[i], ...
        name, _, index = attr.partition("[")
        what = {"W": "weight arrays", "b": "bias arrays", "dW": "arrays shaped like mlp.W",
                "db": "arrays shaped like mlp.b"}[name]
        return layer_list(mlp, name, n, what, when)[int(index[:-1])]
    layer = bn_layers(mlp, params)[int(head.split("[")[1][:-1])]
    value = getattr(layer, attr, MISSING)
    if value is MISSING:
        raise ContractError(f"{when}, {key} is missing: BatchNorm keeps gamma, beta, dgamma and "
                            f"dbeta as attributes")
    return value


def parameter_arrays(mlp, params: dict, when: str = "", context: str = "") -> dict[str, np.ndarray]:
    """W, b of every layer and gamma, beta of every BatchNorm layer, copied now, keyed for
    messages (``when`` becomes the key's @ suffix; ``context`` prefixes contract messages)."""
    suffix = f"@{when}" if when else ""
    context = context or (when.replace("_", " ") if when else "after MLP(...)")
    return {f"{key}{suffix}": snapshot(_read(mlp, params, key, context), key)
            for key, _ in parameter_keys(params)}


def gradient_arrays(mlp, params: dict, when: str = "", context: str = "after backward()"
                    ) -> dict[str, np.ndarray]:
    """dW, db of every layer and dgamma, dbeta of every BatchNorm layer, copied now, keyed for
    messages."""
    suffix = f"@{when}" if when else ""
    return {f"{key}{suffix}": snapshot(_read(mlp, params, key, context), key)
            for _, key in parameter_keys(params)}


def known_gradients(mlp, params: dict, step: int) -> dict[str, np.ndarray]:
    """The known gradients of a step (key -> array), in the shapes of the MLP's parameters."""
    rng = case_rng(params["seed"], stream=50 + step)
    grads = {}
    for key, grad_key in parameter_keys(params):
        grads[grad_key] = rng.standard_normal(np.shape(_read(mlp, params, key, "after MLP(...)")))
    return grads


def write_gradients(mlp, params: dict, step: int, replace_lists: bool = False) -> None:
    """Known gradients into dW, db (and dgamma, dbeta), in the shapes of their parameters.

    The grader assigns mlp.dW[i] (it never rebinds mlp.dW), as backward() would. With
    ``replace_lists``, a dW or db that is not a list of one entry per layer is replaced by a
    fresh list first (used where the student's own backward() failed to give gradients)."""
    grads = known_gradients(mlp, params, step)
    n = len(layer_sizes(params)) - 1
    if replace_lists:
        for name in ("dW", "db"):
            try:
                fits = _list_like(getattr(mlp, name, None)) and len(getattr(mlp, name)) == n
            except Exception:  # noqa: BLE001  (a list-like view whose len() fails)
                fits = False
            if not fits:
                setattr(mlp, name, [None] * n)
    for i in range(n):
        mlp.dW[i] = grads[f"mlp.dW[{i}]"]
        mlp.db[i] = grads[f"mlp.db[{i}]"]
    for i, layer in enumerate(bn_layers(mlp, params)):
        layer.dgamma = grads[f"mlp.bn_layers[{i}].dgamma"]
        layer.dbeta = grads[f"mlp.bn_layers[{i}].dbeta"]

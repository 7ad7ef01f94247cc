"""What the byomlp families share: the grader's own activations and loss gradient, building a
student's MLP, and finding each layer's parameters by BEHAVIOUR, never by attribute name.

The course names no attribute ("store as instance variables a weights matrix and a bias
matrix"), so the grader walks everything reachable from the network (attributes, lists,
tuples, dicts, layer objects) and takes, for layer k (m_k neurons after a layer of m_{k-1}):
  - its weights: a 2-D array of shape (m_k, m_{k-1}) or (m_{k-1}, m_k) (the orientation tells
    whether forward computes W @ h or h @ W);
  - its bias: an array of m_k numbers, (m_k,) as the course asks or (m_k, 1) / (1, m_k).
Every case uses distinct, non-square layer sizes, so a shape names one layer and one
orientation. A layer's accumulated gradients have the same shapes; right after add_layer they
are zero (or absent) while the parameters are drawn at random, which tells them apart. When
that is not enough (a zero bias, say), the array whose change changes forward's output is the
parameter. Paths are remembered so that after step, which may rebind the arrays, the current
ones are found again (by the same path, else by a new search).

Runs in the sandbox next to student code: NumPy, the standard library and the engine's toolkit.
"""
from __future__ import annotations

import types
from dataclasses import dataclass

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, describe, shape_text, snapshot

MAX_DEPTH = 6
MAX_NODES = 5000


# ------------------------------------------------------------------ the grader's functions

def _softsign(a):
    return a / (1.0 + np.abs(a))


def _softsign_deriv(a):
    return 1.0 / (1.0 + np.abs(a)) ** 2


def _softplus(a):
    return np.logaddexp(0.0, a)


def _logistic(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _tanh_deriv(a):
    return 1.0 - np.tanh(a) ** 2


def _logistic_deriv(a):
    s = _logistic(a)
    return s * (1.0 - s)


def _softmax(a):
    e = np.exp(a - np.max(a))
    return e / np.sum(e)


# name -> (f, fderiv). Distinct derivatives, so a derivative taken at the wrong layer, of the
# wrong value (h instead of a) or left out changes the numbers.
ACTIVATIONS = {
    "tanh": (np.tanh, _tanh_deriv),
    "softsign": (_softsign, _softsign_deriv),
    "softplus": (_softplus, _logistic),
    "logistic": (_logistic, _logistic_deriv),
    "softmax": (_softmax, None),
}


def loss_gradient(y_est, y):
    """The grader's est_lossderiv: deliberately not symmetric in its two arguments."""
    y_est = np.asarray(y_est, dtype=float)
    return 2.0 * (y_est - y) + 0.5 * y_est ** 2


# ------------------------------------------------------------------ building the network

@dataclass(frozen=True)
class Layout:
    """A case's network: sizes [d, m_1, ..., m_L], an activation name per layer, a name (or
    None) per layer, and whether the last layer gets its fderiv."""
    sizes: tuple
    activations: tuple
    names: tuple
    last_fderiv: bool

    @classmethod
    def of(cls, params: dict) -> "Layout":
        sizes = tuple(int(n) for n in params["sizes"])
        count = len(sizes) - 1
        activations = tuple(params.get("activations", ["tanh"] * count))
        names = tuple(n or None for n in params.get("names", [""] * count))
        return cls(sizes, activations, names, bool(params.get("last_fderiv", True)))

    def title(self) -> str:
        return " -> ".join(map(str, self.sizes))


def build(api, layout: Layout, seed: int = 0):
    """MLP(d, loss_gradient) with one add_layer call per layer (np.random seeded first)."""
    np.random.seed(seed)
    mlp = api.MLP(layout.sizes[0], loss_gradient)
    last = len(layout.sizes) - 2
    for k, m in enumerate(layout.sizes[1:]):
        f, fderiv = ACTIVATIONS[layout.activations[k]]
        if k == last and not layout.last_fderiv:
            fderiv = None
        mlp.add_layer(m, f, fderiv, layout.names[k])
    return mlp


# ------------------------------------------------------------------ walking the object graph

@dataclass(frozen=True)
class Found:
    """One array reachable from the network: where (steps from the root), and the array."""
    steps: tuple
    array: np.ndarray

    @property
    def where(self) -> str:
        return path_text(self.steps)


def path_text(steps) -> str:
    text = "mlp"
    for kind, key in steps:
        text += f".{key}" if kind == "attr" else f"[{key!r}]"
    return text


def _children(value):
    if isinstance(value, dict):
        return [("item", k, v) for k, v in list(value.items())
                if isinstance(k, (str, int))]
    if isinstance(value, (list, tuple)):
        return [("item", i, v) for i, v in enumerate(value)]
    if isinstance(value, (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
                          types.MethodType, str, bytes, int, float, complex, bool)):
        return []
    found = []
    attributes = getattr(value, "__dict__", None)
    if isinstance(attributes, dict):
        found += [("attr", k, v) for k, v in list(attributes.items()) if isinstance(k, str)]
    for slot in getattr(type(value), "__slots__", ()) or ():
        if isinstance(slot, str) and hasattr(value, slot):
            found.append(("attr", slot, getattr(value, slot)))
    return found


def arrays_in(root) -> list[Found]:
    """Every float ndarray reachable from ``root`` (each once, by its first path, breadth
    first), at most MAX_DEPTH steps deep."""
    seen, found = {id(root)}, []
    frontier = [((), root)]
    for _ in range(MAX_DEPTH):
        following = []
        for steps, value in frontier:
            for kind, key, child in _children(value):
                if id(child) in seen or len(seen) > MAX_NODES:
                    continue
                seen.add(id(child))
                here = steps + ((kind, key),)
                if isinstance(child, np.ndarray):
                    if child.dtype.kind == "f":
                        found.append(Found(here, child))
                else:
                    following.append((here, child))
        frontier = following
    return found


def strings_in(root) -> set:
    """Every string reachable from ``root`` (layer names, say), dict keys included (a name ->
    layer index dict)."""
    seen, found, frontier = {id(root)}, set(), [root]
    for _ in range(MAX_DEPTH):
        following = []
        for value in frontier:
            if isinstance(value, dict):
                found.update(k for k in value if isinstance(k, str))
            for _kind, _key, child in _children(value):
                if isinstance(child, str):
                    found.add(child)
                elif id(child) not in seen and len(seen) <= MAX_NODES:
                    seen.add(id(child))
                    following.append(child)
        frontier = following
    return found


def follow(root, steps):
    """The value at ``steps`` from ``root`` now, or None."""
    value = root
    try:
        for kind, key in steps:
            value = getattr(value, key) if kind == "attr" else value[key]
    except (AttributeError, KeyError, IndexError, TypeError):
        return None
    return value


# ------------------------------------------------------------------ one layer's parameters

@dataclass
class LayerParameters:
    """Layer k's weights and bias as the student keeps them. ``transposed``: W is stored
    (m_{k-1}, m_k) and used as h @ W."""
    k: int
    weights: Found
    bias: Found
    transposed: bool

    def set(self, W: np.ndarray, b: np.ndarray) -> None:
        """Write the grader's W (m, prev) and b (m,) into the student's arrays, in place."""
        self.weights.array[...] = W.T if self.transposed else W
        self.bias.array[...] = b.reshape(self.bias.array.shape)

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of W as (m, prev) and b as (m,)."""
        W = snapshot(self.weights.array, self.weights.where)
        return (W.T if self.transposed else W), snapshot(self.bias.array, self.bias.where).ravel()


def _weight_candidates(found, m: int, prev: int):
    return [(f, f.array.shape == (prev, m)) for f in found
            if f.array.ndim == 2 and f.array.shape in ((m, prev), (prev, m))]


def _bias_candidates(found, m: int):
    return [f for f in found if f.array.shape in ((m,), (m, 1), (1, m))]


def _changes_output(mlp, candidate: Found, probe_x: np.ndarray, rng) -> bool:
    """Whether changing the candidate in place changes forward(probe_x): the parameters do;
    a gradient or a remembered intermediate value does not. The candidate is restored."""
    saved = candidate.array.copy()
    try:
        before = snapshot(mlp.forward(probe_x.copy()), "mlp.forward(x)")
        candidate.array[...] = saved + rng.standard_normal(saved.shape)
        after = snapshot(mlp.forward(probe_x.copy()), "mlp.forward(x)")
    finally:
        candidate.array[...] = saved
    return before.shape != after.shape or not np.allclose(before, after, rtol=0, atol=1e-12)


def _choose(mlp, candidates: list, probe_x, rng, what: str):
    """The one parameter among same-shaped candidates (see the module's docstring)."""
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    array_of = (lambda c: c[0].array) if isinstance(candidates[0], tuple) else (lambda c: c.array)
    non_zero = [c for c in candidates if np.any(array_of(c) != 0)]
    if len(non_zero) == 1:
        return non_zero[0]
    moving = [c for c in (non_zero or candidates)
              if _changes_output(mlp, c[0] if isinstance(c, tuple) else c, probe_x, rng)]
    if len(moving) == 1:
        return moving[0]
    places = ", ".join((c[0] if isinstance(c, tuple) else c).where for c in candidates)
    raise ContractError(f"{what}: several arrays of that shape ({places}) and the grader "
                        f"could not tell which one forward uses")


def find_parameters(mlp, layout: Layout, rng=None) -> list[LayerParameters]:
    """Every layer's weights and bias (see the module's docstring); a ContractError that says
    what was looked for when a layer's cannot be found."""
    rng = rng or case_rng(0, 99)
    found = arrays_in(mlp)
    probe_x = rng.standard_normal(layout.sizes[0])
    layers = []
    for k in range(len(layout.sizes) - 1):
        prev, m = layout.sizes[k], layout.sizes[k + 1]
        what = (f"layer {k + 1} of {layout.title()} (add_layer({m}, ...) after a layer of "
                f"{prev})")
        weights = _choose(mlp, _weight_candidates(found, m, prev), probe_x, rng,
                          f"{what}: its weights")
        if weights is None:
            raise ContractError(f"{what}: looked for its weights, a 2-D array of shape "
                                f"{shape_text((m, prev))} or {shape_text((prev, m))}, in "
                                f"everything the MLP keeps (attributes, lists, dicts, layer "
                                f"objects) and found none; {_inventory(found)}")
        bias = _choose(mlp, _bias_candidates(found, m), probe_x, rng, f"{what}: its bias")
        if bias is None:
            raise ContractError(f"{what}: looked for its bias, an array of shape "
                                f"{shape_text((m,))}, in everything the MLP keeps and found "
                                f"none; {_inventory(found)}")
        layers.append(LayerParameters(k, weights[0], bias, weights[1]))
    return layers


def refind(mlp, layout: Layout, before: list[LayerParameters], rng=None) -> list[LayerParameters]:
    """The parameters after a step that may have rebound them: the arrays now at the same
    paths when they still have the shapes, else a new search."""
    current = []
    for layer in before:
        weights = follow(mlp, layer.weights.steps)
        bias = follow(mlp, layer.bias.steps)
        if (isinstance(weights, np.ndarray) and weights.shape == layer.weights.array.shape
                and isinstance(bias, np.ndarray) and bias.shape == layer.bias.array.shape):
            current.append(LayerParameters(layer.k, Found(layer.weights.steps, weights),
                                           Found(layer.bias.steps, bias), layer.transposed))
        else:
            return find_parameters(mlp, layout, rng)
    return current


def _inventory(found) -> str:
    if not found:
        return "the MLP holds no float arrays at all"
    shown = ", ".join(f"{f.where} {shape_text(f.array.shape)}" for f in found[:8])
    more = f" and {len(found) - 8} more" if len(found) > 8 else ""
    return f"the arrays it holds: {shown}{more}"


# ------------------------------------------------------------------ the grader's parameters

def grader_parameters(layout: Layout, seed: int, zero_bias: bool = False) -> list:
    """[(W (m, prev), b (m,))] per layer, from the case's own stream (scale ~0.5)."""
    rng = case_rng(seed, 3)
    values = []
    for prev, m in zip(layout.sizes[:-1], layout.sizes[1:]):
        W = rng.standard_normal((m, prev)) * (1.2 / np.sqrt(prev))
        b = np.zeros(m) if zero_bias else rng.standard_normal(m) * 0.5
        values.append((W, b))
    return values


def install(mlp, layout: Layout, seed: int, zero_bias: bool = False):
    """Find the student's parameters and write the grader's into them; returns (found
    parameters, the grader's values)."""
    layers = find_parameters(mlp, layout, case_rng(seed, 5))
    values = grader_parameters(layout, seed, zero_bias)
    for layer, (W, b) in zip(layers, values):
        layer.set(W, b)
    return layers, values


def output(value, name: str, size: int) -> np.ndarray:
    """A copy of what forward returned, which must hold ``size`` numbers (one example)."""
    array = snapshot(value, name)
    if array.size != size:
        raise ContractError(f"{name} must return the {size} outputs of one example, shape "
                            f"{shape_text((size,))}; got {describe(value)}")
    return array.reshape(size)


def scalar(arrays: dict, key: str) -> float:
    """The one number saved under ``key`` (trusted side)."""
    value = np.asarray(arrays[key], dtype=float).reshape(-1)
    if value.size != 1:
        raise ValueError(f"{key}: expected one number, got shape {value.shape}")
    return float(value[0])

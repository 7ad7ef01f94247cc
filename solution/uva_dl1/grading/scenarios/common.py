"""What the uva_dl1 case families share on the NumPy side: calling the student's code with
floating-point warnings as errors, snapshots, the grader's inputs, and reading and writing a
LinearModule's parameters in whichever layout the student chose.

Layouts the course's own tests accept, and so the grader too: params['weight'] stored
(out, in) as the text says, or (in, out) for a module that computes x @ W; a bias (out,),
(out, 1) or (1, out). Every case uses non-square layers, so the layout is always decidable.
Whatever the layout, the arrays sent back are in the text's: weights (out, in), biases (out,).

Runs in the sandbox next to the student's code: NumPy, the standard library and the engine's
toolkit only (the PyTorch families import torch inside their ``run``).
"""
from __future__ import annotations


import numpy as np

from autograder.scenarios.toolkit import (ContractError, describe, shape_text,
                                          warnings_as_errors)
from autograder.scenarios.toolkit import snapshot as toolkit_snapshot


def strict(what: str):
    """Overflow, division by zero and invalid operations inside the block become errors naming
    ``what`` (an exp that overflows, a log of zero): the toolkit's warnings_as_errors."""
    return warnings_as_errors(what, " (the inputs of this case are ordinary: keep every "
                                    "intermediate value finite)")


def call(what: str, function, *args, **kwargs):
    with strict(what):
        return function(*args, **kwargs)


def snapshot(value, name: str) -> np.ndarray:
    """A float64 copy taken now (the engine's toolkit snapshot; booleans refused)."""
    if isinstance(value, (np.ndarray, np.bool_)) and value.dtype == bool:
        raise ContractError(f"{name}: got booleans; expected float numbers")
    return toolkit_snapshot(value, name)


def flag_of(arrays: dict, key: str) -> float:
    """The one number ``arrays[key]`` holds (a 0/1 flag), or NaN when it is missing or not
    one number (the trusted side reads what came back from the sandbox with this)."""
    value = np.asarray(arrays.get(key, np.nan), dtype=float).reshape(-1)
    return float(value[0]) if value.size == 1 else float("nan")


def scalar(value, name: str) -> np.ndarray:
    copy = snapshot(value, name)
    if copy.size != 1:
        raise ContractError(f"{name} must be a single number; got {describe(value)}")
    return copy.reshape(())


# ------------------------------------------------------------------ inputs

def away_from_zero(rng: np.random.RandomState, shape, low: float = 0.2,
                   high: float = 2.5) -> np.ndarray:
    """|x| in [low, high] with random signs: both sides of a kink are always present."""
    shape = tuple(shape)
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def one_hot(rng: np.random.RandomState, batch: int, classes: int) -> np.ndarray:
    labels = rng.randint(classes, size=batch)
    labels[: min(batch, classes)] = np.arange(min(batch, classes))  # several classes present
    rng.shuffle(labels)
    return np.eye(classes)[labels]


def grader_linear(rng: np.random.RandomState, fan_in: int, fan_out: int):
    """Weights (fan_out, fan_in) of unit scale / sqrt(fan_in) and a bias (fan_out,) of
    magnitude 0.3 .. 1.5 with alternating signs: a forgotten bias always shows."""
    weight = rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)
    bias = rng.uniform(0.3, 1.5, fan_out) * np.where(np.arange(fan_out) % 2 == 0, 1.0, -1.0)
    return weight, bias


# ------------------------------------------------------------------ LinearModule layouts

BIAS_LAYOUTS = ("(out,)", "(out, 1)", "(1, out)")


def _dict_entry(layer, attr: str, key: str, where: str):
    table = getattr(layer, attr, None)
    if not isinstance(table, dict):
        got = describe(table) if hasattr(layer, attr) else "no such attribute"
        raise ContractError(f"after {where}, the module's {attr} must be a dict with the keys "
                            f"'weight' and 'bias'; got {got}")
    if key not in table:
        raise ContractError(f"after {where}, {attr} has no key {key!r} "
                            f"(keys: {', '.join(map(repr, table)) or 'none'})")
    return table[key]


def weight_layout(layer, fan_in: int, fan_out: int, where: str) -> str:
    """"out_in" for params['weight'] (fan_out, fan_in), "in_out" for (fan_in, fan_out)."""
    weight = _dict_entry(layer, "params", "weight", where)
    shape = getattr(weight, "shape", None)
    if not isinstance(weight, np.ndarray) or not np.issubdtype(weight.dtype, np.floating):
        raise ContractError(f"after {where}, params['weight'] must be a float array; got "
                            f"{describe(weight)}")
    if shape == (fan_out, fan_in):
        return "out_in"
    if shape == (fan_in, fan_out):
        return "in_out"
    raise ContractError(f"after {where}, params['weight'] must have shape "
                        f"{shape_text((fan_out, fan_in))} (out_features, in_features), or "
                        f"{shape_text((fan_in, fan_out))} if your forward computes x @ W; "
                        f"got {describe(weight)}")


def bias_array(layer, attr: str, fan_out: int, where: str) -> np.ndarray:
    """params['bias'] or grads['bias']: a float array of shape (out,), (out, 1) or (1, out)."""
    bias = _dict_entry(layer, attr, "bias", where)
    ok = isinstance(bias, np.ndarray) and bias.shape in ((fan_out,), (fan_out, 1), (1, fan_out))
    if not ok or not np.issubdtype(bias.dtype, np.floating):
        hint = (" (a gradient must be summed over the batch)"
                if attr == "grads" and isinstance(bias, np.ndarray) and bias.ndim == 2
                and fan_out in bias.shape else "")
        raise ContractError(f"after {where}, {attr}['bias'] must be a float array of shape "
                            f"({fan_out},), ({fan_out}, 1) or (1, {fan_out}); got "
                            f"{describe(bias)}{hint}")
    return bias


def set_linear(layer, weight: np.ndarray, bias: np.ndarray, where: str) -> str:
    """Write the grader's weight (out, in) and bias (out,) into the student's arrays, in place
    and in their own layout; returns the layout."""
    fan_out, fan_in = weight.shape
    layout = weight_layout(layer, fan_in, fan_out, where)
    target = layer.params["weight"]
    target[...] = weight if layout == "out_in" else weight.T
    own_bias = bias_array(layer, "params", fan_out, where)
    own_bias[...] = bias.reshape(own_bias.shape)
    return layout


def read_weight_grad(layer, layout: str, fan_in: int, fan_out: int, where: str,
                     name: str) -> np.ndarray:
    """grads['weight'] in the text's layout (out, in), after checking it matches the weight's."""
    grad = _dict_entry(layer, "grads", "weight", where)
    expected = (fan_out, fan_in) if layout == "out_in" else (fan_in, fan_out)
    if not isinstance(grad, np.ndarray) or grad.shape != expected:
        raise ContractError(f"after {where}, grads['weight'] must be an array shaped like "
                            f"params['weight'] {shape_text(expected)}; got {describe(grad)}")
    copy = snapshot(grad, name)
    return copy if layout == "out_in" else copy.T


def read_bias(layer, attr: str, fan_out: int, where: str, name: str) -> np.ndarray:
    return snapshot(bias_array(layer, attr, fan_out, where), name).reshape(fan_out)


def find_linear_modules(root, limit: int = 64) -> list:
    """The objects with a ``params`` dict holding 'weight' reachable from ``root``'s attributes
    (through lists, tuples and dicts, three levels deep), in the order they are stored."""
    found, seen = [], set()

    def visit(value, depth):
        if id(value) in seen or depth > 3 or len(found) >= limit:
            return
        seen.add(id(value))
        if isinstance(getattr(value, "params", None), dict) and "weight" in value.params:
            found.append(value)
            return
        if isinstance(value, (list, tuple)):
            children = list(value)
        elif isinstance(value, dict):
            children = list(value.values())
        elif hasattr(value, "__dict__") and not isinstance(value, (type, np.ndarray)):
            children = list(vars(value).values())
        else:
            return
        for child in children:
            visit(child, depth + 1)

    visit(root, 0)
    return found

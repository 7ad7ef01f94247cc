"""Activation classes on their own: forward output, ``state`` and ``derivative()``.

params: cls (Sigmoid | Tanh | ReLU | LeakyReLU), seed, shape, scale (std of the bulk of the
inputs), extreme (optional: magnitude planted in about a quarter of the entries), zeros
(optional: number of exact zeros), alpha (optional, LeakyReLU only), side_effects (optional:
also return the array forward() returned AS IT IS after derivative(), to catch a derivative()
that overwrites it in place).

Every output is copied the moment it is returned (``snapshot``), so forward and state are graded
on their values at that moment: a derivative() that overwrites self.state in place, when
self.state is the array forward() returned, costs only the side_effects case of the item, with
its own message (``check``), never a "wrong forward".
"""
from __future__ import annotations

import numpy as np

from autograder.compare import compare_arrays
from .common import case_rng, keeping_partial, snapshot, spread_inputs

AFTER = "@after_derivative"
SHARES = "@shares_memory_with_state"  # 1.0 when forward's result and state share memory


def make_inputs(params: dict) -> np.ndarray:
    return spread_inputs(case_rng(params["seed"]), tuple(params["shape"]),
                             scale=float(params.get("scale", 3.0)),
                             extreme=float(params.get("extreme", 0.0)),
                             zeros=int(params.get("zeros", 0)))


def run(api, params: dict) -> dict[str, np.ndarray]:
    cls = getattr(api, params["cls"])
    act = cls(alpha=float(params["alpha"])) if "alpha" in params else cls()
    name = params["cls"]
    x = make_inputs(params)
    arrays = {}
    with keeping_partial(arrays):
        out = act(x.copy())
        arrays[f"{name}.forward"] = snapshot(out, f"{name}.forward")
        state = act.state
        arrays[f"{name}.state"] = snapshot(state, f"{name}.state")
        arrays[f"{name}.derivative"] = snapshot(act.derivative(), f"{name}.derivative")
        if params.get("side_effects"):
            arrays[f"{name}.forward{AFTER}"] = snapshot(out, f"{name}.forward")
            shared = (isinstance(out, np.ndarray) and isinstance(state, np.ndarray)
                      and np.shares_memory(out, state))
            arrays[f"{name}.forward{SHARES}"] = np.array(float(shared))
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """Every array as usual; in a side_effects case, forward's array after derivative() must
    still hold forward's values. When it does not, but forward's values were right when
    returned, the message says what happened instead of blaming forward."""
    name = params["cls"]
    after, shares = f"{name}.forward{AFTER}", f"{name}.forward{SHARES}"
    messages = compare.all(got, {k: v for k, v in expected.items() if k not in (after, shares)},
                           params)
    if after not in expected:
        return messages
    forward = f"{name}.forward"
    if forward not in got or compare_arrays(forward, got[forward], expected[forward]):
        return messages  # forward itself is wrong or missing: already said
    if after not in got:
        return messages + [f"{name}.forward (after derivative): missing (the case stopped "
                           f"before producing it)"]
    if compare_arrays(after, got[after], expected[after]) is None:
        return messages
    same = shares in got and got[shares].size == 1 and float(got[shares].reshape(-1)[0]) == 1.0
    what = ("(self.state is that same array)" if same else
            "(an array forward() also kept)")
    return messages + [f"{name}.derivative() changed, in place, the array forward() returned "
                       f"{what}: forward's values were right, but derivative() must return a "
                       f"new array and leave self.state alone"]

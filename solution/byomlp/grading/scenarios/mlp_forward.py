"""MLP.forward on one example, with the grader's parameters written into the student's arrays.

The network is built with add_layer (the grader's activations, common.py), its parameters are
found by shape and behaviour and overwritten in place, then forward is asked for each query:
the whole network, from a named layer's input (start), up to a named layer's output (end), or
both. Keys name the call: forward_from_<start or input>_to_<end or output>.

params: seed, sizes [d, m_1, ...] (distinct, so no weight matrix is square), activations,
names ("" for an unnamed layer), last_fderiv, queries [[start, end], ...] ("" for None),
zero_bias (default false).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import Layout, build, install, output


def query_key(start: str, end: str) -> str:
    return f"forward_from_{start or 'input'}_to_{end or 'output'}"


def run(api, params: dict) -> dict[str, np.ndarray]:
    layout = Layout.of(params)
    seed = int(params["seed"])
    mlp = build(api, layout, seed)
    install(mlp, layout, seed, bool(params.get("zero_bias", False)))
    rng = case_rng(seed, 7)
    names = list(layout.names)
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        for start, end in params["queries"]:
            first = names.index(start) if start else 0
            last = names.index(end) if end else len(names) - 1
            x = rng.standard_normal(layout.sizes[first])
            kwargs = {k: v for k, v in (("start", start), ("end", end)) if v}
            call = ", ".join(["x"] + [f"{k}={v!r}" for k, v in kwargs.items()])
            arrays[query_key(start, end)] = output(
                mlp.forward(x.copy(), **kwargs), f"mlp.forward({call})", layout.sizes[last + 1])
    return arrays

"""SGD.__init__: which layers it keeps, and the velocities it starts from.

SGD(layers, lr=..., momentum=...) with momentum > 0 must keep in sgd.layers the layers that
have a W, in the order given, and create sgd.velocities: one (v_W, v_b) pair of zero arrays per
kept layer, shaped like its W and b. Nothing is stepped; the layers are built as in the sgd
family.

params: seed, dims, activation, lr, momentum (> 0).

Arrays: sgd.layers (for each kept layer, its position in the list SGD was given; -1 for an
object that is not one of them) and sgd.velocities[j].v_W, sgd.velocities[j].v_b.
"""
from __future__ import annotations

import numpy as np

from .common import ContractError, compare_keys, describe, snapshot
from .sgd import build_layers, make_sgd


def run(api, params: dict) -> dict[str, np.ndarray]:
    layers, positions = build_layers(api, params)
    sgd = make_sgd(api, layers, params)
    kept = getattr(sgd, "layers", None)
    if not isinstance(kept, (list, tuple)):
        raise ContractError(f"sgd.layers must be the list of the layers that have a W; got "
                            f"{describe(kept) if hasattr(sgd, 'layers') else 'no such attribute'}")
    where = [next((i for i, layer in enumerate(layers) if layer is obj), -1) for obj in kept]
    arrays = {"sgd.layers": np.array(where, dtype=float)}
    velocities = getattr(sgd, "velocities", None)
    if not isinstance(velocities, (list, tuple)) or len(velocities) != len(positions):
        got = describe(velocities) if hasattr(sgd, "velocities") else "no such attribute"
        raise ContractError(f"with momentum > 0, sgd.velocities must be a list of one (v_W, v_b) "
                            f"pair per layer that has a W ({len(positions)} here); got {got}")
    for j, pair in enumerate(velocities):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ContractError(f"sgd.velocities[{j}] must be a (v_W, v_b) pair; "
                                f"got {describe(pair)}")
        arrays[f"sgd.velocities[{j}].v_W"] = snapshot(pair[0], f"sgd.velocities[{j}][0] (v_W)")
        arrays[f"sgd.velocities[{j}].v_b"] = snapshot(pair[1], f"sgd.velocities[{j}][1] (v_b)")
    return arrays


def check(got: dict, expected: dict, params: dict) -> list[str]:
    messages = []
    want, have = np.ravel(expected["sgd.layers"]), np.ravel(got.get("sgd.layers", []))
    if want.shape != have.shape or not np.array_equal(want, have):
        def names(where):
            return "[" + ", ".join(f"layers[{int(i)}]" if i >= 0 else "another object"
                                   for i in where) + "]"
        messages.append(f"sgd.layers must hold the layers that have a W, in the order given: "
                        f"{names(want)}; got {names(have)}")
    return messages + compare_keys(got, expected, params,
                                   [k for k in expected if k != "sgd.layers"])

"""MLP.forward with the grader's init functions (and BatchNorm layers with gamma != 1, beta != 0).

params: seed, input_size, output_size, hiddens, activations (names: Identity, Softsign (the
grader's), or a student class), batch, input_scale, num_bn_layers, warmup (train-mode forward
passes on other batches before the graded one, to move the running statistics), eval (switch
to eval mode with mlp.eval() before the graded forward). Outputs are copied when returned or
read (``snapshot``).
"""
from __future__ import annotations

import numpy as np

from .common import (ProbeCriterion, bn_layers, build_mlp, keeping_partial,
                                         mlp_batch, snapshot)


def running_stats(mlp, params: dict, when: str) -> dict[str, np.ndarray]:
    arrays = {}
    for i, layer in enumerate(bn_layers(mlp, params)):
        for name in ("running_mean", "running_var"):
            key = f"mlp.bn_layers[{i}].{name}"
            arrays[f"{key}@{when}"] = snapshot(getattr(layer, name), key)
    return arrays


def run(api, params: dict) -> dict[str, np.ndarray]:
    x, _, upstream = mlp_batch(params, 0)
    mlp = build_mlp(api, params, ProbeCriterion(upstream))
    arrays = {}
    with keeping_partial(arrays):
        for k in range(int(params.get("warmup", 0))):
            mlp.forward(mlp_batch(params, 1 + k)[0])
        if params.get("warmup"):
            arrays.update(running_stats(mlp, params, "after_training_batches"))
        if params.get("eval"):
            mlp.eval()
        key = "mlp.forward" + ("@eval_mode" if params.get("eval") else "")
        arrays[key] = snapshot(mlp.forward(x), "mlp.forward")
        if params.get("eval"):
            arrays.update(running_stats(mlp, params, "after_eval_forward"))
    return arrays

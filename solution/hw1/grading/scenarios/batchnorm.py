"""The BatchNorm layer on its own, with gamma != 1 and beta != 0.

params: seed, fan_in, batch, alpha (optional, passed to the constructor), small_var (feature 0
gets std 1e-4 around 0, so where eps goes matters), constant_feature (index of a feature that
is constant over the batch), steps (training batches before the graded part), eval_batch
(optional: batch size of the graded batch in inference mode), mode:
  forward      out = bn(x) in training mode
  attributes   bn.mean, bn.var, bn.norm after bn(x)
  backward     dx = bn.backward(delta), bn.dgamma, bn.dbeta after bn(x)
  running      running_mean, running_var after each of `steps` training batches
  inference    bn(x, eval=True) after `steps` training batches; running stats unchanged by it
Every output is copied the moment it is returned or read (``snapshot``).
"""
from __future__ import annotations

import numpy as np

from .common import (MISSING, ContractError, array_shape, case_rng,
                                         keeping_partial, set_affine, shape_text, snapshot)


def make_batch(params: dict, step: int) -> np.ndarray:
    """(batch, fan_in): features of std 0.5..3 around means in [-2, 2], plus the edge features."""
    rng = case_rng(params["seed"], stream=1 + step)
    batch, fan_in = int(params["batch"]), int(params["fan_in"])
    if step == 0 and "eval_batch" in params:
        batch = int(params["eval_batch"])
    std = rng.uniform(0.5, 3.0, fan_in)
    mean = rng.uniform(-2.0, 2.0, fan_in)
    x = rng.standard_normal((batch, fan_in)) * std + mean
    if params.get("small_var"):
        x[:, 0] = rng.standard_normal(batch) * 1e-4
    if "constant_feature" in params:
        x[:, int(params["constant_feature"])] = 0.7
    return x


def make_layer(api, params: dict):
    fan_in = int(params["fan_in"])
    bn = (api.BatchNorm(fan_in, alpha=float(params["alpha"])) if "alpha" in params
          else api.BatchNorm(fan_in))
    wanted = [(1, fan_in), (fan_in,)]
    text = " or ".join(shape_text(s) for s in wanted)
    when = f"after BatchNorm({fan_in})"
    for attr in ("gamma", "beta"):
        shape = array_shape(getattr(bn, attr, MISSING), f"bn.{attr}", text, when)
        if shape not in wanted:
            raise ContractError(f"{when}, bn.{attr} has shape {shape_text(shape)}; "
                                f"expected {text}")
    set_affine(bn, case_rng(params["seed"], stream=99))
    return bn


def run(api, params: dict) -> dict[str, np.ndarray]:
    bn = make_layer(api, params)
    mode = params["mode"]
    arrays = {}

    def keep(key: str, value) -> None:  # copied now, before the next call into the student's code
        arrays[key] = snapshot(value, key.partition("@")[0])

    with keeping_partial(arrays):
        for step in range(int(params.get("steps", 0))):
            bn(make_batch(params, 1 + step))
            if mode == "running":
                when = f"@after_batch_{step + 1}"
                keep("bn.running_mean" + when, bn.running_mean)
                keep("bn.running_var" + when, bn.running_var)
        x = make_batch(params, 0)
        if mode == "forward":
            keep("bn.forward", bn(x))
        elif mode == "attributes":
            bn(x)
            for name in ("mean", "var", "norm"):
                keep(f"bn.{name}", getattr(bn, name))
        elif mode == "backward":
            bn(x)
            delta = case_rng(params["seed"], stream=77).standard_normal(x.shape)
            keep("bn.backward", bn.backward(delta))
            keep("bn.dgamma", bn.dgamma)
            keep("bn.dbeta", bn.dbeta)
        elif mode == "inference":
            keep("bn.forward@eval_mode", bn(x, eval=True))
            keep("bn.running_mean@after_eval_forward", bn.running_mean)
            keep("bn.running_var@after_eval_forward", bn.running_var)
        elif mode != "running":
            raise ValueError(f"unknown batchnorm case mode {mode!r}")
    return arrays

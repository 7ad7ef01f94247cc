"""custom_batchnorm.CustomBatchNormAutograd: parameters, the normalisation (always with the
batch's own statistics, variance without Bessel's correction) and its shape check.

params: seed, batch, neurons, eps (passed only when given), mode:
  init         gamma (ones) and beta (zeros), nn.Parameters named gamma and beta
  forward      the grader's gamma and beta, float64: out = module(x), and the gradients
               autograd finds through it for input, gamma and beta (of sum(out * g))
  shape_check  a 2-D input with one neuron too many, a 3-D input and a 1-D input: each must
               raise (1 per input that raised, in that order)
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import case_rng, keeping_partial

from .common import call
from .torch_common import fill, named_parameter, raises, tensor, to_array

WRONG_SHAPES = ("(batch, neurons + 1)", "(batch, neurons, 2)", "(neurons,)")


def wrong_inputs(batch: int, neurons: int) -> list[np.ndarray]:
    return [np.ones((batch, neurons + 1)), np.ones((batch, neurons, 2)), np.ones(neurons)]


def construct(cls, params: dict):
    neurons = int(params["neurons"])
    if "eps" in params:
        return call(f"{cls.__name__}({neurons}, eps={params['eps']})", cls, neurons,
                    float(params["eps"]))
    return call(f"{cls.__name__}({neurons})", cls, neurons)


def exercise(module, params: dict, label: str) -> dict[str, np.ndarray]:
    """What both BatchNorm modules' cases do (the ``mode`` of the params)."""
    import torch
    rng = case_rng(params["seed"])
    batch, neurons = int(params["batch"]), int(params["neurons"])
    where = type(module).__name__
    gamma = named_parameter(module, "gamma", neurons, where)
    beta = named_parameter(module, "beta", neurons, where)
    mode = params["mode"]
    if mode == "init":
        return {f"{label}.init.gamma": to_array(gamma, "gamma"),
                f"{label}.init.beta": to_array(beta, "beta")}
    if mode == "shape_check":
        module.double()
        return {f"{label}.raised_on_wrong_shape": np.array(
            [float(raises(module, tensor(x))) for x in wrong_inputs(batch, neurons)])}
    fill(gamma, rng.uniform(0.5, 2.0, neurons), "gamma")
    fill(beta, rng.standard_normal(neurons), "beta")
    module.double()
    x = tensor(rng.standard_normal((batch, neurons)) * 3.0 + rng.standard_normal(neurons) * 2.0,
               requires_grad=True)
    g = tensor(rng.standard_normal((batch, neurons)))
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        out = module(x)
        arrays[f"{label}.out"] = to_array(out, f"the value {where}(x) returned")
        (out * g).sum().backward()
        for name, value in (("grad_input", x), ("grad_gamma", module.gamma),
                            ("grad_beta", module.beta)):
            arrays[f"{label}.{name}"] = to_array(value.grad, f"the gradient of {name[5:]}")
    return arrays


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    torch.manual_seed(int(params["seed"]))
    module = construct(api.custom_batchnorm.CustomBatchNormAutograd, params)
    return exercise(module, params, "bn_autograd")


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    return shape_check_messages(got, expected, params, compare, "CustomBatchNormAutograd")


def shape_check_messages(got, expected, params, compare, cls: str) -> list[str]:
    """A shape-check case names every wrong input that went through without an exception."""
    keys = [k for k in expected if k.endswith("raised_on_wrong_shape")]
    if not keys:
        return compare.all(got, expected, params)
    raised = np.asarray(got.get(keys[0], []), dtype=float).reshape(-1)
    if raised.shape != (len(WRONG_SHAPES),):
        return [f"{cls}: the shape check could not be run"]
    neurons = int(params["neurons"])
    return [f"{cls}({neurons}).forward accepted an input of shape {shape} without raising: "
            f"forward must check that its input is (batch, {neurons})"
            for shape, flag in zip(WRONG_SHAPES, raised) if flag != 1.0]

"""custom_batchnorm.CustomBatchNormManualFunction called through apply, as autograd calls it.

params: seed, batch, neurons, eps, mode:
  pattern    needs = [input, gamma, beta] (booleans, not all false): only those tensors
             require a gradient. The output, the gradients autograd delivers (of sum(out * g))
             for the tensors that need one, and for each of the three which backward returned
             None (1) or a tensor (0): the text asks for None exactly where
             ctx.needs_input_grad is False. A crash (a name only defined for another pattern)
             fails the case.
  gradcheck  torch.autograd.gradcheck of apply in float64, every tensor requiring a gradient:
             1 if it passed (an exception in forward or backward fails the case with it)
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, keeping_partial
from .common import flag_of
from .torch_common import tensor, to_array

NAMES = ("input", "gamma", "beta")


def inputs(params: dict):
    rng = case_rng(params["seed"])
    batch, neurons = int(params["batch"]), int(params["neurons"])
    x = rng.standard_normal((batch, neurons)) * 2.0 + rng.standard_normal(neurons)
    gamma = rng.uniform(0.5, 2.0, neurons)
    beta = rng.standard_normal(neurons)
    g = rng.standard_normal((batch, neurons))
    return x, gamma, beta, g


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    function = api.custom_batchnorm.CustomBatchNormManualFunction
    eps = float(params["eps"])
    x, gamma, beta, g = inputs(params)
    if params["mode"] == "gradcheck":
        small = [tensor(a, requires_grad=True) for a in (x, gamma, beta)]
        # A mismatch returns False; an exception of the student's code fails the case with it.
        passed = torch.autograd.gradcheck(lambda *t: function.apply(*t, eps), tuple(small),
                                          eps=1e-6, atol=1e-5, raise_exception=False)
        return {"bn_function.gradcheck_passed": np.array(float(passed))}
    needs = [bool(n) for n in params["needs"]]
    returned = []

    class Recorded(function):
        @staticmethod
        def backward(ctx, *grads):
            result = function.backward(ctx, *grads)
            returned.append(result)
            return result

    tensors = [tensor(a, requires_grad=need) for a, need in zip((x, gamma, beta), needs)]
    arrays: dict[str, np.ndarray] = {}
    with keeping_partial(arrays):
        out = Recorded.apply(*tensors, eps)
        arrays["bn_function.out"] = to_array(out, "the value apply(input, gamma, beta, eps) "
                                                  "returned")
        (out * tensor(g)).sum().backward()
        for name, t, need in zip(NAMES, tensors, needs):
            if need:
                arrays[f"bn_function.grad_{name}"] = to_array(t.grad, f"the gradient of {name}")
        result = returned[0] if returned else None
        if isinstance(result, torch.Tensor):
            result = (result,)
        if not isinstance(result, tuple) or len(result) < 3:
            raise ContractError("backward must return (grad_input, grad_gamma, grad_beta, None)")
        arrays["bn_function.returned_none"] = np.array([float(r is None) for r in result[:3]])
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    if "bn_function.gradcheck_passed" in expected:
        if flag_of(got, "bn_function.gradcheck_passed") == 1.0:
            return []
        return ["torch.autograd.gradcheck(CustomBatchNormManualFunction.apply, ...) failed in "
                "float64: the hand-written backward disagrees with finite differences of "
                "forward"]
    key = "bn_function.returned_none"
    messages = compare.all(got, {k: v for k, v in expected.items() if k != key}, params)
    if key in got and key in expected:
        flags = np.asarray(got[key]).reshape(-1)
        needs = [bool(n) for n in params["needs"]]
        for name, need, flag in zip(NAMES, needs, flags):
            if not need and flag != 1.0:
                messages.append(f"backward returned a gradient for {name} although "
                                f"ctx.needs_input_grad says it needs none: return None there "
                                f"(and skip the computation)")
            elif need and flag == 1.0:
                messages.append(f"backward returned None for {name}, which needs a gradient")
    elif key in expected:
        messages.append("backward's return value: missing (the case stopped before it)")
    return messages

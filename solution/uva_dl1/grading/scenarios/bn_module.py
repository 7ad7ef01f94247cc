"""custom_batchnorm.CustomBatchNormManualModule: parameters, shape check, and a forward pass
through CustomBatchNormManualFunction (the grader counts the Function's calls).

params: as bn_autograd's (modes init, forward, shape_check); a forward case also reports
whether the module's forward called the Function.
"""
from __future__ import annotations

import numpy as np

from .common import flag_of
from .bn_autograd import construct, exercise, shape_check_messages


def run(api, params: dict) -> dict[str, np.ndarray]:
    import torch
    torch.manual_seed(int(params["seed"]))
    source = api.custom_batchnorm
    function = source.CustomBatchNormManualFunction
    calls = []

    class Counted(function):
        @staticmethod
        def forward(ctx, *args, **kwargs):
            calls.append(1)
            return function.forward(ctx, *args, **kwargs)

    source.CustomBatchNormManualFunction = Counted  # what the module finds by that name
    try:
        module = construct(source.CustomBatchNormManualModule, params)
        arrays = exercise(module, params, "bn_module")
    finally:
        source.CustomBatchNormManualFunction = function
    if params["mode"] == "forward":
        arrays["bn_module.called_the_function"] = np.array(float(bool(calls)))
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    key = "bn_module.called_the_function"
    if key in expected and flag_of(got, key) != 1.0:
        rest = {k: v for k, v in expected.items() if k != key}
        return ["CustomBatchNormManualModule.forward never called "
                "CustomBatchNormManualFunction.apply: part 3.2 asks the module to use the "
                "Function"] + compare.all(got, rest, params)
    return shape_check_messages(got, expected, params, compare, "CustomBatchNormManualModule")

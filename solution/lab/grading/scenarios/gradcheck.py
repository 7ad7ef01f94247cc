"""Part A.4 of the notebook ran and passed: its comparison with autograd (``max_difference``,
which the notebook asserts is below 1e-10) and its ``torch.autograd.gradcheck`` of the layer
whose backward is linear_backward.

What the notebook prints is not trusted: the grader wraps gradcheck before the notebook runs
(common.py) and records each call: that it returned True, on float64 inputs, and that the
notebook's linear_backward ran inside it (a gradcheck of autograd's own layer checks nothing of
the student's). ``max_difference`` must be a number below ``max_difference`` (params), and the
notebook must run to its end.

The case also sends the notebook's figures and its export (what hand graders read for Parts B
and C), whether or not it passes.

params: max_difference, linear_backward:
  notebook  the notebook as it ran, on the student's linear_backward (a case that uses it)
  grader    the check cells (after the one defining linear_backward, through the last that
            calls gradcheck) run again with the grader's correct linear_backward: the checks
            judged alone, so a wrong linear_backward costs the linear_backward item only.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios import notebook
from autograder.scenarios.toolkit import ContractError, Partial

from .common import (code_cells_between, grader_linear_backward, gradcheck_calls, rerun,
                     run_notebook)


def run(api, params: dict) -> dict[str, np.ndarray]:
    executed = run_notebook(api)
    tolerance = float(params["max_difference"])
    if params["linear_backward"] == "grader":
        return _verdict(*_with_grader_backward(executed), tolerance)
    feedback = dict(notebook.figure_arrays(executed))
    feedback.update(notebook.export_arrays(executed))
    try:
        if executed.failure is not None:
            raise ContractError(executed.failure.describe(executed.name))
        verdict = _verdict(executed.namespace, gradcheck_calls(), tolerance)
    except ContractError as exc:
        raise Partial(feedback, exc) from None
    feedback.update(verdict)
    return feedback


def _with_grader_backward(executed) -> tuple[dict, list[dict]]:
    cells = code_cells_between(executed, "def linear_backward", through="gradcheck")
    before = len(gradcheck_calls())
    namespace = rerun(executed, cells, {"linear_backward": grader_linear_backward})
    return namespace, gradcheck_calls()[before:]


def _verdict(namespace: dict, calls: list[dict], tolerance: float) -> dict[str, np.ndarray]:
    difference = namespace.get("max_difference")
    if isinstance(difference, bool) or not isinstance(difference, (int, float, np.floating)):
        raise ContractError("max_difference must be the largest absolute difference between "
                            "your gradients and autograd's (a number)")
    if not np.isfinite(difference) or not abs(float(difference)) < tolerance:
        raise ContractError(f"max_difference is {difference}: your gradients differ from "
                            f"autograd's by more than {tolerance:g}")
    if not calls:
        raise ContractError("the notebook never calls torch.autograd.gradcheck")
    if not any(c["ran_backward"] for c in calls):
        raise ContractError("torch.autograd.gradcheck never ran linear_backward: check "
                            "ManualLinear.apply, the layer whose backward is linear_backward")
    mine = [c for c in calls if c["ran_backward"]]
    if not any(c["float64"] for c in mine):
        raise ContractError("gradcheck ran on float32 (or non-tensor) inputs: finite "
                            "differences need float64 (dtype=torch.float64)")
    if not any(c["passed"] and c["float64"] for c in mine):
        error = next((c["error"] for c in mine if c["error"]), None)
        raise ContractError("torch.autograd.gradcheck of linear_backward did not pass"
                            + (f": {error}" if error else " (it returned False)"))
    return {"gradcheck.passed": np.array(1.0)}


def check(got, expected, params, compare) -> list[str]:
    return [] if "gradcheck.passed" in got else ["gradcheck.passed: missing"]

"""The notebook's linear_backward(x, W, b, grad_out) -> (grad_x, grad_W, grad_b), called by the
grader at non-square shapes (so a transposed gradient cannot pass) with float64 tensors that do
not require gradients. The references come from the solution; the oracle recomputes them with
torch autograd (tests/assignments/lab/oracle.py).

A manual backward uses tensor operations only: if autograd's entry points (Tensor.backward,
torch.autograd.backward, torch.autograd.grad) run during the call, the case fails saying so.

params: seed, shapes (list of [batch, n_in, n_out]).
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError, case_rng, describe

from .common import autograd_calls, run_notebook, tensor, to_array


def key(shape) -> str:
    batch, n_in, n_out = shape
    return f"linear_backward.{batch}x{n_in}x{n_out}"


def run(api, params: dict) -> dict[str, np.ndarray]:
    linear_backward, = run_notebook(api).require("linear_backward")
    if not callable(linear_backward):
        raise ContractError(f"linear_backward must be a function; got {describe(linear_backward)}")
    rng = case_rng(params["seed"])
    arrays: dict[str, np.ndarray] = {}
    for shape in params["shapes"]:
        batch, n_in, n_out = (int(n) for n in shape)
        x = tensor(rng.standard_normal((batch, n_in)))
        W = tensor(rng.standard_normal((n_out, n_in)))
        b = tensor(rng.standard_normal(n_out))
        grad_out = tensor(rng.standard_normal((batch, n_out)))
        call = f"linear_backward(x {tuple(x.shape)}, W {tuple(W.shape)}, b {tuple(b.shape)}, " \
               f"grad_out {tuple(grad_out.shape)})"
        with autograd_calls() as used:
            returned = linear_backward(x, W, b, grad_out)
        if used:
            raise ContractError(f"{call} called {' and '.join(used)}: that is autograd, not a "
                                f"manual backward. Compute grad_x, grad_W and grad_b with "
                                f"tensor operations only (@, .T, .sum)")
        if not isinstance(returned, (tuple, list)) or len(returned) != 3:
            raise ContractError(f"{call} must return (grad_x, grad_W, grad_b); got "
                                f"{describe(returned)}")
        for name, value in zip(("grad_x", "grad_W", "grad_b"), returned):
            arrays[f"{key((batch, n_in, n_out))}.{name}"] = to_array(value, f"{call}: {name}")
    return arrays

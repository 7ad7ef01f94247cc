"""BYOMLP's oracle, run by the generic tests/test_reference_oracle.py on every saved case: the
SAVED references (data/byomlp/{visible,hidden}/*.npz) against torch autograd, never the
solution.

Each case's inputs are rebuilt from its params as the family's ``run`` builds them, with the
family's own helpers (common.Layout, common.grader_parameters, the case_rng streams 7 and 9).
The activations are written again here in torch (tanh, softsign, softplus, logistic, softmax),
and the grader's est_lossderiv g(y_est, y) = 2 (y_est - y) + y_est^2 / 2 is fed to autograd as
the incoming gradient: at the output h when the last layer has its fderiv, at the last a when
it has none (the course's rule). Gradients are the sum over the examples a sequence backs
through; two_steps takes its second gradient at the parameters after the first step.

mlp_init and the notebook families have nothing to recompute (a random draw's statistics; a
trained model's accuracy): REASONS says why, and their property checks hold the saved numbers
to what the families promise.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import Comparison, compare_arrays
from autograder.scenarios.toolkit import case_rng
from support import assignment, family

BYOMLP = assignment("byomlp")
common = family("common", "byomlp")
forward_family = family("mlp_forward", "byomlp")
backward_family = family("mlp_backward", "byomlp")
RTOL, ATOL_SCALE = 1e-6, 1e-8


def torch_activation(torch, name: str):
    return {"tanh": torch.tanh,
            "softsign": lambda a: a / (1 + a.abs()),
            "softplus": lambda a: torch.logaddexp(torch.zeros_like(a), a),
            "logistic": torch.sigmoid,
            "softmax": lambda a: torch.softmax(a, dim=0)}[name]


def assert_matches(case, saved: dict, expected: dict) -> None:
    assert set(saved) == set(expected), (
        f"{case.name}: the reference holds {sorted(set(saved) - set(expected))} the oracle "
        f"does not make, and lacks {sorted(set(expected) - set(saved))}")
    compare = Comparison(BYOMLP.vector_names)
    failures = [m for key in sorted(expected) if (m := compare_arrays(
        key, np.asarray(saved[key], dtype=float), np.asarray(expected[key], dtype=float),
        rtol=RTOL, atol_scale=ATOL_SCALE, vector_ok=compare.is_vector(key)))]
    assert not failures, f"{case.name}: the saved reference differs from torch:\n" + \
        "\n".join(failures)


def torch_network(torch, layout, values):
    params = [(torch.tensor(W, dtype=torch.float64, requires_grad=True),
               torch.tensor(b, dtype=torch.float64, requires_grad=True)) for W, b in values]
    functions = [torch_activation(torch, name) for name in layout.activations]
    return params, functions


def run_span(params, functions, x, first: int, last: int):
    """(output h, the last layer's a) of layers first..last on x."""
    h, a = x, None
    for k in range(first, last + 1):
        W, b = params[k]
        a = W @ h + b
        h = functions[k](a)
    return h, a


def forward_torch(torch, p: dict) -> dict:
    layout = common.Layout.of(p)
    params, functions = torch_network(torch, layout, common.grader_parameters(
        layout, int(p["seed"]), bool(p.get("zero_bias", False))))
    rng = case_rng(int(p["seed"]), 7)
    names = list(layout.names)
    expected = {}
    for start, end in p["queries"]:
        first = names.index(start) if start else 0
        last = names.index(end) if end else len(names) - 1
        x = torch.tensor(rng.standard_normal(layout.sizes[first]), dtype=torch.float64)
        h, _a = run_span(params, functions, x, first, last)
        expected[forward_family.query_key(start, end)] = h.detach().numpy()
    return expected


def example_gradients(torch, layout, values, x, y) -> list:
    """[(dL/dW (m, prev), dL/db (m,))] of one example, by autograd."""
    params, functions = torch_network(torch, layout, values)
    h, a = run_span(params, functions, torch.tensor(x, dtype=torch.float64), 0,
                    len(layout.sizes) - 2)
    y_est = h.detach().numpy()
    incoming = torch.tensor(2.0 * (y_est - y) + 0.5 * y_est ** 2, dtype=torch.float64)
    (h if layout.last_fderiv else a).backward(incoming)
    return [(W.grad.numpy().copy(), b.grad.numpy().copy()) for W, b in params]


def backward_torch(torch, p: dict) -> dict:
    layout = common.Layout.of(p)
    seed, alpha = int(p["seed"]), float(p["alpha"])
    values = common.grader_parameters(layout, seed, bool(p.get("zero_bias", False)))
    rng = case_rng(seed, 9)
    d, out = layout.sizes[0], layout.sizes[-1]
    examples = {n: (rng.standard_normal(d), rng.uniform(0.0, 1.0, out)) for n in ("1", "2")}
    mode = p["mode"]
    if mode == "two_steps":
        first = example_gradients(torch, layout, values, *examples["1"])
        moved = [(W - alpha * gW, b - alpha * gb) for (W, b), (gW, gb) in zip(values, first)]
        second = example_gradients(torch, layout, moved, *examples["2"])
        steps = {"@step1": first, "@step2": second}
    else:
        used = {"gradients": ["1"], "accumulate": ["1", "2"], "zero_grad": ["2"]}[mode]
        total = None
        for n in used:
            grads = example_gradients(torch, layout, values, *examples[n])
            total = grads if total is None else [(a + c, b + e) for (a, b), (c, e)
                                                 in zip(total, grads)]
        steps = {"": total}
    expected = {}
    for suffix, grads in steps.items():
        for k, (gW, gb) in enumerate(grads):
            expected[f"grad_W[{k}]{suffix}"] = gW
            expected[f"grad_b[{k}]{suffix}"] = gb
    return expected


# ------------------------------------------------------------------ the checks

def forward_reference_matches_torch(case):
    torch = pytest.importorskip("torch")
    assert_matches(case, case.reference(), forward_torch(torch, case.params))


def backward_reference_matches_torch(case):
    torch = pytest.importorskip("torch")
    assert_matches(case, case.reference(), backward_torch(torch, case.params))


def init_reference_is_a_tenth_randn(case):
    ref = case.reference()
    layers = len(case.params["sizes"]) - 1
    for k in range(1, layers + 1):
        assert abs(float(np.ravel(ref[f"layer{k}.W_std"])[0]) - 0.1) < 0.005, k
        assert abs(float(np.ravel(ref[f"layer{k}.W_mean"])[0])) < 0.005, k
        assert abs(float(np.ravel(ref[f"layer{k}.b_std"])[0]) - 0.1) < 0.03, k
        assert float(np.ravel(ref[f"layer{k}.b_ndim"])[0]) == 1.0, k


def notebook_reference_passes_its_own_check(case):
    """The solution's saved numbers pass the family's thresholds (with margin for the accuracy:
    a threshold the solution barely meets would fail correct students by chance)."""
    ref = case.reference()
    check = family(case.family, "byomlp").check
    assert check(ref, ref, case.params, Comparison(BYOMLP.vector_names)) == []
    p = case.params
    if p.get("check") == "held_out":
        for key in ("network1.accuracy", "network2.accuracy"):
            assert float(np.ravel(ref[key])[0]) >= float(p["min_accuracy"]) + 0.05, key
    if p.get("check") == "trained":
        error, pca, average = (float(np.ravel(ref[key])[0]) for key in (
            "reconstruction_error", "pca2_error", "mean_image_error"))
        assert error < pca < float(p["pca_factor"]) * pca < average
        # The threshold is honest: a network that outputs the average digit (what a 2-D code
        # collapses to when it learns nothing) fails it.
        collapsed = dict(ref, reconstruction_error=np.array(average))
        assert check(collapsed, ref, p, Comparison(BYOMLP.vector_names)) != []


REASONS = {
    "mlp_init": "its arrays are sample statistics of add_layer's random draw, not a function "
                "of the inputs; checked instead: mean 0 and std 0.1 within sampling error, 1-D "
                "bias",
    "classification": "its arrays measure networks the notebook trained (accuracy on the "
                      "grader's held-out digits); checked instead: the solution clears the "
                      "threshold with a margin",
    "autoencoder": "its arrays measure the autoencoder the notebook trained; checked instead: "
                   "the solution beats the 2-D PCA itself (the threshold is 1.1 x PCA) and an "
                   "average-digit network fails the threshold",
}

CHECKS = {
    "mlp_forward": [forward_reference_matches_torch],
    "mlp_backward": [backward_reference_matches_torch],
    "mlp_init": [init_reference_is_a_tenth_randn],
    "classification": [notebook_reference_passes_its_own_check],
    "autoencoder": [notebook_reference_passes_its_own_check],
}

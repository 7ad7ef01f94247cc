"""lab's oracle, which the generic tests/test_reference_oracle.py runs on every saved case: the
SAVED references (data/lab/{visible,hidden}/*.npz) recomputed without the solution's notebook.

- linear_backward: torch autograd in float64 on the same inputs (drawn from the case's params
  in the family's order), compared with the grader's own rule;
- mlp: the layer sizes from the params alone, and the logits of the oracle's own NumPy forward
  pass (ReLU after every hidden layer) with the grader's weights;
- training and gradcheck record the solution's own behaviour (an accuracy on spirals that only
  training produces; that the notebook's own check passed): REASONS says so, and property
  checks hold the saved values to what grading demands.
Without torch, the linear_backward check skips.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import compare_arrays
from autograder.scenarios.toolkit import case_rng
from support import family

backward_family = family("linear_backward", "lab")

RTOL, ATOL_SCALE = 1e-6, 1e-8


def assert_matches(case, expected: dict) -> None:
    saved = case.reference()
    assert set(saved) == set(expected), (
        f"{case.name}: the reference holds {sorted(saved)}, the oracle makes {sorted(expected)}")
    failures = [message for key in sorted(expected)
                if (message := compare_arrays(key, np.asarray(saved[key], dtype=float),
                                              np.asarray(expected[key], dtype=float),
                                              rtol=RTOL, atol_scale=ATOL_SCALE))]
    assert not failures, f"{case.name}: saved reference differs from the oracle:\n" + \
        "\n".join(failures)


def linear_backward_oracle(case):
    torch = pytest.importorskip("torch")
    rng = case_rng(case.params["seed"])
    expected = {}
    for shape in case.params["shapes"]:
        batch, n_in, n_out = (int(n) for n in shape)
        x, W, b, grad_out = (torch.tensor(rng.standard_normal(size), dtype=torch.float64,
                                          requires_grad=grad)
                             for size, grad in (((batch, n_in), True), ((n_out, n_in), True),
                                                ((n_out,), True), ((batch, n_out), False)))
        (x @ W.T + b).backward(grad_out)
        key = backward_family.key((batch, n_in, n_out))
        for name, tensor in (("grad_x", x), ("grad_W", W), ("grad_b", b)):
            expected[f"{key}.{name}"] = tensor.grad.numpy().copy()
    assert_matches(case, expected)


def mlp_oracle(case):
    p = case.params
    dims = [int(p["n_inputs"]), *(int(h) for h in p["n_hidden"]), int(p["n_classes"])]
    pairs = list(zip(dims[:-1], dims[1:]))
    if p["mode"] == "structure":
        return assert_matches(case, {"mlp.linear_sizes": np.array(pairs, float).reshape(-1, 2)})
    rng = case_rng(p["seed"])
    layers = []
    for fan_in, fan_out in pairs:
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_out, fan_in)) * 2.0
        layers.append((W, rng.uniform(-bound, bound, fan_out)))
    h = rng.standard_normal((int(p["batch"]), dims[0])) * 2.0
    for index, (W, b) in enumerate(layers):
        h = h @ W.T + b
        if index < len(layers) - 1:
            h = np.maximum(h, 0.0)
    assert_matches(case, {"mlp.logits": h})


def training_properties(case):
    saved = case.reference()
    assert set(saved) == {"model.accuracy", "spirals.points"}, sorted(saved)
    accuracy = float(np.ravel(saved["model.accuracy"])[0])
    assert float(case.params["min_accuracy"]) <= accuracy <= 1.0, (case.name, accuracy)
    assert float(np.ravel(saved["spirals.points"])[0]) == 3 * int(case.params["n_per_class"])


def gradcheck_properties(case):
    saved = case.reference()
    assert set(saved) == {"gradcheck.passed"} and float(np.ravel(saved["gradcheck.passed"])[0]) == 1.0


CHECKS = {
    "linear_backward": [linear_backward_oracle],
    "mlp": [mlp_oracle],
    "training": [training_properties],
    "gradcheck": [gradcheck_properties],
}

REASONS = {
    "training": "the saved value is the solution's accuracy on the grader's spirals, which only "
                "training the notebook's network produces; grading holds a submission to a "
                "threshold, not to this number",
    "gradcheck": "the case records that the notebook's own gradcheck and comparison passed; "
                 "there is nothing to recompute",
}

"""Fair to real student code (issue 11): hand-written submissions that reproduce what real 2019
submissions did, graded end to end. Each is correct where the grader used to say it was not,
or wrong in a way the grader used to explain badly.

* a ReLU whose derivative() overwrites, in place, the array forward() returned;
* an MLP whose dW is None or [] right after construction;
* a training loop that uses its own MLP's helpers (backward() returning the loss, my_helper());
* a BatchNorm bug, which must cost batchnorm_train and nothing on momentum.
"""
from __future__ import annotations

import pytest

from support import RUBRIC, copy_solution, edit, full_marks, grade, item_scores

RELU_DERIVATIVE = "return (self.state > 0.0).astype(np.float64)"
DW_INIT = "self.dW = [np.zeros_like(W) for W in self.W]"


def cases_of(result: dict) -> dict[str, dict]:
    return {case["name"]: {**case, "item": item["id"]}
            for item in result["items"] for case in item["cases"]}


def failing(result: dict) -> dict[str, str]:
    return {name: case["message"] for name, case in cases_of(result).items()
            if not case["passed"]}


def rubric_without_excusing(tmp_path):
    """The default rubric with cases that run a failing item's code scored as usual, so that a
    test sees what the cases themselves depend on (not what the excusing policy forgives)."""
    text = RUBRIC.read_text()
    path = tmp_path / "rubric.toml"
    path.write_text(text.replace("excuse_dependent_cases = true", "excuse_dependent_cases = false"))
    return path


# ------------------------------------------------------------------ record outputs when returned

def test_in_place_relu_derivative_costs_only_the_side_effect_case(tmp_path):
    """derivative() writes into self.state, the very array forward() returned: forward's values
    were right when returned, so every ReLU case passes except the one about the side effect."""
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / "activations.py", RELU_DERIVATIVE,
         "self.state[self.state > 0.0] = 1.0\n        return self.state")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    assert set(failing(result)) == {"relu_derivative_keeps_forward_output"}, failing(result)
    message = failing(result)["relu_derivative_keeps_forward_output"]
    assert message.startswith(
        "ReLU.derivative() changed, in place, the array forward() returned (self.state is that "
        "same array): forward's values were right, but derivative() must return a new array "
        "and leave self.state alone"), message
    assert "ReLU.forward:" not in message
    scores, best = item_scores(result), full_marks(result)
    assert 0 < scores["relu"] < best["relu"]
    assert {k: v for k, v in scores.items() if k != "relu"} == \
        {k: v for k, v in best.items() if k != "relu"}


# ------------------------------------------------------------------ the MLP's attribute contract

@pytest.mark.parametrize("value, got", [("None", "got None"), ("[]", "got a list of 0 items")])
def test_gradient_lists_missing_after_construction_are_named(tmp_path, value, got):
    """dW is built by backward() only; the grader, which writes gradients into mlp.dW[i] before
    step() and zero_grads(), says which attribute breaks the contract and what it should be."""
    submission = copy_solution(tmp_path / "sub")
    net = submission / "mlp" / "mlp.py"
    edit(net, DW_INIT, f"self.dW = {value}")
    edit(net, "        for i in reversed(range(self.nlayers)):\n",
         "        self.dW = [None] * self.nlayers\n"
         "        for i in reversed(range(self.nlayers)):\n")
    edit(net, "        for grad in self.dW + self.db:\n",
         "        self.dW = [np.zeros_like(W) for W in self.W]\n"
         "        for grad in self.dW + self.db:\n")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    messages = failing(result)
    # linear_zero_grads (one layer) owns the constructor contract of dW; the momentum cases
    # inject their own gradients and never fail on it (issue 16: charged once)
    assert (f"after MLP(...), mlp.dW must be a list of 1 arrays shaped like mlp.W; {got}"
            in messages["linear_zero_grads"]), messages["linear_zero_grads"]
    assert {cases_of(result)[name]["item"] for name in messages} == {"linear_classifier"}
    assert not any("does not support item assignment" in m or "list index out of range" in m
                   for m in messages.values())
    # forward, backward and whole training steps never needed dW before backward() made it
    cases = cases_of(result)
    for name in ("linear_forward", "linear_backward", "hidden_backward_two_layers",
                 "momentum_training", "linear_step", "momentum_update_rule"):
        assert cases[name]["passed"], (name, cases[name]["message"])


def test_wrongly_shaped_gradient_after_construction_is_named(tmp_path):
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / "mlp.py", DW_INIT, "self.dW = [np.zeros_like(W.T) for W in self.W]")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    messages = failing(result)
    assert "after MLP(...), mlp.dW[0] has shape (3, 5); expected (5, 3) like mlp.W[0]" in \
        messages["linear_zero_grads"], messages["linear_zero_grads"]
    assert {cases_of(result)[name]["item"] for name in messages} == {"linear_classifier"}


# ------------------------------------------------------------------ the training loop's fake MLP

def test_loop_unpacking_backward_is_told_backward_returns_nothing(tmp_path):
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / "training.py", "            mlp.backward(y)\n",
         "            loss, error = mlp.backward(y)\n")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    messages = {n: m for n, m in failing(result).items() if n.startswith("training_stats")}
    assert messages and len(messages) == sum(
        c["item"] == "training_stats" for c in cases_of(result).values())
    for message in messages.values():
        assert ("backward() returns nothing in the handout's MLP; compute the loss and error "
                "from mlp.criterion / the forward output instead") in message, message
        assert "NoneType" not in message and "RecordingMLP" not in message


def test_loop_calling_its_own_helper_is_told_what_the_mlp_offers(tmp_path):
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / "training.py", "            mlp.zero_grads()\n",
         "            mlp.zero_grads()\n            mlp.my_helper()\n")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    messages = {n: m for n, m in failing(result).items() if n.startswith("training_stats")}
    assert messages
    for message in messages.values():
        assert "mlp.my_helper" in message, message
        assert "RecordingMLP" not in message
        for offered in ("train()", "eval()", "zero_grads()", "forward(x)", "backward(labels)",
                        "step()", "mlp.criterion"):
            assert offered in message, (offered, message)


# ------------------------------------------------------------------ one bug, one item: momentum

@pytest.mark.parametrize("file, old, new", [
    ("batchnorm.py",  # dgamma and dbeta swapped
     "        self.dbeta = delta.sum(axis=0, keepdims=True)\n"
     "        self.dgamma = (delta * self.norm).sum(axis=0, keepdims=True)\n",
     "        self.dgamma = delta.sum(axis=0, keepdims=True)\n"
     "        self.dbeta = (delta * self.norm).sum(axis=0, keepdims=True)\n"),
    ("batchnorm.py",  # unbiased variance
     "self.var = x.var(axis=0, keepdims=True)", "self.var = x.var(axis=0, ddof=1, keepdims=True)"),
], ids=["dgamma_dbeta_swapped", "unbiased_variance"])
def test_batchnorm_bug_costs_momentum_nothing(tmp_path, file, old, new):
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / file, old, new)
    result, _ = grade(submission, tmp_path, "--suite", "all",
                      "--rubric", rubric_without_excusing(tmp_path))
    scores, best = item_scores(result), full_marks(result)
    assert scores["batchnorm_train"] < best["batchnorm_train"]
    assert scores["momentum"] == best["momentum"]
    assert scores["weight_decay"] == best["weight_decay"]
    for case in cases_of(result).values():
        if case["item"] in ("momentum", "weight_decay"):
            assert case["passed"], (case["name"], case["message"])


# ------------------------------------------------------------------ issue 16: charged once

def test_gradients_left_as_scalars_cost_linear_classifier_only(tmp_path):
    """A real 2019 constructor: self.dW = [0] * n, filled with arrays by zero_grads and
    backward; it trains correctly. The constructor detail is charged once, to
    linear_classifier; momentum, BatchNorm and weight decay inject their own gradients."""
    submission = copy_solution(tmp_path / "sub")
    net = submission / "mlp" / "mlp.py"
    edit(net, DW_INIT, "self.dW = [0] * len(self.W)")
    edit(net, "        for grad in self.dW + self.db:\n",
         "        self.dW = [np.zeros_like(W) for W in self.W]\n"
         "        for grad in self.dW + self.db:\n")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    assert set(failing(result)) == {"linear_zero_grads", "linear_zero_grads_wide"}
    scores, best = item_scores(result), full_marks(result)
    assert scores["linear_classifier"] < best["linear_classifier"]
    assert {k: v for k, v in scores.items() if k != "linear_classifier"} == \
        {k: v for k, v in best.items() if k != "linear_classifier"}


def test_hidden_bias_left_out_of_forward_costs_hidden_forward_only(tmp_path):
    """Backward is judged given the student's own forward: the expected gradients are
    backpropagated on the trusted side from the activations the student's forward produced."""
    submission = copy_solution(tmp_path / "sub")
    edit(submission / "mlp" / "mlp.py", "z = h @ self.W[i] + self.b[i]",
         "z = h @ self.W[i] + (self.b[i] if i == self.nlayers - 1 else 0.0)")
    result, _ = grade(submission, tmp_path, "--suite", "all")
    scores, best = item_scores(result), full_marks(result)
    assert scores["hidden_forward"] == 0
    assert {k: v for k, v in scores.items() if k != "hidden_forward"} == \
        {k: v for k, v in best.items() if k != "hidden_forward"}
    assert not any(name.startswith("hidden_backward") for name in failing(result))

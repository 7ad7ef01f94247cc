"""autograder.compare: the tolerance rule, shapes, NaN/inf, and the messages students read."""
import numpy as np
import pytest

from autograder.compare import (DEFAULT_ATOL_SCALE, DEFAULT_RTOL, KEY_PATTERN, Comparison,
                                compare_arrays, display_name)
from support import assignment

# hw1's vectors (biases, BatchNorm vectors), as grading passes them to every comparison.
HW1 = Comparison(assignment("hw1").vector_names)


def test_identical_arrays_match():
    a = np.arange(12.0).reshape(3, 4)
    assert compare_arrays("x", a, a.copy()) is None


def test_message_names_the_tensor_counts_errors_and_shows_the_first_difference():
    expected = np.full((4, 10), 0.5)
    got = expected.copy()
    got[0, 3] = 0.4987
    got[2, 1] = 0.3
    got[3, 9] = 0.6
    message = compare_arrays("mlp.dW[1]", got, expected)
    assert message == ("mlp.dW[1]: 3 of 40 values differ; max abs err 2.0e-01, "
                       "max rel err 4.0e-01; first at [0, 3]: expected 0.5, got 0.4987")


def test_values_are_shown_with_enough_digits_to_differ():
    message = compare_arrays("v", [1.0000123], [1.0])
    assert message.endswith("first at [0]: expected 1, got 1.00001")


def test_scalars_have_no_index():
    assert compare_arrays("loss", 2.0, 1.5) == (
        "loss: 1 of 1 values differ; max abs err 5.0e-01, max rel err 3.3e-01; "
        "expected 1.5, got 2")


def test_relative_error_is_left_out_when_every_differing_value_should_be_zero():
    message = compare_arrays("mlp.dW[0]", [[0.0, 1.0], [1.0, 2.0]], [[0.0, 1.0], [0.0, 2.0]])
    assert message == ("mlp.dW[0]: 1 of 4 values differ; max abs err 1.0e+00; "
                       "first at [1, 0]: expected 0, got 1")
    assert "rel err" not in compare_arrays("g", [3.0], [0.0])


@pytest.mark.parametrize("got, expected, text", [
    (np.zeros((5, 4)), np.zeros((4, 5)), "x: shape: expected (4, 5), got (5, 4) (transposed?)"),
    (np.zeros((4, 5, 1)), np.zeros((4, 5)), "x: shape: expected (4, 5), got (4, 5, 1)"),
    (np.zeros(5), np.zeros((1, 5)), "x: shape: expected (1, 5), got (5,)"),
    (np.zeros((5, 1)), np.zeros((1, 5)), "x: shape: expected (1, 5), got (5, 1) (transposed?)"),
    (np.zeros(()), np.zeros(3), "x: shape: expected (3,), got ()"),
])
def test_shapes_must_match_exactly(got, expected, text):
    assert compare_arrays("x", got, expected) == text


def test_vectors_accept_row_or_flat_shapes_only_when_allowed():
    row, flat = np.arange(1.0, 6.0).reshape(1, 5), np.arange(1.0, 6.0)
    assert compare_arrays("b", flat, row, vector_ok=True) is None
    assert compare_arrays("b", row, flat, vector_ok=True) is None
    assert compare_arrays("b", flat.reshape(5, 1), row, vector_ok=True) == \
        "b: shape: expected (1, 5), got (5, 1) (transposed?)"
    assert compare_arrays("b", flat[:4], row, vector_ok=True) == \
        "b: shape: expected (1, 5), got (4,)"
    assert compare_arrays("b", np.zeros((2, 5)), row, vector_ok=True).startswith("b: shape")
    # values are still compared after the reshape, with the expected array's indices (the
    # scale diagnosis follows on a line of its own)
    first, diagnosis = compare_arrays("b", flat * 2, row, vector_ok=True).split("\n")
    assert first.endswith("first at [0, 0]: expected 1, got 2")
    assert diagnosis == "    every value is 2.00x the expected: counted twice?"


def test_nan_and_inf_are_reported_as_such():
    expected = np.ones((2, 3))
    got = expected.copy()
    got[0, 2] = np.nan
    got[1, 0] = np.inf
    assert compare_arrays("mlp.forward", got, expected) == (
        "mlp.forward: 2 of 6 NaN or inf where finite values were expected; "
        "first at [0, 2]: expected 1, got nan")


def test_non_finite_expected_values_need_the_same_non_finite_value():
    expected = np.array([np.inf, -np.inf, np.nan, 1.0])
    assert compare_arrays("x", expected.copy(), expected) is None
    message = compare_arrays("x", [np.inf, np.inf, np.nan, 1.0], expected)
    assert message.startswith("x: 1 of 4 values differ") and "expected -inf, got inf" in message


def test_values_that_are_not_numbers_are_reported():
    assert compare_arrays("x", ["a", "b"], [1.0, 2.0]) == \
        "x: got a value that is not an array of numbers"


def test_empty_arrays_match():
    assert compare_arrays("x", np.zeros((0, 3)), np.zeros((0, 3))) is None


def test_tolerance_edges_relative():
    """|got - exp| <= atol + rtol * |exp| with atol = 1e-8 * max(1, max|exp|)."""
    expected = np.array([1e6, 3.0])
    atol = DEFAULT_ATOL_SCALE * 1e6
    inside = expected + 0.99 * np.array([atol + DEFAULT_RTOL * 1e6, atol + DEFAULT_RTOL * 3.0])
    outside = expected + 1.01 * np.array([0.0, atol + DEFAULT_RTOL * 3.0])
    assert compare_arrays("x", inside, expected) is None
    assert compare_arrays("x", outside, expected).startswith("x: 1 of 2 values differ")


def test_tolerance_edges_absolute_floor():
    """Below magnitude 1 the absolute floor is 1e-8: values that should be 0 may be 1e-9 off."""
    assert compare_arrays("x", [9e-9, 0.5 + 0.99e-8 + 0.5e-6], [0.0, 0.5]) is None
    assert compare_arrays("x", [1.1e-8], [0.0]) is not None
    # the floor grows with the array's largest value: a rounding residue next to 1e4 is fine
    assert compare_arrays("x", [1e4, 5e-5], [1e4, 0.0]) is None
    assert compare_arrays("x", [1e4, 2e-4], [1e4, 0.0]) is not None


def test_a_one_percent_error_always_fails():
    rng = np.random.default_rng(0)
    for scale in (1e-6, 1.0, 1e4):
        expected = rng.standard_normal((5, 5)) * scale
        assert compare_arrays("x", expected * 1.01, expected) is not None


def test_tolerance_can_be_changed_per_call_and_per_case():
    assert compare_arrays("x", [1.001], [1.0]) is not None
    assert compare_arrays("x", [1.001], [1.0], rtol=1e-2) is None
    assert HW1.all({"x": np.array([1.001])}, {"x": np.array([1.0])}, {"rtol": 1e-2}) == []
    assert HW1.all({"x": np.array([1e-7])}, {"x": np.array([0.0])}, {"atol_scale": 1e-6}) == []
    # one array: keyword tolerances win over the case's params
    assert HW1.array("x", [1.001], [1.0], {"rtol": 1e-2}) is None
    assert HW1.array("x", [1.001], [1.0], {"rtol": 1e-2}, rtol=1e-6) is not None


def test_no_array_is_a_vector_unless_the_assignment_says_so():
    assert not Comparison().is_vector("mlp.b[0]")
    grad_b = Comparison(r"(?:^|\.)grad_b$")
    assert grad_b.is_vector("layers[0].grad_b@after_backward_2") and not grad_b.is_vector("b")


def test_one_array_uses_the_display_name_and_the_vector_names():
    row, flat = np.ones((1, 3)), np.zeros(3)
    assert HW1.array("mlp.b[0]@after_step_1", flat + 1, row) is None
    assert HW1.array("mlp.W[0]@after_step_1", flat + 1, row) == \
        "mlp.W[0] (after step 1): shape: expected (1, 3), got (3,)"
    expected = np.array([[1.0, 2.0, 3.0]])
    assert "4 is this case's batch size" in HW1.array("x", 4 * expected, expected, {"batch": 4})


def test_all_reports_missing_arrays_and_keeps_the_expected_order():
    expected = {"mlp.dW[0]": np.ones((2, 2)), "mlp.db[0]": np.ones((1, 2)),
                "mlp.W[0]@after_step_2": np.ones(2)}
    got = {"mlp.db[0]": np.array([1.0, 3.0]), "mlp.W[0]@after_step_2": np.zeros(2),
           "extra": np.zeros(1)}
    assert HW1.all(got, expected, {}) == [
        "mlp.dW[0]: missing (the case stopped before producing it)",
        "mlp.db[0]: 1 of 2 values differ; max abs err 2.0e+00, max rel err 2.0e+00; "
        "first at [0, 1]: expected 1, got 3",
        "mlp.W[0] (after step 2): 2 of 2 values differ; max abs err 1.0e+00, max rel err "
        "1.0e+00; first at [0]: expected 1, got 0",
    ]
    assert HW1.all(expected, expected, None) == []


def test_all_lets_only_vectors_be_flat():
    got = {"mlp.b[1]": np.zeros(3), "mlp.W[1]": np.zeros(3)}
    expected = {"mlp.b[1]": np.zeros((1, 3)), "mlp.W[1]": np.zeros((1, 3))}
    assert HW1.all(got, expected) == ["mlp.W[1]: shape: expected (1, 3), got (3,)"]


@pytest.mark.parametrize("key, vector", [
    ("b", True), ("mlp.b[0]", True), ("mlp.db[12]", True), ("bn.gamma", True),
    ("mlp.bn_layers[1].dbeta@after_step_3", True), ("bn.running_var@after_batch_2", True),
    ("bn.mean", True), ("bn.var", True), ("mlp.bn_layers[0].dgamma", True),
    ("W", False), ("mlp.dW[0]", False), ("bn.norm", False), ("bn.forward", False),
    ("validation_loss", False), ("training_error", False), ("mlp.forward@eval_mode", False),
    ("bn.backward", False), ("Sigmoid.derivative", False),
])
def test_vector_keys(key, vector):
    assert HW1.is_vector(key) is vector


def test_display_names_and_key_alphabet():
    assert display_name("mlp.W[0]@after_step_2") == "mlp.W[0] (after step 2)"
    assert display_name("mlp.dW[1]") == "mlp.dW[1]"
    assert KEY_PATTERN.match("mlp.bn_layers[0].running_mean@after_eval_forward")
    assert not KEY_PATTERN.match("../escape") and not KEY_PATTERN.match("a b")

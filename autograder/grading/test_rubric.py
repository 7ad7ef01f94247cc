"""The rubric as tests.

Each function grades one rubric item (its name after ``test_`` is the item id) on every case of
that item in the suite being graded; the plugin supplies ``case``. A case passes when the
submission's outputs, computed in the sandbox, match the saved reference (or, for the training
loop, obey its protocol).
"""
from autograder.grading.checks import assert_case_passes


def test_sigmoid(case):
    assert_case_passes(case)


def test_tanh(case):
    assert_case_passes(case)


def test_relu(case):
    assert_case_passes(case)


def test_softmax_cross_entropy(case):
    assert_case_passes(case)


def test_initializers(case):
    assert_case_passes(case)


def test_linear_classifier(case):
    assert_case_passes(case)


def test_hidden_forward(case):
    assert_case_passes(case)


def test_hidden_backward(case):
    assert_case_passes(case)


def test_batchnorm_train(case):
    assert_case_passes(case)


def test_batchnorm_inference(case):
    assert_case_passes(case)


def test_momentum(case):
    assert_case_passes(case)


def test_training_stats(case):
    assert_case_passes(case)


def test_leaky_relu(case):
    assert_case_passes(case)


def test_weight_decay(case):
    assert_case_passes(case)


def test_vectorisation(case):
    assert_case_passes(case)

"""hw1's handout: the stripper stubs every function students write (the generic handout suite,
tests/test_handout.py, proves that every stub raises and that nothing leaks)."""
from autograder.assignments import discover
from autograder.handout.build import assemble

STUDENT_FUNCTIONS = {
    ("mlp.activations", f"{cls}.{method}")
    for cls in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU") for method in ("forward", "derivative")
} | {("mlp.loss", "SoftmaxCrossEntropy.forward"), ("mlp.loss", "SoftmaxCrossEntropy.derivative"),
     ("mlp.batchnorm", "BatchNorm.forward"), ("mlp.batchnorm", "BatchNorm.backward"),
     ("mlp.initializers", "random_normal_weight_init"), ("mlp.initializers", "zeros_bias_init"),
     ("mlp.mlp", "MLP.forward"), ("mlp.mlp", "MLP.backward"), ("mlp.mlp", "MLP.zero_grads"),
     ("mlp.mlp", "MLP.step"), ("mlp.training", "get_training_stats")}


def test_the_handout_stubs_every_function_students_write():
    stubbed = set(assemble(discover(environ={})["hw1"]).stubbed)
    assert STUDENT_FUNCTIONS <= stubbed, STUDENT_FUNCTIONS - stubbed

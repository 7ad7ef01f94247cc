"""cw3's handout: the stripper stubs every function students write (the generic handout suite,
tests/test_handout.py, proves that every stub raises and that nothing leaks)."""
from autograder.assignments import discover
from autograder.handout.build import assemble

STUDENT_FUNCTIONS = {
    ("cw3_mlp.layers", f"{cls}.{method}")
    for cls in ("Linear", "ReLU", "Sigmoid") for method in ("forward", "backward")
} | {("cw3_mlp.losses", "CrossEntropyLoss.forward"),
     ("cw3_mlp.losses", "CrossEntropyLoss.backward"),
     ("cw3_mlp.model", "MLP.__init__"), ("cw3_mlp.model", "MLP.forward"),
     ("cw3_mlp.model", "MLP.backward"),
     ("cw3_mlp.optimizer", "SGD.step"), ("cw3_mlp.optimizer", "SGD.zero_grad")}


def test_the_handout_stubs_every_function_students_write():
    stubbed = set(assemble(discover(environ={})["cw3"]).stubbed)
    assert STUDENT_FUNCTIONS <= stubbed, STUDENT_FUNCTIONS - stubbed

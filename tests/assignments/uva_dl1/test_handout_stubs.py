"""uva_dl1's handout: the stripper stubs every function students write (the generic handout
suite, tests/test_handout.py, proves that every stub raises and that nothing leaks). The flat
folder's modules are named by their own names (code/ goes on sys.path)."""
from autograder.assignments import discover
from autograder.handout.build import assemble

STUDENT_FUNCTIONS = {
    ("modules", f"{cls}.{method}")
    for cls in ("LinearModule", "LeakyReLUModule") for method in ("__init__", "forward",
                                                                  "backward")
} | {("modules", f"{cls}.{method}") for cls in ("SoftMaxModule", "CrossEntropyModule")
     for method in ("forward", "backward")
} | {("mlp_numpy", f"MLP.{m}") for m in ("__init__", "forward", "backward")
} | {("mlp_pytorch", f"MLP.{m}") for m in ("__init__", "forward")
} | {("convnet_pytorch", f"ConvNet.{m}") for m in ("__init__", "forward")
} | {("custom_batchnorm", f"{cls}.{m}")
     for cls in ("CustomBatchNormAutograd", "CustomBatchNormManualModule")
     for m in ("__init__", "forward")
} | {("custom_batchnorm", f"CustomBatchNormManualFunction.{m}") for m in ("forward", "backward")
} | {(script, name) for script in ("train_mlp_numpy", "train_mlp_pytorch",
                                   "train_convnet_pytorch") for name in ("accuracy", "train")}


def test_the_handout_stubs_every_function_students_write():
    stubbed = set(assemble(discover(environ={})["uva_dl1"]).stubbed)
    assert STUDENT_FUNCTIONS <= stubbed, STUDENT_FUNCTIONS - stubbed
    assert not {module for module, _ in stubbed} & {"cifar10_utils", "train_utils", "unittests"}

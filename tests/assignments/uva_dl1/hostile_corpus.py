"""uva_dl1's hostile corpus: the shared templates (tests/hostile/corpus.py) planted into a copy
of the flat folder solution/uva_dl1/code, NumPy and PyTorch files alike, including the PyTorch
attacks (a pickled payload through torch.load, native code through torch.utils.cpp_extension,
threads that never end, a CUDA call on a machine without a GPU). The generic
tests/test_hostile.py grades every group.

API names are "module.Class.method" (two classes are called MLP): the tracer
(tests/hostile/trace.py) names a flat folder's methods with their module. The
CustomBatchNormManualFunction's forward and backward are static methods that autograd calls
through apply, which the tracer does not see: no attack aims at them.
"""
from __future__ import annotations

from hostile import corpus
from hostile.expect import full_marks

ASSIGNMENT = "uva_dl1"
FILES = {"modules": "modules.py", "mlp_numpy": "mlp_numpy.py", "mlp_pytorch": "mlp_pytorch.py",
         "custom_batchnorm": "custom_batchnorm.py", "convnet_pytorch": "convnet_pytorch.py"}
ITEM_NAMES = {"linear": "modules.LinearModule", "leaky_relu": "modules.LeakyReLUModule",
              "softmax": "modules.SoftMaxModule", "cross_entropy": "modules.CrossEntropyModule",
              "mlp_numpy": "mlp_numpy.MLP", "mlp_pytorch": "mlp_pytorch.MLP",
              "bn_autograd": "custom_batchnorm.CustomBatchNormAutograd",
              "bn_module": "custom_batchnorm.CustomBatchNormManualModule",
              "convnet": "convnet_pytorch.ConvNet"}


def traced_name(owner: str | None, name: str) -> str | None:
    return f"{owner}.{name}" if owner else None


def _of(cls: str, *methods: str) -> set[str]:
    return {f"{cls}.{m}" for m in methods}


def api_names(case) -> frozenset[str]:
    """The student methods ("module.Class.method") a case of uva_dl1 runs (from
    solution/uva_dl1/grading/scenarios/*.py)."""
    p, family = case.params, case.family
    mode, stage = p.get("mode"), p.get("stage")
    if family == "linear_module":
        names = _of(ITEM_NAMES["linear"], "__init__")
        if mode != "init":
            names |= _of(ITEM_NAMES["linear"], "forward")
        if mode == "backward":
            names |= _of(ITEM_NAMES["linear"], "backward")
    elif family in ("leaky_relu", "softmax"):
        cls = ITEM_NAMES[family]
        names = _of(cls, "forward") | (_of(cls, "__init__") if family == "leaky_relu" else set())
        if stage == "backward":
            names |= _of(cls, "backward")
    elif family == "cross_entropy":
        names = _of(ITEM_NAMES["cross_entropy"], stage)
    elif family == "numpy_mlp":
        hidden = bool(p["n_hidden"])
        leaky = {ITEM_NAMES["leaky_relu"]} if hidden else set()
        names = _of("mlp_numpy.MLP", "__init__") | _of(ITEM_NAMES["linear"], "__init__")
        names |= {f"{c}.__init__" for c in leaky}
        if mode in ("forward", "backward"):
            passes = ("forward",) if mode == "forward" else ("forward", "backward")
            for cls in ("mlp_numpy.MLP", ITEM_NAMES["linear"], ITEM_NAMES["softmax"], *leaky):
                names |= _of(cls, *passes)
    elif family in ("torch_mlp", "convnet", "bn_autograd", "bn_module"):
        cls = ITEM_NAMES["mlp_pytorch" if family == "torch_mlp" else family]
        names = _of(cls, "__init__") | (_of(cls, "forward") if mode != "init" and
                                        mode != "structure" else set())
    elif family == "bn_function":
        names = set()
    else:
        raise AssertionError(f"{case.name}: no mapping for the uva_dl1 family {family!r}")
    classes = {name.rsplit(".", 1)[0] for name in names}
    assert {ITEM_NAMES[u] for u in case.uses if u in ITEM_NAMES} <= classes, case.name
    return frozenset(names)


def aim(code: str, name: str, target: str, reason: str = "", honest: bool = False,
        **fill: str) -> corpus.Attack:
    """``code`` planted against ``target`` ("module.Class.method") in the module's file, where
    it is "Class.method"."""
    module, local = target.split(".", 1)
    return corpus.aim(code, name, FILES[module], local, () if honest else {target}, reason,
                      **fill)


# The tampering code patches builtins and NumPy at import of its file, which would reach every
# case if planted in modules.py (the main module, imported by every case): torch's gradcheck
# breaks under a patched all(). convnet_pytorch.py is imported by the ConvNet's cases only.
TAMPER = aim(corpus.TAMPER_CODE, "tamper", "convnet_pytorch.ConvNet.forward")

CRASHES = [
    aim(corpus.OS_EXIT_CODE, "os._exit in a method", "modules.LeakyReLUModule.forward",
        "exit code 0"),
    aim(corpus.SYS_EXIT_CODE, "sys.exit in __init__", "mlp_numpy.MLP.__init__", "sys.exit(3)"),
    aim(corpus.SEGFAULT_CODE, "segfault via ctypes", "modules.LinearModule.backward",
        "segmentation fault"),
    aim(corpus.RECURSION_CODE, "infinite recursion", "modules.CrossEntropyModule.forward",
        "RecursionError"),
    aim(corpus.TORCH_LOAD_PAYLOAD_CODE, "torch.load of a pickled payload",
        "custom_batchnorm.CustomBatchNormManualModule.forward", honest=True),
    aim(corpus.CPP_EXTENSION_CODE, "native code via torch.utils.cpp_extension",
        "convnet_pytorch.ConvNet.forward"),
    aim(corpus.CUDA_CALL_CODE, "a CUDA call without a GPU", "mlp_pytorch.MLP.forward", "CUDA"),
]

RESOURCES = [
    aim(corpus.ENDLESS_LOOP_CODE, "endless loop in a method",
        "modules.CrossEntropyModule.backward", "time limit"),
    aim(corpus.MEMORY_GROWTH_CODE, "memory growth", "modules.LeakyReLUModule.forward", "memory"),
    aim(corpus.CHATTY_CODE, "tens of MiB on stdout and stderr", "modules.SoftMaxModule.forward",
        honest=True),
    aim(corpus.FLOOD_CODE, "output over the file limit", "mlp_numpy.MLP.forward",
        "output limit"),
    # A case process holds PyTorch (imported before the fork), which makes every fork about
    # five times slower than in a NumPy-only grader: 12 children fit the suite's 2 s cases.
    aim(corpus.DAEMONS_CODE, "processes that outlive grading", "modules.CrossEntropyModule.forward",
        honest=True, forks="12"),
    aim(corpus.ENDLESS_THREADS_CODE, "threads that never end", "mlp_pytorch.MLP.__init__",
        honest=True),
]

# A backward-stage cross-entropy case calls backward alone (a forward attack would leave the
# backward cases, judged on the module's own stored output, passing).
SNOOP = aim(corpus.SNOOP_CODE, "read and change grader files",
            "modules.CrossEntropyModule.backward", key="cross_entropy.dx")
NETWORK = aim(corpus.NETWORK_CODE, "network access", "modules.CrossEntropyModule.forward",
              honest=True)

# modules.py may not import torch (its policy rule): the blocker refuses it there.
DYNAMIC_IMPORT = aim(corpus.DYNAMIC_IMPORT_CODE, "dynamic forbidden import",
                     "modules.LeakyReLUModule.backward", "import of 'torch' is not allowed")
MISSING_MODULE = aim(corpus.MISSING_MODULE_CODE, "missing module", "mlp_numpy.MLP.backward",
                     "helpers_not_shipped")
STATIC_IMPORT = corpus.Attack("static forbidden import", "mlp_numpy.py",
                              corpus.STATIC_IMPORT_CODE)


def _nothing_stolen(result: dict) -> None:
    """The torch.load payload ran in the sandbox and wrote nothing into the grader's folder."""
    assert not list(corpus.GRADER_DIR.glob("stolen-*")), list(corpus.GRADER_DIR.glob("stolen-*"))


EXTRA_CHECKS = {
    # The payload's module answered honestly; the BatchNorm Function is never attacked.
    "crashes": [_nothing_stolen, full_marks("bn_module", "bn_function", "bn_autograd",
                                             "softmax")],
    "resources": [full_marks("linear", "softmax", "mlp_pytorch", "bn_autograd", "bn_module",
                              "bn_function", "convnet")],
}

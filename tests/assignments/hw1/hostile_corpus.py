"""hw1's hostile corpus: the shared templates (tests/hostile/corpus.py) aimed at hw1's API, and
what hw1 alone can express (its function arguments, its case names, its files). The generic
tests/test_hostile.py grades every group; tests/assignments/hw1/test_hostile.py adds hw1's own.

``api_names(case)`` names what a case of hw1 runs: its class or function, its MLP's
activations, criterion and BatchNorm (classes, not methods: hw1's MLP cases run every method
of the objects they build). An attack's ``targets`` are such names.
"""
from __future__ import annotations

from hostile.corpus import (Attack, CHATTY_CODE, DAEMONS_CODE, DYNAMIC_IMPORT_CODE,
                            ENDLESS_LOOP_CODE, EXCEPTION_CODE, FLOOD_CODE, MEMORY_GROWTH_CODE,
                            MISSING_MODULE_CODE, NETWORK_CODE, OS_EXIT_CODE, RECURSION_CODE,
                            SEGFAULT_CODE, SNOOP_CODE, STATIC_IMPORT_CODE, SYS_EXIT_CODE,
                            TAMPER_CODE, WORKER_PARENT, KIT_CODE, KILL_GRADER_CODE, aim,
                            fake_autolab)

ASSIGNMENT = "hw1"


GRADER_ACTIVATIONS = {"Softsign"}            # the grader's own, not the student's
USES_TO_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
                 "leaky_relu": "LeakyReLU", "softmax_cross_entropy": "SoftmaxCrossEntropy"}


def api_names(case) -> frozenset[str]:
    """The student API names a case of hw1 runs."""
    params, family = case.params, case.family
    if family == "activation":
        return frozenset({params["cls"]})
    if family == "softmax_cross_entropy":
        return frozenset({"SoftmaxCrossEntropy"})
    if family == "initializers":
        return frozenset({"initializers"})
    if family == "training_stats":
        return frozenset({"get_training_stats"})
    if family == "batchnorm":
        return frozenset({"BatchNorm"})
    assert "input_size" in params, family  # the MLP families (mlp_*, vectorisation)
    names = {"MLP"} | {a for a in params.get("activations", ["Identity"])
                       if a not in GRADER_ACTIVATIONS}
    if params.get("criterion"):
        names.add(params["criterion"])
    if params.get("num_bn_layers"):
        names.add("BatchNorm")
    # The specs' `uses` must agree: an item a case says it uses is among the names it runs.
    assert {USES_TO_NAMES[u] for u in case.uses if u in USES_TO_NAMES} <= names, case.name
    return frozenset(names)


INITIALIZERS = {"random_normal_weight_init", "zeros_bias_init"}


def traced_name(owner: str | None, name: str) -> str | None:
    """A call the tracer saw (tests/hostile/trace.py) as one of hw1's API names: the class of
    the object, or the function (both initializers are one name)."""
    if owner is None:
        return "initializers" if name in INITIALIZERS else name
    return None if owner in GRADER_ACTIVATIONS else owner


FAKE_AUTOLAB = fake_autolab(ASSIGNMENT)


# ------------------------------------------------------------------------------- tampering

TAMPER = aim(TAMPER_CODE, "tamper", "activations.py", "Sigmoid.forward", {"Sigmoid"}, "Sigmoid")


# ------------------------------------------------------------------------- exits and crashes

EXIT_IN_METHOD = aim(OS_EXIT_CODE, "os._exit in a method", "activations.py", "Tanh.forward",
                     {"Tanh"}, "exit code 0")
SYS_EXIT_IN_INIT = aim(SYS_EXIT_CODE, "sys.exit in __init__", "activations.py", "ReLU.__init__",
                       {"ReLU"}, "sys.exit(3)")
SEGFAULT = aim(SEGFAULT_CODE, "segfault via ctypes", "activations.py", "LeakyReLU.forward",
               {"LeakyReLU"}, "segmentation fault")
RECURSION = aim(RECURSION_CODE, "infinite recursion", "loss.py", "SoftmaxCrossEntropy.forward",
                {"SoftmaxCrossEntropy"}, "RecursionError")
EXCEPTION_IN_INIT = aim(EXCEPTION_CODE, "exception in __init__", "batchnorm.py",
                        "BatchNorm.__init__", {"BatchNorm"}, "hostile constructor")

# As root the sandbox user owns the worker, so this kills it (and with kill(-1) every process
# of the sandbox user, the other running case included); the innocent one must be rerun.
KILL_THE_PARENT = Attack("kill the parent process", "initializers.py",
                         targets=frozenset({"initializers"}),
                         reason="grading process stopped while running this case",
                         code=WORKER_PARENT + '''

def random_normal_weight_init(d0, d1):
    if d0 == 1 and {kill_everyone}:
        _os.kill(-1, _signal.SIGKILL)
    _kill_worker_parent()
''')
CRASHES = [EXIT_IN_METHOD, SYS_EXIT_IN_INIT, SEGFAULT, RECURSION, EXCEPTION_IN_INIT,
           KILL_THE_PARENT]


# ------------------------------------------------------------------------------- resources

ENDLESS_LOOP = aim(ENDLESS_LOOP_CODE, "endless loop in a method", "activations.py",
                   "Tanh.derivative", {"Tanh"}, "time limit")
MEMORY_GROWTH = aim(MEMORY_GROWTH_CODE, "memory growth", "activations.py", "ReLU.forward",
                    {"ReLU"}, "memory")
CHATTY = aim(CHATTY_CODE, "tens of MiB on stdout and stderr", "activations.py", "Sigmoid.forward")
FLOOD = aim(FLOOD_CODE, "output over the file limit", "activations.py", "LeakyReLU.forward",
            {"LeakyReLU"}, "output limit")
DAEMONS = aim(DAEMONS_CODE, "processes that outlive grading", "training.py", "get_training_stats")
# Turns the sandbox's result folder into a trap for the trusted side, then kills the worker, so
# the trusted side reads this case's output and starts a fresh worker next to the traps. Its own
# log becomes a link to a secret (d0 = 4) or a FIFO, whose reader blocks forever (d0 = 10); the
# other files become FIFOs, or links to {trap}, a file the grader must never create.
TRAPS = Attack("links and FIFOs for the trusted side", "initializers.py",
               targets=frozenset({"initializers"}),
               reason="grading process stopped while running this case",
               code=WORKER_PARENT + '''
import glob as _glob

_VISIBLE = ["sigmoid_basic", "tanh_basic", "relu_basic", "init_small", "init_seed_7",
            "training_stats_values", "linear_forward"]


def _trap(path, target=None):
    try:
        _os.unlink(path)
    except OSError:
        pass
    try:
        _os.symlink(target, path) if target else _os.mkfifo(path)
    except OSError:
        pass


def random_normal_weight_init(d0, d1):
    own_log = _os.readlink("/proc/self/fd/1")
    out = _os.path.dirname(own_log)
    for path in _glob.glob(out + "/*"):
        _trap(path)
    for name in _VISIBLE:
        for suffix in (".json", ".npz", ".log"):
            _trap(_os.path.join(out, name + suffix), {trap!r} if suffix != ".npz" else None)
    for name in ("worker-stderr.log", "out", "site"):
        _trap(_os.path.join(out, "..", name), {trap!r})
    _trap(own_log, {secret!r} if d0 == 4 else None)
    _kill_worker_parent()
''')
RESOURCES = [ENDLESS_LOOP, MEMORY_GROWTH, CHATTY, FLOOD, DAEMONS, TRAPS]


# ---------------------------------------------------------------- confidentiality, network

SNOOP = aim(SNOOP_CODE, "read and change grader files", "activations.py", "Sigmoid.forward",
            {"Sigmoid"}, "Sigmoid", key="Sigmoid.forward")
NETWORK = aim(NETWORK_CODE, "network access", "activations.py", "Tanh.forward")
KIT = aim(KIT_CODE, "list and read the kit", "activations.py", "ReLU.forward")
KILL_GRADER = aim(KILL_GRADER_CODE, "kill the grader and kill(-1)", "activations.py",
                  "Sigmoid.forward")


# --------------------------------------------------------------------------------- imports

DYNAMIC_IMPORT = aim(DYNAMIC_IMPORT_CODE, "dynamic forbidden import", "activations.py",
                     "Tanh.forward", {"Tanh"}, "import of 'torch' is not allowed")
MISSING_MODULE = aim(MISSING_MODULE_CODE, "missing module", "activations.py", "ReLU.forward",
                     {"ReLU"}, "helpers_not_shipped")
STATIC_IMPORT = Attack("static forbidden import", "activations.py", STATIC_IMPORT_CODE)


# ------------------------------------------------------------------------ shapes and types

MISSING_CLASS = Attack("missing class", "activations.py", targets=frozenset({"Tanh"}),
                       reason="does not define `Tanh`", code="del Tanh\n",
                       replace=(("__init__.py", "LeakyReLU, ReLU, Sigmoid, Tanh",
                                 "LeakyReLU, ReLU, Sigmoid"),))
MISSING_METHOD = Attack("missing method", "activations.py", targets=frozenset({"ReLU"}),
                        reason="not implemented", code="del ReLU.derivative\n")
WRONG_SHAPE = Attack("wrong shape", "activations.py", targets=frozenset({"Sigmoid"}),
                     reason="shape", code='''
_honest_sigmoid_forward = Sigmoid.forward
Sigmoid.forward = lambda self, x: _honest_sigmoid_forward(self, x).reshape(-1)
''')
# An ndarray subclass that claims equality with anything, and answers every ufunc with "True".
LYING_SUBCLASS = Attack("ndarray subclass that lies", "activations.py",
                        targets=frozenset({"LeakyReLU"}), reason="LeakyReLU", code='''
import numpy as _np


class _Liar(_np.ndarray):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return True

    def __array__(self, dtype=None, copy=None):
        return _np.zeros(self.shape)

    def __float__(self):
        return 0.0


def _lie(self, x):
    self.state = _np.zeros_like(x).view(_Liar)
    return _np.full(x.shape, 7.0).view(_Liar)


LeakyReLU.forward = _lie
LeakyReLU.derivative = lambda self: _np.full(self.state.shape, 7.0).view(_Liar)
''')
NON_FINITE = Attack("NaN and inf", "loss.py", targets=frozenset({"SoftmaxCrossEntropy"}),
                    reason="NaN or inf", code='''
import numpy as _np

_honest_sce_forward = SoftmaxCrossEntropy.forward
_honest_sce_derivative = SoftmaxCrossEntropy.derivative
SoftmaxCrossEntropy.forward = lambda self, x, y: _honest_sce_forward(self, x, y) * _np.inf
SoftmaxCrossEntropy.derivative = lambda self: _honest_sce_derivative(self) * _np.nan
''')
# Reason left open: the forward cases say "float() argument must be", the others fail later.
OBJECT_ARRAY = Attack("object array", "batchnorm.py", targets=frozenset({"BatchNorm"}), code='''
import numpy as _np


def _objects(self, x, eval=False):
    out = _np.empty(x.shape, dtype=object)
    out[...] = [{{"not": "a number"}}] * x.shape[-1]
    return out


BatchNorm.forward = _objects
BatchNorm.__call__ = lambda self, x, eval=False: self.forward(x, eval)
''')
HUGE_ARRAY = Attack("huge array returned", "initializers.py", targets=frozenset({"initializers"}),
                    reason="too large", code='''
import numpy as _np


def random_normal_weight_init(d0, d1):
    return _np.broadcast_to(_np.float64(1.0), (100_000, 1_000))
''')
# Correct values as nested lists: converted to arrays in the worker, so these cases pass.
LISTS = Attack("lists instead of arrays", "training.py", code='''
_honest_stats_for_lists = get_training_stats


def get_training_stats(*args, **kwargs):
    return tuple(a.tolist() for a in _honest_stats_for_lists(*args, **kwargs))
''')
SHAPES_AND_TYPES = [MISSING_CLASS, MISSING_METHOD, WRONG_SHAPE, LYING_SUBCLASS, NON_FINITE,
                    OBJECT_ARRAY, HUGE_ARRAY, LISTS]


# ------------------------------------------------------- what else hw1's reports must show

def _object_array_named(result: dict) -> None:
    messages = {c["name"]: c["message"] for item in result["items"] for c in item["cases"]}
    assert "bn.forward: expected an array of numbers" in messages["bn_forward"]


# group of the generic tests/test_hostile.py -> checks of its report beyond containment.
EXTRA_CHECKS = {"shapes": [_object_array_named]}

"""CW3's hostile corpus: the shared templates (tests/hostile/corpus.py) planted into a copy of
solution/cw3/cw3_mlp, in layers.py, losses.py, model.py and optimizer.py. The generic
tests/test_hostile.py grades every group; tests/assignments/cw3/test_hostile.py adds CW3's own.

``targets`` are the methods, "Class.method", whose cases must fail: a CW3 case runs only some
methods of the classes it builds (``api_names`` below: its scenarios build an MLP's layers from
the student's classes, but its MLP cases swap in stand-ins before any forward, and SGD cases
only construct the layers, so a class is too coarse a name), so an attack on Linear.backward
must cost nothing to the SGD cases, which build Linear layers but never call backward.
"""
from __future__ import annotations

from hostile import corpus
from hostile.expect import full_marks
from hostile.expect import cases as case_specs

ASSIGNMENT = "cw3"
FILES = {"Linear": "layers.py", "ReLU": "layers.py", "Sigmoid": "layers.py",
         "CrossEntropyLoss": "losses.py", "MLP": "model.py", "SGD": "optimizer.py"}
FAKE_AUTOLAB = corpus.fake_autolab(ASSIGNMENT)


# From solution/cw3/grading/scenarios/*.py: which of the student's methods each family calls.

CW3_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid"}      # activation = "none": no layer
CW3_ITEM_CLASSES = {"linear": "Linear", "relu": "ReLU", "sigmoid": "Sigmoid",
                    "loss": "CrossEntropyLoss", "model": "MLP", "sgd_momentum": "SGD"}
LAYER = ("__init__", "forward", "backward")


def _methods(cls: str | None, *methods: str) -> set[str]:
    return {f"{cls}.{m}" for m in methods} if cls else set()


def traced_name(owner: str | None, name: str) -> str | None:
    """A call the tracer saw (tests/hostile/trace.py) as one of CW3's API names."""
    return f"{owner}.{name}" if owner else name


def api_names(case) -> frozenset[str]:
    """The student methods ("Class.method") a case of cw3 runs."""
    params, family = case.params, case.family
    act = CW3_ACTIVATIONS.get(params.get("activation", "none"))
    mode = params.get("mode")
    if family == "linear_layer":              # mode forward: no backward
        names = _methods("Linear", "__init__", "forward") | (
            set() if mode == "forward" else {"Linear.backward"})
    elif family == "activation":              # stage forward: no backward
        names = _methods(params["cls"], "__init__", "forward") | (
            set() if params["stage"] == "forward" else {f"{params['cls']}.backward"})
    elif family == "cross_entropy":
        names = _methods("CrossEntropyLoss", *LAYER)
    elif family == "mlp_unknown_activation":
        # The solution refuses the name before it builds any layer.
        names = {"MLP.__init__"}
    elif family in ("mlp_structure", "mlp_passes", "mlp_end_to_end"):
        # MLP.__init__ builds the student's Linear and activation objects (hidden_dims = []
        # may still make one); mlp_passes swaps in stand-ins before calling MLP.forward/backward.
        names = {"MLP.__init__", "Linear.__init__"} | _methods(act, "__init__")
        if family == "mlp_passes":
            names |= {"MLP.forward"} | ({"MLP.backward"} if mode == "backward" else set())
        elif family == "mlp_end_to_end":
            names |= _methods("MLP", *LAYER) | _methods("Linear", *LAYER) | _methods(act, *LAYER)
    elif family in ("sgd", "sgd_setup", "weight_decay"):
        # build_layers: Linear objects with an activation object between two of them.
        names = {"Linear.__init__", "SGD.__init__"}
        if len(params["dims"]) > 2:
            names |= _methods(act, "__init__")
        if family in ("weight_decay", "sgd_setup") or mode in ("steps", "loop"):
            names.add("SGD.step")
        if mode in ("loop", "zero_grad"):
            names.add("SGD.zero_grad")
    elif family == "gradient_checks":
        target = params["target"]
        if target == "mlp":
            names = (_methods("MLP", *LAYER) | _methods("Linear", *LAYER)
                     | _methods(act, *LAYER) | _methods("CrossEntropyLoss", *LAYER))
        else:
            cls = {"linear": "Linear", "loss": "CrossEntropyLoss", **CW3_ACTIVATIONS}[target]
            names = _methods(cls, *LAYER)
    else:
        raise AssertionError(f"{case.name}: no mapping for the cw3 family {family!r}")
    # The specs' `uses` must agree: an item a case says it uses is a class whose code it runs.
    classes = {name.split(".")[0] for name in names}
    assert {CW3_ITEM_CLASSES[u] for u in case.uses} <= classes, case.name
    return frozenset(names)


def aim(code: str, name: str, target: str, reason: str = "", honest: bool = False,
        **fill: str) -> corpus.Attack:
    """``code`` planted against the method ``target`` in the file that defines its class; its
    cases must fail with ``reason`` unless the attack answers ``honest``ly."""
    return corpus.aim(code, name, FILES[target.split(".")[0]], target,
                      () if honest else {target}, reason, **fill)


# ------------------------------------------------------------------------------- tampering

# The wrong Sigmoid.forward costs the sigmoid item everything, whatever was forged. Reason left
# open: the sigmoid cases name the tensor ("sigmoid.out: ... values differ"), the gradient
# checks the check ("gradient check failed: Sigmoid: ..."); the tests check the former.
TAMPER = aim(corpus.TAMPER_CODE, "tamper", "Sigmoid.forward")

# ------------------------------------------------------------------------- exits and crashes

CRASHES = [
    aim(corpus.OS_EXIT_CODE, "os._exit in a method", "ReLU.forward", "exit code 0"),
    # Every case that builds a Sigmoid (MLP and SGD cases with sigmoid layers included) fails.
    aim(corpus.SYS_EXIT_CODE, "sys.exit in __init__", "Sigmoid.__init__", "sys.exit(3)"),
    aim(corpus.SEGFAULT_CODE, "segfault via ctypes", "Linear.backward", "segmentation fault"),
    aim(corpus.RECURSION_CODE, "infinite recursion", "CrossEntropyLoss.forward",
        "RecursionError"),
]

# ------------------------------------------------------------------------------- resources

# The looping and flooding methods are called by few visible cases, each stopped at its limit.
RESOURCES = [
    aim(corpus.ENDLESS_LOOP_CODE, "endless loop in a method", "CrossEntropyLoss.backward",
        "time limit"),
    aim(corpus.MEMORY_GROWTH_CODE, "memory growth", "ReLU.forward", "memory"),
    aim(corpus.CHATTY_CODE, "tens of MiB on stdout and stderr", "Sigmoid.forward", honest=True),
    aim(corpus.FLOOD_CODE, "output over the file limit", "MLP.forward", "output limit"),
    aim(corpus.DAEMONS_CODE, "processes that outlive grading", "SGD.zero_grad", honest=True),
]

# ---------------------------------------------------------------- confidentiality, network

# The cheating Sigmoid.forward returns the reference "sigmoid.out" when it can read one (reason
# left open, as for TAMPER).
SNOOP = aim(corpus.SNOOP_CODE, "read and change grader files", "Sigmoid.forward",
            key="sigmoid.out")
# CrossEntropyLoss() is made once per case (not once per gradient-check step).
NETWORK = aim(corpus.NETWORK_CODE, "network access", "CrossEntropyLoss.__init__", honest=True)

# --------------------------------------------------------------------------------- imports

DYNAMIC_IMPORT = aim(corpus.DYNAMIC_IMPORT_CODE, "dynamic forbidden import", "Sigmoid.backward",
                     "import of 'torch' is not allowed")
MISSING_MODULE = aim(corpus.MISSING_MODULE_CODE, "missing module", "SGD.step",
                     "helpers_not_shipped")
STATIC_IMPORT = corpus.Attack("static forbidden import", "model.py", corpus.STATIC_IMPORT_CODE)


# ------------------------------------------------------- what else CW3's reports must show

def _wrong_sigmoid_seen(result: dict) -> None:
    """Every forward case of the sigmoid item failed on the values of the attacked
    Sigmoid.forward (whatever comparisons the submission patched, or whatever references it
    looked for). Backward cases are judged given the student's own forward output."""
    forward = {c.name for c in case_specs("all", ASSIGNMENT)
               if c.item == "sigmoid" and c.params.get("stage") == "forward"}
    cases = [c for item in result["items"] if item["id"] == "sigmoid" for c in item["cases"]
             if c["name"] in forward]
    assert cases and all(not c["passed"] and c["message"].startswith("sigmoid.out: ")
                         for c in cases), cases


# group of the generic tests/test_hostile.py -> checks of its report beyond containment.
# Full marks where a class is built but none of its attacked methods is called.
EXTRA_CHECKS = {
    "tamper": [_wrong_sigmoid_seen, full_marks("linear", "model")],
    # weight_decay builds Linear layers and steps SGD, and calls no attacked method.
    "crashes": [full_marks("weight_decay")],
    "resources": [full_marks("linear", "sigmoid", "sgd_momentum", "weight_decay")],
    "secrets": [_wrong_sigmoid_seen],
}

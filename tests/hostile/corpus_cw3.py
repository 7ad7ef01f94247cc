"""The hostile corpus aimed at CW3: hw1's attack bodies (the templates of corpus.py) planted into
a copy of solution/cw3/cw3_mlp, in layers.py, losses.py, model.py and optimizer.py.

``targets`` are the methods, "Class.method", whose cases must fail: a CW3 case runs only some
methods of the classes it builds (expect.cw3_api_names), so an attack on Linear.backward must
cost nothing to the SGD cases, which build Linear layers but never call backward. Build a
submission with ``corpus.build(dest, attacks, "cw3", ...)``.
"""
from __future__ import annotations

from hostile import corpus

ASSIGNMENT = "cw3"
FILES = {"Linear": "layers.py", "ReLU": "layers.py", "Sigmoid": "layers.py",
         "CrossEntropyLoss": "losses.py", "MLP": "model.py", "SGD": "optimizer.py"}


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

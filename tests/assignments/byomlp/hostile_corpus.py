"""BYOMLP's hostile corpus: the shared templates (tests/hostile/corpus.py) planted into a copy
of the solution's mlp.py (methods "MLP.<name>"), and attacks written as notebook cells
(NOTEBOOK, NOTEBOOK_SNOOP): a notebook that sleeps past the cell limit, one that forks and
fork-bombs, one that reads the grader's files. The generic tests/test_hostile.py grades every
group.

Which cases run what (from solution/byomlp/grading/scenarios/*.py): every case builds an MLP
(__init__, add_layer); forward cases call forward; backward cases call zero_grad, backward
(which runs forward) and step. A notebook case executes its whole notebook, which runs every
method of the student's mlp.py; it is named by the notebook too ("Classification.ipynb"), so
it is never a case that tests one method alone: it may pass, or fail downstream of an attack.

The notebook families cannot be traced in process (the notebook imports mlp by name in its own
namespace, not the traced module): UNTRACED_FAMILIES says so to the mapping test.
"""
from __future__ import annotations

from hostile import corpus
from hostile.expect import full_marks

ASSIGNMENT = "byomlp"
MODULE = "mlp.py"
CLASSIFICATION, AUTOENCODER = "Classification.ipynb", "Autoencoder.ipynb"
NOTEBOOK_OF = {"classification": CLASSIFICATION, "autoencoder": AUTOENCODER}
BUILD = {"MLP.__init__", "MLP.add_layer"}
EVERY_METHOD = BUILD | {"MLP.forward", "MLP.backward", "MLP.step", "MLP.zero_grad"}
ITEM_NAMES = {"forward": {"MLP.add_layer", "MLP.forward"},
              "backpropagation": {"MLP.backward", "MLP.step", "MLP.zero_grad"}}
UNTRACED_FAMILIES = {
    "classification": "the notebook imports mlp by name in its own namespace",
    "autoencoder": "the notebook imports mlp by name in its own namespace",
}


def traced_name(owner: str | None, name: str) -> str | None:
    """A call the tracer saw as one of BYOMLP's API names (mlp.py has methods only)."""
    return f"{owner}.{name}" if owner else None


def api_names(case) -> frozenset[str]:
    """The student names a case of byomlp runs: "MLP.<method>", and the notebook it executes."""
    family = case.family
    if family == "mlp_init":
        names = set(BUILD)
    elif family == "mlp_forward":
        names = BUILD | {"MLP.forward"}
    elif family == "mlp_backward":
        names = set(EVERY_METHOD)
    elif family in NOTEBOOK_OF:
        names = EVERY_METHOD | {NOTEBOOK_OF[family]}
    else:
        raise AssertionError(f"{case.name}: no mapping for the byomlp family {family!r}")
    for used in case.uses:   # an item a case says it uses is code it runs
        assert ITEM_NAMES[used] & names, case.name
    return frozenset(names)


def aim(code: str, name: str, target: str, reason: str = "", honest: bool = False,
        **fill: str) -> corpus.Attack:
    """``code`` planted into mlp.py against the method ``target`` ("MLP.step"); its cases must
    fail with ``reason`` unless the attack answers ``honest``ly."""
    return corpus.aim(code, name, MODULE, target, () if honest else {target}, reason, **fill)


def _once_per_process(template: str, body: str, first: str) -> str:
    """``template`` with the attack's ``body`` function doing its costly ``first`` statement once
    per process: a notebook calls forward thousands of times while it trains."""
    old = f"def {body}(*args, **kwargs):\n    {first}\n"
    assert template.count(old) == 1, (body, first)
    return template.replace(old, f"_done_{body} = []\n\n\ndef {body}(*args, **kwargs):\n"
                                 f"    if not _done_{body}:\n"
                                 f"        _done_{body}.append(True)\n"
                                 f"        {first}\n")


def _cached_lookup(template: str) -> str:
    """SNOOP_CODE's search of the reference files, done once per output shape."""
    old = "def _reference_for(name, shape):\n"
    assert template.count(old) == 1
    return template.replace(old, "import functools as _functools\n\n\n"
                                 "@_functools.lru_cache(maxsize=None)\n" + old)


# ------------------------------------------------------------------------------- tampering

# step answers None * 1.5: it raises, so the backpropagation item scores 0 whatever was forged;
# the notebooks stop at their first training step.
TAMPER = aim(corpus.TAMPER_CODE, "tamper", "MLP.step")

# ------------------------------------------------------------------------- exits and crashes

CRASHES = [
    aim(corpus.OS_EXIT_CODE, "os._exit in a method", "MLP.forward", "exit code 0"),
    aim(corpus.SYS_EXIT_CODE, "sys.exit in a method", "MLP.zero_grad", "sys.exit(3)"),
    aim(corpus.SEGFAULT_CODE, "segfault via ctypes", "MLP.step", "segmentation fault"),
    aim(corpus.RECURSION_CODE, "infinite recursion", "MLP.backward", "RecursionError"),
]

# ------------------------------------------------------------------------------- resources

# Every case builds an MLP, so the honest attacks (chatter, daemons) go on methods only the
# backward cases and the notebooks call: in an add_layer they would spend every case's 2 s.
# The daemons wrap the flood (planted after it), so they are spawned before the output limit
# stops the process; the add_layer cases pass.
RESOURCES = [
    aim(corpus.ENDLESS_LOOP_CODE, "endless loop in a method", "MLP.zero_grad", "time limit"),
    aim(corpus.MEMORY_GROWTH_CODE, "memory growth", "MLP.forward", "memory"),
    aim(corpus.CHATTY_CODE, "tens of MiB on stdout and stderr", "MLP.backward", honest=True),
    aim(corpus.FLOOD_CODE, "output over the file limit", "MLP.step", "output limit"),
    aim(corpus.DAEMONS_CODE, "processes that outlive grading", "MLP.step", honest=True),
]

# ---------------------------------------------------------------- confidentiality, network

# The cheating forward returns the reference of the whole-network forward case when it can read
# one; otherwise a wrong answer. It snoops once per process.
SNOOP = aim(_cached_lookup(_once_per_process(corpus.SNOOP_CODE, "_cheating", "_snoop()")),
            "read and change grader files", "MLP.forward", key="forward_from_input_to_output")
# MLP(...) is made a few times per case and per notebook.
NETWORK = aim(corpus.NETWORK_CODE, "network access", "MLP.__init__", honest=True)

# --------------------------------------------------------------------------------- imports

DYNAMIC_IMPORT = aim(corpus.DYNAMIC_IMPORT_CODE, "dynamic forbidden import", "MLP.zero_grad",
                     "import of 'torch' is not allowed")
MISSING_MODULE = aim(corpus.MISSING_MODULE_CODE, "missing module", "MLP.step",
                     "helpers_not_shipped")
STATIC_IMPORT = corpus.Attack("static forbidden import", MODULE, corpus.STATIC_IMPORT_CODE)

# ------------------------------------------------------------------------------- notebooks

# A last cell that sleeps past the cell time limit: the notebook's networks were built and
# trained before it, so only the case that asks every cell to run fails.
SLEEP_CELL = '''
import time
time.sleep(300)
'''

# A cell after the imports that forks: a bounded fork bomb (each child forks two more, seven
# levels deep, as far as the process limit lets it) and a setsid double-forked daemon, all
# ending in `sleep <marker>`; then the notebook goes on honestly. Nothing may be left running.
FORK_CELL = '''
import os as _os


def _bomb(depth):
    for _ in range(2):
        try:
            child = _os.fork()
        except OSError:
            return
        if child == 0:
            try:
                if depth:
                    _bomb(depth - 1)
                _os.execv("/bin/sleep", ["/bin/sleep", "{marker}"])
            finally:
                _os._exit(0)


def _daemonize():
    try:
        if _os.fork() == 0:
            try:
                _os.setsid()
                if _os.fork() == 0:
                    _os.execv("/bin/sh", ["/bin/sh", "-c", "sleep {marker}; sleep {marker}"])
            finally:
                _os._exit(0)
    except OSError:
        pass


_bomb(7)
_daemonize()
print("forked")
'''

# A cell after the imports that reads what a student must not see (the hidden references and
# cases, the solution's notebook and mlp.py, the mutation catalogue) and copies it out; one
# success stops the notebook (so a leak costs the notebook's items and the test sees it);
# every refusal is DENIED and the notebook goes on honestly.
SNOOP_CELL = '''
import glob as _glob

_leaked = []
for _path in [{data_dir!r} + "/hidden/manifest.json", {spec_dir!r} + "/cases/hidden.toml",
              {spec_dir!r} + "/mutants.py", {solution_package!r} + "/Autoencoder.ipynb",
              {solution_package!r} + "/mlp.py",
              *_glob.glob({data_dir!r} + "/hidden/*.npz")]:
    try:
        with open(_path, "rb") as _f:
            _data = _f.read()
        for _copy in ("/tmp/stolen-{marker}", {grader_dir!r} + "/stolen-{marker}"):
            try:
                with open(_copy, "wb") as _f:
                    _f.write(_data)
            except OSError:
                pass
        _leaked.append(_path)
    except OSError:
        print("DENIED", _path)
if _leaked:
    raise RuntimeError("LEAKED " + ", ".join(_leaked))
'''

AFTER_IMPORTS = 2   # index of the cell after the notebooks' import cell (cell 1)

NOTEBOOK = [
    corpus.Attack("a cell that sleeps past the cell limit", CLASSIFICATION, SLEEP_CELL,
                  frozenset({CLASSIFICATION}), "cell time limit"),
    corpus.Attack("a cell that forks and fork-bombs", AUTOENCODER, FORK_CELL,
                  cell=AFTER_IMPORTS),
]
NOTEBOOK_SNOOP = corpus.Attack("a cell that reads the grader's files", AUTOENCODER, SNOOP_CELL,
                               cell=AFTER_IMPORTS)


# ------------------------------------------------------- what else BYOMLP's reports must show

def _cases_of(result: dict, item: str) -> dict[str, dict]:
    return {c["name"]: c for i in result["items"] if i["id"] == item for c in i["cases"]}


def _only_the_runs_case_fails(result: dict) -> None:
    """The sleeping cell cost the case that asks every cell to run, naming the cell; the
    networks trained before it were graded (and passed)."""
    cases = _cases_of(result, "classification")
    failed = {name: c["message"] for name, c in cases.items() if not c["passed"]}
    assert set(failed) == {"classification_runs"}, failed
    assert "cell time limit" in failed["classification_runs"], failed


def _must_pass(result: dict, case: str) -> None:
    found = {c["name"]: c for item in result["items"] for c in item["cases"]}
    assert found[case]["passed"], found[case]["message"]


# group of the generic tests/test_hostile.py -> checks of its report beyond containment.
EXTRA_CHECKS = {
    "notebook": [_only_the_runs_case_fails,
                 full_marks("forward", "backpropagation", "autoencoder")],
    "notebook_snoop": [full_marks("forward", "backpropagation", "classification",
                                   "autoencoder")],
    # The forward item's add_layer cases build networks only: they pass.
    "resources": [lambda result: _must_pass(result, "add_layer_parameters")],
}

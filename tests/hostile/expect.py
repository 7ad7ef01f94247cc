"""What every hostile grading must satisfy, computed from the case specs, never from the report.

A case "touches" the student API names its scenario calls: for hw1 its class or function, its
MLP's activations, criterion and BatchNorm; for cw3 the methods it calls, "Class.method" (its
scenarios build an MLP's layers from the student's classes, but its MLP cases swap in stand-ins
before any forward, and SGD cases only construct the layers, so a class is too coarse a name).
``API_NAMES`` holds one mapping per assignment. Cases touching an attacked name are guilty; every
other case must pass, so every item without a guilty case keeps full marks and the total is
exactly what the honest parts earn.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.results.scoring import score_item
from support import assignment as find_assignment

GRADER_DIR = Path(__file__).resolve().parents[2]
GRADER_FILES = [GRADER_DIR / "autograder", GRADER_DIR / "solution", GRADER_DIR / "data"]


def cases(suite: str, assignment: str = "hw1") -> list:
    data = find_assignment(assignment).data_dir
    return load_manifest("visible", data) + (load_manifest("hidden", data)
                                             if suite == "all" else [])


# ------------------------------------------------------------------------------------- hw1

GRADER_ACTIVATIONS = {"Softsign"}            # the grader's own, not the student's
USES_TO_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
                 "leaky_relu": "LeakyReLU", "softmax_cross_entropy": "SoftmaxCrossEntropy"}


def hw1_api_names(case) -> frozenset[str]:
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


# ------------------------------------------------------------------------------------- cw3
# From solution/cw3/grading/scenarios/*.py: which of the student's methods each family calls.

CW3_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid"}      # activation = "none": no layer
CW3_ITEM_CLASSES = {"linear": "Linear", "relu": "ReLU", "sigmoid": "Sigmoid",
                    "loss": "CrossEntropyLoss", "model": "MLP", "sgd_momentum": "SGD"}
LAYER = ("__init__", "forward", "backward")


def _methods(cls: str | None, *methods: str) -> set[str]:
    return {f"{cls}.{m}" for m in methods} if cls else set()


def cw3_api_names(case) -> frozenset[str]:
    """The student methods ("Class.method") a case of cw3 runs."""
    params, family = case.params, case.family
    act = CW3_ACTIVATIONS.get(params.get("activation", "none"))
    mode = params.get("mode")
    if family == "linear_layer":              # mode forward: no backward
        names = _methods("Linear", "__init__", "forward") | (
            set() if mode == "forward" else {"Linear.backward"})
    elif family == "activation":
        names = _methods(params["cls"], *LAYER)
    elif family == "cross_entropy":
        names = _methods("CrossEntropyLoss", *LAYER)
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
        if family == "weight_decay" or mode in ("steps", "loop"):
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


API_NAMES = {"hw1": hw1_api_names, "cw3": cw3_api_names}


def api_names(case, assignment: str = "hw1") -> frozenset[str]:
    """The student API names a case runs (of hw1 unless ``assignment`` says otherwise)."""
    return API_NAMES[assignment](case)


def tests_alone(names: frozenset[str]) -> bool:
    """A case that runs one class (or function) only: it must fail when that is attacked."""
    return len({name.split(".")[0] for name in names}) == 1


# --------------------------------------------------------------------------------- checks

def own_words(case: dict) -> str:
    """What a case found, without the notes grading adds (an excused case's "not scored: ...",
    a failed one's "Note: this case also runs your <item>"), which name items, not reasons."""
    message = case["message"]
    if case.get("excused", False):
        message = message.partition("\nWhat this case found: ")[2]
    return message.partition("\nNote: this case also runs")[0]


def assert_contained(result: dict, suite: str, guilty: frozenset[str],
                     reasons: dict[str, str] | None = None, assignment: str = "hw1") -> None:
    """Cases that test an attacked name alone fail with its reason; cases that also run other
    code may pass, or fail with a reason or downstream of it (excused, i.e. not scored since
    they run an item that failed, or with the note naming that item); every other case passes;
    every item scores points x passed/scored of exactly that pattern; every item without a
    guilty case keeps full marks; the total follows."""
    reasons = reasons or {}
    names_of = API_NAMES[assignment]
    by_name = {c["name"]: c for item in result["items"] for c in item["cases"]}
    specs = cases(suite, assignment)
    assert set(by_name) == {c.name for c in specs}
    timed = {item["id"] for item in result["items"] if item["max_score"] == 0}
    problems = []
    for spec in specs:
        got = by_name[spec.name]
        names = names_of(spec)
        hit = names & guilty
        if spec.item in timed:
            continue  # 0-point items judge timing (vectorisation), not values: not for this check
        if not hit:
            if not got["passed"]:
                problems.append(f"{spec.name}: an innocent case failed: {got['message']}")
            continue
        direct = tests_alone(names)
        if got["passed"]:
            # A case may not call the attacked method (zero_grads never calls forward).
            if direct:
                problems.append(f"{spec.name}: passed although it tests {sorted(hit)}")
            continue
        wanted = [reasons[n] for n in hit if reasons.get(n)]
        # A case of the attacked name itself must give the attack's reason (an excused one
        # too: its message says what it found); a case running more may instead fail
        # downstream of it, excused or with the note that names the failed item.
        downstream = not direct and (got.get("excused", False)
                                     or "Note: this case also runs" in got["message"])
        if wanted and not downstream and not any(w in own_words(got) for w in wanted):
            problems.append(f"{spec.name}: expected one of {wanted} in: {got['message']}")
    assert problems == [], "\n".join(problems)
    total = 0.0
    for item in result["items"]:
        scored = [c for c in item["cases"] if not c.get("excused", False)]
        passed = sum(c["passed"] for c in scored)
        expected = score_item(item["max_score"], passed, len(scored), False)
        assert item["score"] == round(expected, 2) or abs(item["score"] - expected) < 0.011, item
        touched = any(names_of(s) & guilty for s in specs if s.item == item["id"])
        if item["id"] in timed or item.get("manual"):
            continue  # manual: graded by hand, no case
        if not touched:
            assert item["score"] == item["max_score"], item["id"]
        total += expected
    assert abs(result["score"] - min(result["max_score"], total)) < 0.011


def fingerprint(paths=GRADER_FILES) -> dict[str, tuple[str, int]]:
    """sha256 and mode of every file under the grader's folders (caches left out)."""
    found = {}
    for top in paths:
        for path in sorted(top.rglob("*")):
            if "__pycache__" in path.parts or path.is_dir():
                continue
            found[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                path.stat().st_mode & 0o777)
    return found


def processes_with(marker: str) -> list[str]:
    """Command lines of live processes that mention ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            found.append(f"{entry}: {cmdline}")
    return found


def processes_in(folder: Path) -> list[str]:
    """Live processes whose working folder or environment (HOME) lies under ``folder``: as root,
    the sandbox's processes of a grading whose scratch folders were made there (TMPDIR)."""
    found = []
    needle = str(folder).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read()
            cwd = os.readlink(f"/proc/{entry}/cwd").encode()
        except OSError:
            continue
        if needle in environ or cwd.startswith(needle):
            found.append(entry)
    return found

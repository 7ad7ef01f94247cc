"""What every hostile grading must satisfy, computed from the case specs, never from the report.

A case "touches" the student API names its scenario calls (its class, its MLP's activations,
criterion and BatchNorm). Cases touching an attacked name are guilty; every other case must pass,
so every item without a guilty case keeps full marks and the total is exactly what the honest
parts earn.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.results.scoring import score_item

GRADER_DIR = Path(__file__).resolve().parents[2]
GRADER_FILES = [GRADER_DIR / "autograder", GRADER_DIR / "solution"]
GRADER_ACTIVATIONS = {"Softsign"}            # the grader's own, not the student's
USES_TO_NAMES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU",
                 "leaky_relu": "LeakyReLU", "softmax_cross_entropy": "SoftmaxCrossEntropy"}


def cases(suite: str) -> list:
    return load_manifest("visible") + (load_manifest("hidden") if suite == "all" else [])


def api_names(case) -> frozenset[str]:
    """The student API names a case runs."""
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


def assert_contained(result: dict, suite: str, guilty: frozenset[str],
                     reasons: dict[str, str] | None = None) -> None:
    """Cases that test an attacked name alone fail with its reason; MLP cases that run it may
    fail (any message, or one naming the failed item), pass, or be excused (not scored: they
    run an item that failed); every other case passes; every item scores points x
    passed/scored of exactly that pattern; the total follows."""
    reasons = reasons or {}
    by_name = {c["name"]: c for item in result["items"] for c in item["cases"]}
    specs = cases(suite)
    assert set(by_name) == {c.name for c in specs}
    timed = {item["id"] for item in result["items"] if item["max_score"] == 0}
    problems = []
    for spec in specs:
        got = by_name[spec.name]
        hit = api_names(spec) & guilty
        if spec.item in timed:
            continue  # 0-point items judge timing (vectorisation), not values: not for this check
        if not hit:
            if not got["passed"]:
                problems.append(f"{spec.name}: an innocent case failed: {got['message']}")
            continue
        direct = len(api_names(spec)) == 1
        if got["passed"]:
            # An MLP case may not call the attacked method (zero_grads never calls forward).
            if direct:
                problems.append(f"{spec.name}: passed although it tests {sorted(hit)}")
            continue
        wanted = [reasons[n] for n in hit if reasons.get(n)]
        # A case of the attacked name itself must give the attack's reason; an MLP case may
        # instead fail downstream of it, with the note that names the failed item.
        downstream = not direct and (got.get("excused", False)
                                     or "Note: this case also runs" in got["message"])
        if wanted and not downstream and not any(w in got["message"] for w in wanted):
            problems.append(f"{spec.name}: expected one of {wanted} in: {got['message']}")
    assert problems == [], "\n".join(problems)
    total = 0.0
    for item in result["items"]:
        scored = [c for c in item["cases"] if not c.get("excused", False)]
        passed = sum(c["passed"] for c in scored)
        expected = score_item(item["max_score"], passed, len(scored), False)
        assert item["score"] == round(expected, 2) or abs(item["score"] - expected) < 0.011, item
        touched = any(api_names(s) & guilty for s in specs if s.item == item["id"])
        if item["id"] in timed:
            continue
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

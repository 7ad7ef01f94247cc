"""data/visible/mistakes.json: what the classic mistakes of the mutation catalogue
(tests/mutants/catalogue.py) produce on the visible cases, as signatures (autograder/diagnosis.py).

Every mutant is applied to a copy of solution/mlp (tests/mutants/runner.py ``apply``) and run
through the visible cases in the sandbox, exactly like the solution: one worker per mutant, two
mutants at a time with one case process each (two cores). Each case is then judged the way
grading judges it (autograder.grading.checks.judge) with a SignatureCollector in place of the
known mistakes, so a signature is stored exactly where grading would look one up. Hidden cases
are never run.
"""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
import tempfile
from pathlib import Path

from autograder.diagnosis import MistakeBook, SignatureCollector
from autograder.manifest import ManifestError
from autograder.sandbox import Limits, run_cases
from autograder.submission import prepare

KIT_ROOT = Path(__file__).resolve().parents[2]
MUTANTS_DIR = KIT_ROOT / "tests" / "mutants"
_PACKAGE = "_autograder_mutation_catalogue"
_AT_ONCE = 2


def mutation_catalogue():
    """tests/mutants as a package (loaded from its path: the kit's tests/ is not a package,
    and a `tests` installed elsewhere must not be picked up): (MUTANTS, runner module)."""
    if _PACKAGE not in sys.modules:
        init = MUTANTS_DIR / "__init__.py"
        if not init.is_file():
            raise ManifestError(f"no mutation catalogue at {MUTANTS_DIR} (needed for "
                                f"mistakes.json; --skip-mistakes leaves it out)")
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, init, submodule_search_locations=[str(MUTANTS_DIR)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    return (importlib.import_module(f"{_PACKAGE}.catalogue").MUTANTS,
            importlib.import_module(f"{_PACKAGE}.runner"))


def generate_mistakes(cases: list, references: dict[str, dict], limits: Limits | None = None,
                      processes: int = _AT_ONCE) -> MistakeBook:
    """The signatures of every mutant's failing arrays on ``cases`` (the visible ones; their
    reference arrays by case name)."""
    from autograder.batch.pool import run_each   # instructor-side only, like this verb

    mutants, runner = mutation_catalogue()
    limits = dataclasses.replace(limits or Limits(), parallel_cases=1)
    specs = [case.worker_spec() for case in cases]
    found: dict[str, dict[str, dict[str, str]]] = {}
    failed: list[str] = []

    with tempfile.TemporaryDirectory(prefix="autograder-mistakes-") as scratch:
        def work(mutant) -> dict[str, dict[str, str]]:
            submission = runner.apply(mutant, Path(scratch) / "class" / mutant.id)
            located = prepare(submission, Path(scratch) / "located" / mutant.id)
            outcomes = run_cases(located, specs, limits)
            return {case.name: _signatures(case, outcomes[case.name], references[case.name])
                    for case in cases if outcomes[case.name].status == "ok"}

        def done(mutant, answer, exitcode) -> None:
            if answer is None:
                failed.append(f"{mutant.id} (exit {exitcode})")
            else:
                found[mutant.id] = answer

        run_each(mutants, work, processes, done)
    if failed:
        raise ManifestError("mistake signatures: the run of mutant(s) " + ", ".join(failed)
                            + " died")
    return assemble(mutants, found)


def _signatures(case, outcome, expected: dict) -> dict[str, str]:
    """Array key -> signature of each array of this outcome that grading would report."""
    from autograder.grading.checks import judge

    collector = SignatureCollector()
    try:
        judge(case.family, outcome.arrays, expected, case.params, collector)
    except Exception:  # noqa: BLE001  (grading reports a check that raises as its own error)
        return {}
    return collector.found


def assemble(mutants: list, found: dict[str, dict[str, dict[str, str]]]) -> MistakeBook:
    """mutant id -> case -> key -> digest, regrouped as case -> key -> digest -> [ids] (in
    catalogue order), with the description of every mutant named."""
    signatures: dict[str, dict[str, dict[str, list[str]]]] = {}
    for mutant in mutants:
        for case_name, by_key in found.get(mutant.id, {}).items():
            for key, digest in by_key.items():
                signatures.setdefault(case_name, {}).setdefault(key, {}).setdefault(
                    digest, []).append(mutant.id)
    named = {i for by_key in signatures.values() for table in by_key.values()
             for ids in table.values() for i in ids}
    descriptions = {m.id: m.description for m in mutants if m.id in named}
    return MistakeBook(descriptions, signatures)

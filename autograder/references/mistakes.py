"""data/<assignment>/visible/mistakes.json: what the classic mistakes of the assignment's
mutation catalogue (grading/mutants.py) produce on the visible cases, as signatures
(autograder/diagnosis.py).

Every mutant is planted into a copy of the solution's package (references/mutation.py) and run
through the visible cases in the sandbox, exactly like the solution: one worker per mutant, two
mutants at a time with one case process each (two cores). Each case is then judged the way
grading judges it (autograder.grade.judge.failures) with a SignatureCollector in place of the
known mistakes, so a signature is stored exactly where grading would look one up. Hidden cases are
never run.
"""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from autograder.assignments import Assignment
from autograder.diagnosis import MistakeBook, SignatureCollector
from autograder.compare import Comparison
from autograder.grade.judge import failures
from autograder.manifest import ManifestError
from autograder.references.mutation import load_catalogue, plant
from autograder.sandbox import Limits, run_cases
from autograder.submission import prepare

_AT_ONCE = 2


def generate_mistakes(assignment: Assignment, cases: list, references: dict[str, dict],
                      limits: Limits | None = None, processes: int = _AT_ONCE) -> MistakeBook:
    """The signatures of every mutant's failing arrays on ``cases`` (the visible ones; their
    reference arrays by case name)."""
    from autograder.batch.pool import run_each   # instructor-side only, like this verb

    mutants = load_catalogue(assignment)
    scenarios = assignment.scenarios
    comparison = Comparison(assignment.vector_names)
    limits = dataclasses.replace(limits or assignment.policy.limits, parallel_cases=1)
    specs = [case.worker_spec() for case in cases]
    found: dict[str, dict[str, dict[str, str]]] = {}
    failed: list[str] = []

    with tempfile.TemporaryDirectory(prefix="autograder-mistakes-") as scratch:
        def work(mutant) -> dict[str, dict[str, str]]:
            submission = plant(assignment, mutant, Path(scratch) / "class" / mutant.id)
            located = prepare(submission, Path(scratch) / "located" / mutant.id,
                              assignment.shape, support_dir=assignment.support_dir)
            outcomes = dict(run_cases(located, specs, scenarios, limits,
                                      policy=assignment.policy))
            return {case.name: _signatures(scenarios, comparison, case, outcomes[case.name],
                                           references[case.name])
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


def _signatures(scenarios, comparison: Comparison, case, outcome, expected: dict
                ) -> dict[str, str]:
    """Array key -> signature of each array of this outcome that grading would report."""
    collector = SignatureCollector()
    try:
        failures(scenarios.family(case.family), outcome.arrays, expected, case.params,
                 comparison.with_known(collector))
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

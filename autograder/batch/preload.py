"""Import, once in the batch's parent, what every grading would otherwise import again.

Job processes are forked from the parent, so whatever it has imported they get for free. The
grader imports NumPy and its comparison modules lazily, which a single `grade` overlaps with
the sandbox's start-up; in a batch, paying that once instead of once per student saves CPU on
every submission.
"""
from __future__ import annotations

import importlib

GRADER_MODULES = (
    "autograder.grade.pipeline", "autograder.grade.judge", "autograder.grade.score",
    "autograder.diagnosis", "autograder.sandbox.runner", "autograder.submission.locate", "autograder.submission.unpack",
    "autograder.compare", "autograder.npz",
)


def preload_grader() -> list[str]:
    """Import the grader's trusted-side modules; return the names that could not be imported
    (they are then simply imported by each job)."""
    missing = []
    for name in GRADER_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


def preload_assignment(assignment, suites: list[str]) -> None:
    """What judging reads and imports for every submission of ``assignment``, loaded once
    here: the reference arrays of ``suites`` (read and checksummed), the known mistakes and
    the case families' modules. Every forked job finds them in memory (about 40 ms of CPU a
    submission); whatever fails to load is left for each job to report."""
    from autograder.diagnosis import MISTAKES_FILE, load_mistakes
    from autograder.manifest import ManifestError, load_manifest, preload_references
    try:
        cases = [case for suite in suites for case in load_manifest(suite, assignment.data_dir)]
    except ManifestError:
        return
    preload_references(cases)
    for folder in {case.data_dir for case in cases if case.data_dir is not None}:
        load_mistakes(folder / MISTAKES_FILE)
    for family in sorted({case.family for case in cases}):
        try:
            assignment.scenarios.family(family)
        except Exception:  # noqa: BLE001  (a broken family is each job's internal error)
            pass

"""python -m autograder references [--assignment NAME] [--suite visible|hidden|all]
                               [--solution DIR] [--skip-mistakes]

Runs the assignment's solution through its case specs (grading/cases/*.toml) and writes
data/<assignment>/<suite>/: one npz per case and manifest.json; the visible suite also gets
mistakes.json, the signatures of the assignment's mutation catalogue."""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import AssignmentError, choose
from autograder.cli_common import EXIT_OK, add_assignment_argument, fail
from autograder.manifest import SUITES, ManifestError
from autograder.references.generate import generate_references
from autograder.references.mutation import MutantError
from autograder.submission import SubmissionError

PROG = "autograder references"


def add_arguments(parser) -> None:
    add_assignment_argument(parser)
    parser.add_argument("--suite", choices=(*SUITES, "all"), default="all")
    parser.add_argument("--solution", type=Path, default=None,
                        help="the reference implementation (default: solution/<assignment>/)")
    parser.add_argument("--skip-mistakes", action="store_true",
                        help="do not run the mutation catalogue through the visible cases; "
                             "the visible suite then has no mistakes.json (no known-mistake "
                             "diagnosis)")


def main(args) -> int:
    suites = SUITES if args.suite == "all" else (args.suite,)
    if args.solution is not None and not args.solution.is_dir():
        return fail(PROG, f"{args.solution}: no such folder")
    try:
        assignment = choose(args.assignment)
    except AssignmentError as exc:
        return fail(PROG, str(exc))
    try:
        counts = generate_references(assignment, suites, args.solution,
                                     mistakes=not args.skip_mistakes)
    except (ManifestError, SubmissionError, MutantError) as exc:
        return fail(PROG, str(exc), 1)
    for suite, count in counts.items():
        print(f"{assignment.name} {suite}: {count} cases written")
    return EXIT_OK

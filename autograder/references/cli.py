"""python -m autograder references [--suite visible|hidden|all]"""
from __future__ import annotations

from pathlib import Path

from autograder.cli_common import EXIT_OK, fail
from autograder.manifest import SUITES, ManifestError
from autograder.references.generate import SOLUTION_DIR, generate_references
from autograder.submission import SubmissionError

PROG = "autograder references"


def add_arguments(parser) -> None:
    parser.add_argument("--suite", choices=(*SUITES, "all"), default="all")
    parser.add_argument("--solution", type=Path, default=SOLUTION_DIR,
                        help="the reference implementation (default: solution/)")
    parser.add_argument("--skip-mistakes", action="store_true",
                        help="do not run the mutation catalogue through the visible cases; "
                             "the visible suite then has no mistakes.json (no known-mistake "
                             "diagnosis)")


def main(args) -> int:
    suites = SUITES if args.suite == "all" else (args.suite,)
    if not args.solution.is_dir():
        return fail(PROG, f"{args.solution}: no such folder")
    try:
        counts = generate_references(suites, args.solution, mistakes=not args.skip_mistakes)
    except (ManifestError, SubmissionError) as exc:
        return fail(PROG, str(exc), 1)
    for suite, count in counts.items():
        print(f"{suite}: {count} cases written")
    return EXIT_OK

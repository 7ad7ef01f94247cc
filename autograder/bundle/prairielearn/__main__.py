"""python -m autograder prairielearn-bundle OUT_DIR [--assignment NAME] [--rubric P]
                                         [--image IMAGE] [--timeout SECONDS]

Writes OUT_DIR, a PrairieLearn question for the assignment, externally graded by this grader:
info.json, question.html (upload submission.zip or <module>.py) and tests/ (the grader, with
every reference, and its entrypoint tests/run_grader). Put OUT_DIR under the course's
questions/ folder. A rebuild replaces a folder this command wrote before."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.assignments import AssignmentError, choose
from autograder.bundle import BundleError
from autograder.bundle.prairielearn import (DEFAULT_IMAGE, DEFAULT_TIMEOUT, MAX_TIMEOUT,
                                            build_prairielearn_question)
from autograder.cli_common import EXIT_OK, Parser, add_assignment_argument, fail
from autograder.grade.rubric import RubricError
from autograder.manifest import ManifestError

PROG = "autograder prairielearn-bundle"


def add_arguments(parser) -> None:
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR",
                        help="the question folder to write (created; a rebuild replaces it)")
    add_assignment_argument(parser)
    parser.add_argument("--rubric", type=Path, default=None,
                        help="ship this rubric instead of the assignment's grading/rubric.toml")
    parser.add_argument("--image", default=DEFAULT_IMAGE,
                        help="Docker image that runs the grader: Python >= 3.11 with the "
                             "packages of tests/requirements.txt (default: %(default)s)")
    parser.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"PrairieLearn's time limit per submission, 1 to {MAX_TIMEOUT} "
                             "(default: %(default)s)")


def _seconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of seconds, got {text!r}") \
            from None
    if not 1 <= value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_TIMEOUT} seconds, got {value}")
    return value


def main(args) -> int:
    try:
        assignment = choose(args.assignment)
        files = build_prairielearn_question(args.out_dir, assignment, args.rubric, args.image,
                                            args.timeout)
    except (AssignmentError, BundleError, ManifestError, RubricError, RuntimeError) as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write {args.out_dir}: {exc.strerror}")
    shipped = sum(name.startswith("tests/data/") for name in files)
    print(f"wrote {args.out_dir}: info.json, question.html and tests/ ({len(files)} files, "
          f"{shipped} reference files); copy it under your course's questions/ folder")
    return EXIT_OK


if __name__ == "__main__":
    parser = Parser(prog="python -m autograder.bundle.prairielearn", description=__doc__)
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))

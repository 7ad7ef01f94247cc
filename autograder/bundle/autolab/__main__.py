"""python -m autograder autolab-bundle OUT_DIR [--assignment NAME] [--rubric P]

Writes OUT_DIR/autograde-Makefile and OUT_DIR/autograde.tar for an Autolab assessment."""
from __future__ import annotations

import sys
from pathlib import Path

from autograder.assignments import AssignmentError, choose
from autograder.bundle.autolab import build_autolab_bundle
from autograder.cli_common import EXIT_OK, Parser, add_assignment_argument, fail
from autograder.grade.rubric import RubricError
from autograder.manifest import ManifestError

PROG = "autograder autolab-bundle"


def add_arguments(parser) -> None:
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR",
                        help="folder for autograde-Makefile and autograde.tar (created)")
    add_assignment_argument(parser)
    parser.add_argument("--rubric", type=Path, default=None,
                        help="ship this rubric instead of the assignment's grading/rubric.toml")


def main(args) -> int:
    if args.out_dir.exists() and not args.out_dir.is_dir():
        return fail(PROG, f"{args.out_dir} is a file; give a folder")
    try:
        assignment = choose(args.assignment)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        written = build_autolab_bundle(args.out_dir, assignment, args.rubric)
    except (AssignmentError, ManifestError, RubricError, RuntimeError) as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write to {args.out_dir}: {exc.strerror}")
    print("wrote " + ", ".join(map(str, written)) + "; upload both to the Autolab assessment "
          "(problem names = rubric item ids)")
    return EXIT_OK


if __name__ == "__main__":
    parser = Parser(prog="python -m autograder.bundle.autolab", description=__doc__)
    add_arguments(parser)
    sys.exit(main(parser.parse_args()))

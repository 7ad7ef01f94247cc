"""python -m autograder gradescope-bundle OUT.zip [--assignment NAME] [--rubric P]

Builds the Gradescope autograder: upload OUT.zip under "Configure Autograder" (Ubuntu base
image). The same grader for Autolab: python -m autograder autolab-bundle OUT_DIR."""
from __future__ import annotations

from pathlib import Path

from autograder.assignments import AssignmentError, choose
from autograder.bundle import BundleError
from autograder.bundle.gradescope_bundle import build_gradescope_bundle
from autograder.cli_common import EXIT_OK, add_assignment_argument, fail
from autograder.grade.rubric import RubricError
from autograder.manifest import ManifestError

PROG = "autograder gradescope-bundle"


def add_arguments(parser) -> None:
    parser.add_argument("out", type=Path, metavar="OUT.zip", help="the zip to write")
    add_assignment_argument(parser)
    parser.add_argument("--rubric", type=Path, default=None,
                        help="ship this rubric instead of the assignment's grading/rubric.toml")


def main(args) -> int:
    if args.out.suffix.lower() != ".zip":
        return fail(PROG, f"{args.out}: the bundle must be a .zip file")
    if args.out.is_dir():
        return fail(PROG, f"{args.out} is a folder; give a file path")
    if not args.out.parent.is_dir():
        return fail(PROG, f"{args.out.parent}: no such folder")
    try:
        members = build_gradescope_bundle(args.out, choose(args.assignment), args.rubric)
    except (AssignmentError, BundleError, ManifestError, RubricError, RuntimeError) as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write {args.out}: {exc.strerror}")
    shipped = sum(m.startswith("data/") for m in members)
    print(f"wrote {args.out}: {len(members)} files ({shipped} reference files, visible and "
          f"hidden); upload it as the Gradescope autograder")
    return EXIT_OK

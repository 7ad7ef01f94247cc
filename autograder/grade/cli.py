"""python -m autograder grade SUBMISSION [--suite visible|all] [--json P] [--gradescope P] [--autolab] [--details]"""
from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from pathlib import Path

from autograder.cli_common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, fail
from autograder.grade.engine import SUITE_CHOICES, GradeRequest, grade_submission
from autograder.grading.rubric import RubricError, load_rubric
from autograder.manifest import DATA_DIR, ManifestError
from autograder import results
from autograder.scratch import scratch_root

PROG = "autograder grade"


def add_arguments(parser) -> None:
    parser.add_argument("submission", type=Path,
                        help="a folder holding mlp/ or hw1.py, a .py file, or a .zip/.tar.gz of one")
    parser.add_argument("--suite", choices=SUITE_CHOICES, default=None,
                        help="visible cases only, or all (default: all when hidden references exist)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the rubric JSON here")
    parser.add_argument("--gradescope", type=Path, metavar="PATH",
                        help="write Gradescope's results.json here")
    parser.add_argument("--autolab", action="store_true",
                        help='end stdout with the Autolab line {"scores": {...}}')
    parser.add_argument("--rubric", type=Path, default=None, help="use this rubric file")
    parser.add_argument("-v", "--details", action="store_true",
                        help="after the table, every failed case with its full message, by item")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)


def main(args) -> int:
    if not args.submission.exists():
        return fail(PROG, f"{args.submission}: no such file or folder")
    for option in (args.json, args.gradescope):
        if option is not None and option.is_dir():
            return fail(PROG, f"{option} is a folder; give a file path")
    tempfile.tempdir = scratch_root() or tempfile.tempdir
    try:
        rubric = load_rubric(args.rubric) if args.rubric else load_rubric()
        request = GradeRequest(args.submission, args.suite, rubric, args.data)
        result = grade_submission(request)
        code = EXIT_OK
    except (RubricError, ManifestError) as exc:
        return fail(PROG, str(exc))
    except Exception as exc:  # noqa: BLE001  (a grader bug: still write a valid report)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(f"{PROG}: internal error: {detail}", file=sys.stderr)
        rubric = rubric if "rubric" in locals() else load_rubric()
        result = results.error_result(rubric.items, rubric.cap, "internal grader error",
                                      submission=str(args.submission), output=detail)
        code = EXIT_INTERNAL
    try:
        if args.json:
            results.write_json(args.json, result)
        if args.gradescope:
            results.write_gradescope(args.gradescope, result)
    except OSError as exc:
        return fail(PROG, f"cannot write output: {exc.strerror}: {exc.filename}", EXIT_USAGE)
    width = results.terminal_width(sys.stdout)
    print(results.to_table(result, color=results.use_color(sys.stdout), width=width))
    details = results.to_details(result, show_hidden=True, width=width) if args.details else ""
    if details:
        print("\n" + details)
    if args.autolab:
        sys.stdout.flush()
        print(results.autolab_line(result))
    return code

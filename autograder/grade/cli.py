"""python -m autograder grade SUBMISSION [--assignment NAME] [--suite visible|all] [--json P]
                          [--gradescope P] [--prairielearn P] [--feedback DIR] [--autolab]
                          [--rubric P] [--details]

Without --assignment, the assignment is the only one there is, or the one whose package or
module the submission holds."""
from __future__ import annotations

import sys
from pathlib import Path

from autograder.cli_common import (EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, add_assignment_argument,
                                   fail)
from autograder.grade import SUITE_CHOICES
from autograder.sandbox.prestart import start_worker
from autograder.scratch import scratch_root

# The rest of the grader is imported in main(), after the sandbox's worker has started: its
# Python and NumPy load on the other core meanwhile (autograder/sandbox/prestart.py).

PROG = "autograder grade"


def add_arguments(parser) -> None:
    parser.add_argument("submission", type=Path,
                        help="a folder holding the assignment's package or module, a .py file, "
                             "or a .zip/.tar.gz of one")
    add_assignment_argument(parser, inferred=True)
    parser.add_argument("--suite", choices=SUITE_CHOICES, default=None,
                        help="visible cases only, or all (default: all when hidden references exist)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the rubric JSON here")
    parser.add_argument("--gradescope", type=Path, metavar="PATH",
                        help="write Gradescope's results.json here")
    parser.add_argument("--prairielearn", type=Path, metavar="PATH",
                        help="write PrairieLearn's external-grader results.json here")
    parser.add_argument("--feedback", type=Path, metavar="DIR",
                        help="write the student's HTML report here (feedback.html), with the "
                             "images as PNG files and each notebook's HTML export")
    parser.add_argument("--autolab", action="store_true",
                        help='end stdout with the Autolab line {"scores": {...}}')
    parser.add_argument("--rubric", type=Path, default=None, help="use this rubric file")
    parser.add_argument("-v", "--details", action="store_true",
                        help="after the table, every failed case with its full message, by item")


def main(args) -> int:
    if not args.submission.exists():
        return fail(PROG, f"{args.submission}: no such file or folder")
    for option in (args.json, args.gradescope, args.prairielearn):
        if option is not None and option.is_dir():
            return fail(PROG, f"{option} is a folder; give a file path")
    if args.feedback is not None and args.feedback.exists() and not args.feedback.is_dir():
        return fail(PROG, f"{args.feedback} is a file; --feedback takes a folder")
    worker = start_worker(scratch_root())
    try:
        return _grade(args, worker)
    finally:
        if worker is not None:
            worker.close()


def _grade(args, worker) -> int:
    import traceback

    from autograder import results
    from autograder.assignments import AssignmentError, choose
    from autograder.grade.pipeline import GradeRequest, grade_submission
    from autograder.grade.rubric import RubricError, load_rubric
    from autograder.manifest import ManifestError

    try:
        assignment = choose(args.assignment, args.submission)
        rubric = load_rubric(args.rubric or assignment.rubric_path)
    except (AssignmentError, RubricError) as exc:
        return fail(PROG, str(exc))
    try:
        result = grade_submission(GradeRequest(args.submission, assignment, args.suite, rubric,
                                               scratch_dir=scratch_root(), worker=worker))
        code = EXIT_OK
    except ManifestError as exc:
        return fail(PROG, str(exc))
    except Exception as exc:  # noqa: BLE001  (a grader bug: still write a valid report)
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        print(f"{PROG}: internal error: {detail}", file=sys.stderr)
        result = results.error_result(rubric.items, rubric.cap, "internal grader error",
                                      submission=str(args.submission), output=detail)
        code = EXIT_INTERNAL
    try:
        if args.json:
            results.write_json(args.json, result)
        if args.gradescope:
            results.write_gradescope(args.gradescope, result)
        if args.prairielearn:
            results.write_prairielearn(args.prairielearn, result)
        image_paths = results.write_feedback(args.feedback, result) if args.feedback else {}
    except OSError as exc:
        return fail(PROG, f"cannot write output: {exc.strerror}: {exc.filename}", EXIT_USAGE)
    width = results.terminal_width(sys.stdout)
    print(results.to_table(result, color=results.use_color(sys.stdout), width=width,
                           image_paths=image_paths))
    # Autolab shows this output to the student: hidden messages only under the release switch.
    show_details = args.details or (args.autolab and result.release_hidden)
    details = (results.to_details(result, show_hidden=True, width=width,
                                  image_paths=image_paths) if show_details else "")
    if details:
        print("\n" + details)
    if args.feedback:
        print(f"feedback: {args.feedback / results.html_view.REPORT}")
    if args.autolab:
        sys.stdout.flush()
        print(results.autolab_line(result))
    return code

"""python -m autograder gradebook export BATCH_DIR [--roster ROSTER.csv --canvas PATH
                                                 [--canvas-column NAME]]

Writes the final grades of a batch with the hand scores of its gradebook (entered with
`python -m autograder review BATCH_DIR`), without regrading anything: grades.csv (hand-graded
columns filled in, the total capped after hand grading), summary.json, report.png,
feedback/<student>.json (and .html) with the graders' comments, and the Canvas import (the
roster and file the batch was given, unless others are named here)."""
from __future__ import annotations

from pathlib import Path

from autograder.batch.inputs import InputError
from autograder.cli_common import EXIT_OK, Parser, fail
from autograder.grade.rubric import RubricError
from autograder.gradebook.final import FEEDBACK_DIR, GRADES_CSV, SUMMARY_JSON, export
from autograder.gradebook.store import GradebookError

PROG = "autograder gradebook"


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)
    out = actions.add_parser("export", help="write the final grades (no regrading)",
                             description=__doc__)
    out.add_argument("batch_dir", type=Path, metavar="BATCH_DIR",
                     help="the --out folder of batch")
    out.add_argument("--roster", type=Path, metavar="ROSTER.csv",
                     help="the course's Canvas gradebook export (default: the batch's)")
    out.add_argument("--canvas", type=Path, metavar="PATH",
                     help="write the Canvas import here (default: where the batch wrote it)")
    out.add_argument("--canvas-column", metavar="NAME",
                     help="the assignment column (default: the batch's)")


def main(args) -> int:
    try:
        outcome = export(args.batch_dir, args.roster, args.canvas, args.canvas_column)
    except (GradebookError, RubricError, InputError) as exc:
        return fail(PROG, str(exc))
    except OSError as exc:
        return fail(PROG, f"cannot write the final grades: {exc.strerror}: {exc.filename}")
    print(f"{outcome.students} students, {outcome.hand_graded} hand-graded mark(s): wrote "
          f"{args.batch_dir}/{GRADES_CSV}, {SUMMARY_JSON} and {FEEDBACK_DIR}/")
    if outcome.canvas is not None:
        print("\n".join(outcome.canvas.report_lines(args.canvas or "the Canvas import")))
    for entry in outcome.recheck:
        print(f"{PROG}: changed since it was hand-graded (score kept; have a second look): "
              f"{entry}")
    return EXIT_OK

"""python -m autograder batch INPUT --out DIR [--assignment NAME] [--jobs N] [--suite visible|all]
                          [--force] [--rubric P] [--roster ROSTER.csv --canvas PATH
                          [--canvas-column NAME]] [--similarity [--against FOLDER]]

INPUT is a folder with one entry per student (a folder, .py, .zip or .tar.gz; the student id is
the entry's name without its suffix) or a .zip of such entries. Writes DIR/<student>.json,
DIR/grades.csv, DIR/summary.json and DIR/report.png. A rerun reuses every result whose
submission and grader are unchanged (--force regrades everyone). Without --assignment, the
assignment is the one whose package or module the submissions hold.

--roster (a Canvas gradebook export) with --canvas PATH also writes a Canvas gradebook import;
--similarity also writes DIR/similarity.csv and DIR/similarity.html (every pair of
submissions compared, and each with the solutions in --against)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from autograder.batch.inputs import InputError
from autograder.batch.run import GRADES_CSV, REPORT_PNG, SUMMARY_JSON, BatchRequest, run_batch
from autograder.assignments import AssignmentError
from autograder.cli_common import (EXIT_INTERNAL, EXIT_OK, add_assignment_argument, fail,
                                   positive_int)
from autograder.grade.pipeline import SUITE_CHOICES
from autograder.grade.rubric import RubricError
from autograder.manifest import ManifestError

PROG = "autograder batch"
EXIT_INTERRUPTED = 130


def add_arguments(parser) -> None:
    parser.add_argument("input", type=Path, help="a folder (or .zip) with one entry per student")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for the results (created if missing)")
    parser.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1, metavar="N",
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--suite", choices=SUITE_CHOICES, default=None,
                        help="visible cases only, or all (default: all when hidden references exist)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, even those already graded")
    add_assignment_argument(parser, inferred=True)
    parser.add_argument("--rubric", type=Path, default=None, help="use this rubric file")
    canvas = parser.add_argument_group("Canvas gradebook import")
    canvas.add_argument("--roster", type=Path, metavar="ROSTER.csv",
                        help="the course's Canvas gradebook export (Grades > Export)")
    canvas.add_argument("--canvas", type=Path, metavar="PATH",
                        help="write the import file here (Grades > Import in Canvas)")
    canvas.add_argument("--canvas-column", metavar="NAME",
                        help="the assignment column: a roster column such as 'HW1 (123456)', "
                             "or its name 'HW1' (default: the assignment's title)")
    similarity = parser.add_argument_group("similarity report")
    similarity.add_argument("--similarity", action="store_true",
                            help="also compare every pair of submissions (needs copydetect)")
    similarity.add_argument("--against", type=Path, metavar="FOLDER",
                            help="past or public solutions (a folder or .zip) to compare "
                                 "every student with")


def main(args) -> int:
    try:
        request = BatchRequest(args.input, args.out, args.assignment, args.rubric,
                               jobs=args.jobs, suite=args.suite, force=args.force,
                               roster=args.roster, canvas=args.canvas,
                               canvas_column=args.canvas_column, similarity=args.similarity,
                               against=args.against)
        with _sigterm_as_interrupt():
            outcome = run_batch(request)
    except (InputError, RubricError, ManifestError, AssignmentError) as exc:
        return fail(PROG, str(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; the results written so far are complete and kept in "
              f"{args.out}; run the same command again to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        return fail(PROG, f"cannot write the results: {exc.strerror}: {exc.filename}")
    print(f"{outcome.students} students: {outcome.graded} graded, {outcome.reused} reused from "
          f"an earlier run, in {outcome.seconds:.1f} s")
    print(f"results in {args.out}: <student>.json, {GRADES_CSV}, {SUMMARY_JSON}, {REPORT_PNG}")
    if outcome.unconfined:   # the machine's, not a student's: said once, not per report
        print(f"{PROG}: the sandbox ran without part of its confinement on this machine "
              f"({', '.join(outcome.unconfined)}): see docs/security.md, \"Non-root runs\"",
              file=sys.stderr)
    if outcome.canvas is not None:
        print("\n".join(outcome.canvas.report_lines(args.canvas)))
    if outcome.similarity is not None:
        _print_similarity(outcome.similarity, args.out)
    if outcome.grader_errors:
        print(f"{PROG}: the grader failed on {len(outcome.grader_errors)} submission(s) "
              f"(flag grader-error in {GRADES_CSV}; rerun to retry them): "
              + ", ".join(outcome.grader_errors[:10])
              + (" ..." if len(outcome.grader_errors) > 10 else ""), file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


def _print_similarity(summary: dict, out: Path) -> None:
    from autograder.similarity.report import format_table
    from autograder.submission.unpack import one_line
    print(f"similarity: {summary['pairs']} pairs compared; {summary['flagged_total']} at or "
          f"above {summary['threshold']:.2f}; report in {out}: similarity.csv, "
          f"similarity.html (summary.json: \"similarity\")")
    if summary["top"]:
        print(format_table(summary))
    for skipped in summary["skipped"]:
        print(f"similarity: not compared: {one_line(skipped['id'])}: "
              f"{one_line(skipped['reason'])}")


class _sigterm_as_interrupt:
    """`kill PID` stops the batch as cleanly as Ctrl-C does."""

    def __enter__(self):
        self.previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc_info):
        signal.signal(signal.SIGTERM, self.previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt

"""python -m autograder batch INPUT --out DIR [--jobs N] [--suite visible|all] [--force]

INPUT is a folder with one entry per student (a folder, .py, .zip or .tar.gz; the student id is
the entry's name without its suffix) or a .zip of such entries. Writes DIR/<student>.json,
DIR/grades.csv, DIR/summary.json and DIR/report.png. A rerun reuses every result whose
submission and grader are unchanged (--force regrades everyone)."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from autograder.batch.inputs import InputError
from autograder.batch.run import GRADES_CSV, REPORT_PNG, SUMMARY_JSON, BatchRequest, run_batch
from autograder.cli_common import EXIT_INTERNAL, EXIT_OK, fail
from autograder.grade.engine import SUITE_CHOICES
from autograder.grading.rubric import RubricError, load_rubric
from autograder.manifest import DATA_DIR, ManifestError

PROG = "autograder batch"
EXIT_INTERRUPTED = 130


def add_arguments(parser) -> None:
    parser.add_argument("input", type=Path, help="a folder (or .zip) with one entry per student")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for the results (created if missing)")
    parser.add_argument("--jobs", type=_positive, default=os.cpu_count() or 1, metavar="N",
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--suite", choices=SUITE_CHOICES, default=None,
                        help="visible cases only, or all (default: all when hidden references exist)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, even those already graded")
    parser.add_argument("--rubric", type=Path, default=None, help="use this rubric file")
    parser.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(args) -> int:
    try:
        rubric = load_rubric(args.rubric) if args.rubric else load_rubric()
        request = BatchRequest(args.input, args.out, rubric, jobs=args.jobs, suite=args.suite,
                               force=args.force, data_dir=args.data)
        with _sigterm_as_interrupt():
            outcome = run_batch(request)
    except (InputError, RubricError, ManifestError) as exc:
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
    if outcome.grader_errors:
        print(f"{PROG}: the grader failed on {len(outcome.grader_errors)} submission(s) "
              f"(flag grader-error in {GRADES_CSV}; rerun to retry them): "
              + ", ".join(outcome.grader_errors[:10])
              + (" ..." if len(outcome.grader_errors) > 10 else ""), file=sys.stderr)
        return EXIT_INTERNAL
    return EXIT_OK


class _sigterm_as_interrupt:
    """`kill PID` stops the batch as cleanly as Ctrl-C does."""

    def __enter__(self):
        self.previous = signal.signal(signal.SIGTERM, _raise_interrupt)

    def __exit__(self, *exc_info):
        signal.signal(signal.SIGTERM, self.previous)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt

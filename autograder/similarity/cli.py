"""python -m autograder similarity INPUT --out DIR [--assignment NAME] [--against FOLDER]
                               [--top N] [--threshold X]

Compares every pair of submissions in INPUT (a folder with one entry per student, or a .zip of
such entries, as for `batch`) with copydetect's winnowing fingerprints. Only the graded code
that intake locates is compared; every line of the assignment's handout is left out. With
--against, each student is also compared with each past or public solution in FOLDER (these
are not compared with each other). Writes DIR/similarity.csv (every pair, highest score
first), DIR/similarity.html (the top pairs side by side, shared code highlighted) and
DIR/similarity.json (the summary), and prints the top pairs."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from autograder.assignments import AssignmentError, choose_for_class
from autograder.batch.inputs import InputError, find_students, unpack_class_archive
from autograder.cli_common import EXIT_OK, add_assignment_argument, fail, positive_int
from autograder.files import write_text
from autograder.submission.unpack import archive_suffix, one_line

from .run import (DEFAULT_THRESHOLD, DEFAULT_TOP, SIMILARITY_CSV, SIMILARITY_HTML,
                  SimilarityError, require_copydetect, run_similarity)

PROG = "autograder similarity"
SIMILARITY_JSON = "similarity.json"
EXIT_INTERRUPTED = 130


def add_arguments(parser) -> None:
    parser.add_argument("input", type=Path, help="a folder (or .zip) with one entry per student")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="folder for the report (created if missing)")
    add_assignment_argument(parser, inferred=True)
    parser.add_argument("--against", type=Path, default=None, metavar="FOLDER",
                        help="past or public solutions (a folder or .zip, one entry each) to "
                             "compare every student with")
    parser.add_argument("--top", type=positive_int, default=DEFAULT_TOP, metavar="N",
                        help="pairs shown in the terminal and the HTML (default: %(default)s)")
    parser.add_argument("--threshold", type=_fraction, default=DEFAULT_THRESHOLD, metavar="X",
                        help="a pair whose score is at least X is flagged (0 to 1, default: "
                             "%(default)s)")


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, got {text}")
    return value


def main(args) -> int:
    try:
        require_copydetect()
        with tempfile.TemporaryDirectory(prefix="autograder-similarity-input-") as scratch:
            students = _entries(args.input, Path(scratch) / "class", "INPUT")
            references = ([] if args.against is None else
                          _entries(args.against, Path(scratch) / "against", "--against"))
            assignment = choose_for_class(args.assignment, [s.path for s in students])
            out = _output_folder(args.out, [args.input] + [args.against] * bool(args.against))
            summary = run_similarity(students, assignment, out, references=references,
                                     top=args.top, threshold=args.threshold)
            write_text(out / SIMILARITY_JSON,
                       json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    except (InputError, AssignmentError, SimilarityError) as exc:
        return fail(PROG, str(exc))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        return fail(PROG, f"cannot write the report: {exc.strerror}: {exc.filename}")
    _print_summary(summary, out)
    return EXIT_OK


def _entries(source: Path, scratch: Path, what: str):
    """The entries of a folder, or of a .zip unpacked under ``scratch`` (as batch does)."""
    if source.is_dir():
        return find_students(source, str(source))
    if not source.exists():
        raise InputError(f"{what} {source}: no such file or folder")
    if source.is_file() and archive_suffix(source.name):
        return find_students(unpack_class_archive(source, scratch), str(source))
    raise InputError(f"{what} {source}: expected a folder with one entry per submission, or a "
                     f".zip of such entries")


def _output_folder(out: Path, sources: list[Path]) -> Path:
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a folder")
    resolved = out.resolve()
    for source in sources:
        inside = source.resolve()
        if resolved == inside or inside in resolved.parents:
            raise InputError(f"--out {out} is inside the input {source}; put the report "
                             f"elsewhere")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create --out {out}: {exc.strerror}") from None
    return out


def _print_summary(summary: dict, out: Path) -> None:
    from .report import format_table

    if not summary["boilerplate"]["files"]:
        print(f"{PROG}: warning: no handout at {summary['boilerplate']['handout']}, so no "
              f"line is left out as starter code", file=sys.stderr)
    print(f"{summary['students']} students, {summary['references']} references: "
          f"{summary['pairs']} pairs compared in {summary['seconds']:.1f} s; "
          f"{summary['flagged_total']} at or above {summary['threshold']:.2f}")
    if summary["top"]:
        print(f"top {len(summary['top'])} pairs (* at or above the threshold; A in B: the "
              f"fraction of A's code also in B):")
        print(format_table(summary))
    for skipped in summary["skipped"]:
        print(f"not compared: {one_line(skipped['id'])} ({skipped['kind']}): "
              f"{one_line(skipped['reason'])}")
    print(f"report in {out}: {SIMILARITY_CSV}, {SIMILARITY_HTML}, {SIMILARITY_JSON}")

"""python -m autograder handout ASSIGNMENT [--out DIR] [--zip] [--zip-to PATH] [--check]

Strip the assignment's solution into its student handout, prove it, and write it to
build/<a>/handout/ (or --out). --zip also writes the student archive build/<a>-handout.zip
(or --zip-to): the handout plus the student copy of the engine. --check proves the build
deterministic, leak-free, that the stubs score zero and the solution full, graded from the
unzipped archive as a student would. Build errors are one line `path:line: message`, exit 1;
command-line mistakes exit 2."""
from __future__ import annotations

import time
from pathlib import Path

from autograder.assignments import discover
from autograder.cli_common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, fail
from autograder.grade.rubric import RubricError
from autograder.handout.build import (assemble, default_folder, default_zip, write_archive,
                                      write_folder)
from autograder.handout.check import check
from autograder.handout.config import BuildError
from autograder.manifest import ManifestError

PROG = "autograder handout"


def add_arguments(parser) -> None:
    parser.add_argument("assignment", metavar="ASSIGNMENT", help="which assignment")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="the handout folder (default: build/ASSIGNMENT/handout)")
    parser.add_argument("--zip", action="store_true",
                        help="also write the student archive "
                             "(default build/ASSIGNMENT-handout.zip)")
    parser.add_argument("--zip-to", type=Path, metavar="PATH",
                        help="write the student archive here (implies --zip)")
    parser.add_argument("--check", action="store_true",
                        help="also prove: deterministic, leak-free, stubs score 0, the solution "
                             "scores full (grades the unzipped archive twice)")


def main(args) -> int:
    known = discover()
    if args.assignment not in known:
        return fail(PROG, f"unknown assignment {args.assignment!r}; known: "
                          f"{', '.join(sorted(known)) or 'none'}")
    for option, label in ((args.out, "--out"), (args.zip_to, "--zip-to")):
        if option is not None and not option.resolve().parent.is_dir():
            return fail(PROG, f"{label}: folder {option.resolve().parent} does not exist")
    if args.zip_to is not None and args.zip_to.is_dir():
        return fail(PROG, f"--zip-to: {args.zip_to} is a folder; give a file path")
    assignment = known[args.assignment]
    started = time.monotonic()
    try:
        handout = assemble(assignment)
        folder = (args.out or default_folder(handout.config)).resolve()
        write_folder(handout, folder)
        print(f"wrote {folder}")
        archive = handout.archive_bytes() if (args.zip or args.zip_to or args.check) else None
        if args.zip or args.zip_to:
            zip_path = (args.zip_to or default_zip(handout.config)).resolve()
            write_archive(handout, zip_path, archive)
            print(f"wrote {zip_path}")
        if args.check:
            report = check(assignment, handout, archive)
    except (BuildError, ManifestError, RubricError) as exc:
        return fail(PROG, str(exc), EXIT_INTERNAL)
    except OSError as exc:
        return fail(PROG, f"cannot write: {exc.strerror}: {exc.filename}", EXIT_USAGE)
    if args.check:
        if report.problems:
            return fail(PROG, "check failed: " + "; ".join(report.problems), EXIT_INTERNAL)
        print(f"checked {args.assignment} in {time.monotonic() - started:.1f} s: "
              + "; ".join(report.facts))
    return EXIT_OK

"""What every verb's command line shares: one-line usage errors and exit codes."""
from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A user mistake: printed as one line, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's default prints the whole usage block
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def fail(prog: str, message: str, code: int = EXIT_USAGE) -> int:
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


def add_assignment_argument(parser, inferred: bool = False) -> None:
    """``--assignment NAME``; without it, the only assignment there is (or, where ``inferred``,
    the one whose package or module the submission holds)."""
    how = "inferred from the submission" if inferred else "the only one there is"
    parser.add_argument("--assignment", metavar="NAME", default=None,
                        help=f"which assignment (default: {how})")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value

"""python -m autograder VERB ...   (the verbs are the map of the code: one package each)"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path

from autograder.cli_common import Parser

VERBS = {
    "grade": ("autograder.grade.cli", "grade one submission and print the table"),
    "references": ("autograder.references.cli", "regenerate the reference tensors from solution/"),
    "batch": ("autograder.batch.cli", "grade a whole class"),
    "handout": ("autograder.handout.cli",
                "build the student handout and archive from solution/, and prove them"),
    "gradescope-bundle": ("autograder.bundle.cli", "build a Gradescope autograder zip"),
    "autolab-bundle": ("autograder.bundle.autolab.__main__", "build the Autolab autograde files"),
    "prairielearn-bundle": ("autograder.bundle.prairielearn.__main__",
                            "build a PrairieLearn question graded by this grader"),
    "similarity": ("autograder.similarity.cli", "compare every pair of a class's submissions"),
    "review": ("autograder.review.cli", "grade the hand-graded items of a batch in the browser"),
    "gradebook": ("autograder.gradebook.cli",
                  "the hand-grading gradebook of a batch: export the final grades"),
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = Parser(prog="python -m autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=Parser)
    modules = {}
    for verb, (module_name, help_text) in VERBS.items():
        if not _shipped(module_name):
            continue  # a verb not shipped in this copy (e.g. the student handout)
        sub = verbs.add_parser(verb, help=help_text)
        # Only the verb asked for is imported: `grade` must not pay for the batch's imports.
        if argv[:1] == [verb]:
            module = importlib.import_module(module_name)
            sub.description = module.__doc__
            module.add_arguments(sub)
            modules[verb] = module
    args = parser.parse_args(argv)
    return modules[args.verb].main(args)


def _shipped(module_name: str) -> bool:
    """Whether this copy of the grader has the module (looked up on disk: importing a parent
    package to ask would cost every command its imports)."""
    path = Path(__file__).resolve().parent.joinpath(*module_name.split(".")[1:])
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


if __name__ == "__main__":
    sys.exit(main())

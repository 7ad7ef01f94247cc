"""python -m autograder VERB ...   (the verbs are the map of the code: one package each)"""
from __future__ import annotations

import importlib
import sys

from autograder.cli_common import Parser

VERBS = {
    "grade": ("autograder.grade.cli", "grade one submission and print the table"),
    "references": ("autograder.references.cli", "regenerate the reference tensors from solution/"),
    "batch": ("autograder.batch.cli", "grade a whole class"),
    "gradescope-bundle": ("autograder.bundle.cli", "build a Gradescope autograder zip"),
    "autolab-bundle": ("autograder.bundle.autolab.__main__", "build the Autolab autograde files"),
}


def main(argv=None) -> int:
    parser = Parser(prog="python -m autograder", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=Parser)
    modules = {}
    for verb, (module_name, help_text) in VERBS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if not module_name.startswith(str(exc.name)):
                raise
            continue  # a verb not shipped in this copy (e.g. the student handout)
        sub = verbs.add_parser(verb, help=help_text, description=module.__doc__)
        module.add_arguments(sub)
        modules[verb] = module
    args = parser.parse_args(argv)
    return modules[args.verb].main(args)


if __name__ == "__main__":
    sys.exit(main())

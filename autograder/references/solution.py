"""The reference solution handed in as a finished student would: the files a submission of the
assignment's shape holds, copied out of solution/<a>/ (instructor side only).

Two layouts of solution/<a>/:

    a package     solution/<a>/<package>/...        copied to DEST/<package>/
    a module      solution/<a>/<module>.py          copied to DEST/<module>.py, with the shape's
                  and the shape's notebooks         notebooks beside it (support files are the
                                                    grader's: it supplies its own copies)

Paths inside the solution (a mutant's ``file``) are relative to ``code_dir``; ``copy_solution``
returns the matching folder of the copy, so ``code_dir(a) / f`` and ``copy / f`` are one file.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.assignments import Assignment

_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "outputs", ".ipynb_checkpoints")


class SolutionLayoutError(ValueError):
    """solution/<a>/ holds neither the shape's package nor its module (one line)."""


def is_package(assignment: Assignment) -> bool:
    return (_solution_dir(assignment) / assignment.shape.package).is_dir()


def code_dir(assignment: Assignment) -> Path:
    """The folder the solution's graded files are relative to: the package folder, or the
    solution folder itself when the submission is a module with notebooks."""
    root = _solution_dir(assignment)
    return root / assignment.shape.package if is_package(assignment) else root


def graded_files(assignment: Assignment) -> list[str]:
    """The module-shaped solution's files a student hands in, relative to ``code_dir``:
    ``<module>.py`` (unless the grader supplies it) and the shape's notebooks."""
    shape = assignment.shape
    names = [] if shape.notebook_only else [f"{shape.module}.py"]
    names += list(shape.notebooks)
    missing = [name for name in names if not (code_dir(assignment) / name).is_file()]
    if missing or not names:
        raise SolutionLayoutError(
            f"{_solution_dir(assignment)}: holds neither the package folder "
            f"{shape.package}/ nor {', '.join(missing or [shape.module + '.py'])}")
    return names


def copy_solution(assignment: Assignment, dest: Path) -> Path:
    """Copy the solution into the submission folder ``dest`` (created); returns the folder of
    the copy that matches ``code_dir`` (DEST/<package> or DEST)."""
    dest = Path(dest)
    if is_package(assignment):
        target = dest / assignment.shape.package
        shutil.copytree(code_dir(assignment), target, ignore=_IGNORED)
        return target
    names = graded_files(assignment)
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy2(code_dir(assignment) / name, dest / name)
    return dest


def _solution_dir(assignment: Assignment) -> Path:
    if assignment.solution_dir is None:
        raise SolutionLayoutError(f"{assignment.name}: no solution folder (a distribution)")
    return assignment.solution_dir

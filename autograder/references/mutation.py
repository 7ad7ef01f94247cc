"""An assignment's mutation catalogue (grading/mutants.py): classic mistakes as data, and how
one is planted into a copy of the solution.

The catalogue is a module with ``MUTANTS``, a list of ``Mutant`` (below; catalogues build them
with ``mutant(...)``). It quotes solution lines, so it never
ships to students. The references verb runs it for the known-mistake signatures; the kit's
tests grade it for the kill matrix.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from autograder.assignments import Assignment
from autograder.references.solution import copy_solution


@dataclass(frozen=True)
class Mutant:
    """One classic mistake: edits to one file of the solution (references/solution.py:
    code_dir)."""
    id: str
    category: str
    description: str                        # for students: the known-mistake diagnosis says it
    file: str                               # relative to the package (or the module's folder)
    edits: tuple[tuple[str, str], ...]      # (old, new): old must occur exactly once
    targets: frozenset[str]                 # the rubric items that contain the bug


def mutant(id, category, description, file, edits, targets) -> Mutant:
    """A Mutant from plain values; ``edits`` may be one (old, new) pair."""
    if isinstance(edits[0], str):
        edits = (edits,)
    return Mutant(id, category, description, file, tuple(edits), frozenset(targets))


class MutantError(ValueError):
    """A mutant whose edit does not apply to the current solution (one line)."""


def load_catalogue(assignment: Assignment) -> list:
    """The assignment's MUTANTS (loaded from its path, once per process); [] without one."""
    path = assignment.mutants_path
    if not path.is_file():
        return []
    name = f"_grader_mutants_{assignment.name}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return list(sys.modules[name].MUTANTS)


def plant(assignment: Assignment, mutant, dest: Path, also: Iterable = ()) -> Path:
    """A submission folder at ``dest`` holding a copy of the solution (its package, or its
    module and notebooks: references/solution.py) with the mutant's edits (and then those of
    ``also``: a submission with several bugs). A notebook is edited as its JSON text."""
    target = copy_solution(assignment, Path(dest))
    for planted in (mutant, *also):
        path = target / planted.file
        text = path.read_text(encoding="utf-8")
        for old, new in planted.edits:
            count = text.count(old)
            if count != 1:
                raise MutantError(f"{planted.id}: {old!r} occurs {count} times in {planted.file}")
            text = text.replace(old, new)
        if path.suffix == ".ipynb":
            _require_json(planted, text)
        path.write_text(text, encoding="utf-8")
    return Path(dest)


def _require_json(planted, text: str) -> None:
    """A notebook mutant must leave valid notebook JSON: a broken file would fail every item
    for a reason no student makes."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise MutantError(f"{planted.id}: the edits leave {planted.file} invalid JSON "
                          f"(line {exc.lineno}: {exc.msg})") from None

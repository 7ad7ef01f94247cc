"""As root, make what the student must not read unreadable to the sandbox user.

The worker runs as a fresh uid with no groups, so it can read only world-readable files. The
assignment's references and grading spec (hidden cases, rubric, mutants), every checked-out
solution and every reference folder of the kit lose their world-permissions before grading
(nothing changes for a non-root run, which cannot be protected from a same-user process: see
the README's security model). The sandbox gets its own copy of the case families it runs."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from autograder.assignments import ROOT, Assignment


def protect_grader_files(assignment: Assignment, extra: list[Path] = ()) -> list[Path]:
    if os.geteuid() != 0:
        return []
    targets = [assignment.data_dir, assignment.spec_dir, ROOT / "data", ROOT / "solution",
               *([assignment.solution_dir] if assignment.solution_dir else []), *extra]
    changed = []
    for top in targets:
        if not top.exists():
            continue
        for path in [top, *(top.rglob("*") if top.is_dir() else [])]:
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)
                changed.append(path)
    return changed

"""As root, make what the student must not read unreadable to the sandbox user.

The worker runs as a fresh uid with no groups, so it can read only world-readable files. The
hidden references, case specs, the rubric and any checked-out solution lose their
world-permissions before grading (nothing changes for a non-root run, which cannot be protected
from a same-user process: see the README's security model)."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from autograder.manifest import CASES_DIR, DATA_DIR

REPO_DIR = DATA_DIR.parent.parent


def protect_grader_files(extra: list[Path] = ()) -> list[Path]:
    if os.geteuid() != 0:
        return []
    targets = [DATA_DIR, CASES_DIR / "hidden.toml", REPO_DIR / "solution", *extra]
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

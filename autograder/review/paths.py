"""Paths from requests: every one stays inside BATCH_DIR, and no symbolic link is followed.

A request names a file by a student's position and a file name; the name is untrusted (it may
hold ``..``, an absolute path, NUL or a link planted in the folder), so it is joined, resolved
and checked to be inside the batch folder, and every existing component is checked to be no
link at all (a link inside the folder could point out of it at any time).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath


class OutsideBatch(ValueError):
    """The path would leave BATCH_DIR, or goes through a link, or is no regular file."""


def confined_file(root: Path, *parts: str) -> Path:
    """``root/parts...`` as a regular file inside ``root`` reached without links; OutsideBatch
    otherwise."""
    root = Path(root).resolve()
    relative = PurePosixPath(*parts) if parts else PurePosixPath()
    if any(part in ("", ".", "..") or "\0" in part or "\\" in part
           for part in relative.parts) or relative.is_absolute():
        raise OutsideBatch(f"refused path {str(relative)!r}")
    path = root.joinpath(*relative.parts)
    if not path.resolve().is_relative_to(root):
        raise OutsideBatch(f"refused path {str(relative)!r}")
    current = root
    for part in relative.parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except OSError:
            raise OutsideBatch(f"no such file {str(relative)!r}") from None
        if stat.S_ISLNK(mode):
            raise OutsideBatch(f"refused link {str(relative)!r}")
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise OutsideBatch(f"not a file {str(relative)!r}")
    return path


def listed_files(root: Path, *parts: str) -> list[str]:
    """Names of the regular files (no links) directly in ``root/parts...``; [] when absent."""
    folder = Path(root).joinpath(*parts)
    try:
        if folder.is_symlink() or not folder.resolve().is_relative_to(Path(root).resolve()):
            return []
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    return [e.name for e in entries if e.is_file(follow_symlinks=False)]

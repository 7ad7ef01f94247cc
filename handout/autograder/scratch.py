"""Where grading puts its scratch folders (the unpacked submission, the sandbox's copy of it and
the per-case result files).

Grading creates and deletes a few hundred small files per submission; on a disk file system
(ext4) finding free inodes among recently deleted ones is a large share of the sandbox's CPU
time, on tmpfs it is nearly free (see docs/instructors.md for the numbers). So `grade` and
`batch` use /dev/shm when it is a roomy tmpfs, unless TMPDIR says otherwise; a small /dev/shm
(Docker's default is 64 MiB) is left alone, since a full scratch space would fail cases.
"""
from __future__ import annotations

import os

SHARED_MEMORY = "/dev/shm"
MIN_FREE_BYTES_PER_JOB = 1024 ** 3


def scratch_root(jobs: int = 1, environ=os.environ) -> str | None:
    """The folder for temporary files of ``jobs`` gradings at once, or None for the default
    (TMPDIR, else /tmp)."""
    if environ.get("TMPDIR"):
        return None
    try:
        stats = os.statvfs(SHARED_MEMORY)
    except OSError:
        return None
    if not _is_tmpfs(SHARED_MEMORY) or not os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return None
    if stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES_PER_JOB * max(1, jobs):
        return None
    return SHARED_MEMORY


def _is_tmpfs(path: str) -> bool:
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            return any(line.split()[1:3] == [path, "tmpfs"] for line in mounts)
    except OSError:
        return False

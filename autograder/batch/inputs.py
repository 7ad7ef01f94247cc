"""Find the students of a batch: one entry per student in a folder, or in a .zip of such
entries (an LMS export). The student id is the entry's name without its suffix.

Problems with the INPUT itself (missing, empty, unreadable entries, two entries for one student)
raise InputError; an entry that is readable but is not a usable submission is still a student
(grading gives it a 0 report with the reason).
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.submission.unpack import (ArchiveLimits, SubmissionError, archive_suffix,
                                          extract_archive, is_ignored)

GiB = 1024 ** 3
# The class archive is the instructor's own export: far larger than one student's code.
CLASS_ARCHIVE_LIMITS = ArchiveLimits(max_members=200_000, max_total_bytes=4 * GiB,
                                     max_ratio=1000.0)
# Student ids that would overwrite the batch's own files (<id>.json next to summary.json).
RESERVED_IDS = frozenset({"summary"})


class InputError(Exception):
    """The batch's INPUT cannot be used; ``str()`` is one line."""


@dataclass(frozen=True)
class Student:
    id: str
    path: Path        # the entry on disk (inside a temporary folder for a .zip INPUT)
    shown: str        # how reports name the entry: INPUT/<entry name>


def student_id(entry: Path) -> str:
    """``alice.zip``, ``alice.tar.gz``, ``alice.py`` and the folder ``alice`` are all ``alice``."""
    if entry.is_dir():
        return entry.name
    suffix = archive_suffix(entry.name)
    if suffix:
        return entry.name[: -len(suffix)]
    return entry.stem or entry.name


def unpack_class_archive(archive: Path, dest: Path) -> Path:
    """Extract every member of the class archive under ``dest``; return the folder holding the
    student entries (a single wrapping folder, as LMS exports make, is looked through)."""
    try:
        extract_archive(archive, dest, archive.name, CLASS_ARCHIVE_LIMITS,
                        keep=lambda rel: not is_ignored(rel))
    except SubmissionError as exc:
        raise InputError(str(exc)) from None
    return _unwrapped(dest)


def _unwrapped(folder: Path) -> Path:
    while True:
        entries = _visible_entries(folder)
        if len(entries) != 1 or not entries[0].is_dir() or _looks_like_submission(entries[0]):
            return folder
        folder = entries[0]


def _looks_like_submission(folder: Path) -> bool:
    """A student's own folder holds the graded code (an assignment's package or module, or a
    package's __init__.py); a wrapper holds the students' entries."""
    markers = submission_markers()
    return any(entry.name in markers for entry in _visible_entries(folder))


def submission_markers() -> frozenset[str]:
    """Names that only a submission holds at its top: every assignment's package and module."""
    from autograder.assignments import discover
    return frozenset({"__init__.py"} | {name for a in discover().values() for name in (
        a.shape.package, a.shape.module, f"{a.shape.module}.py")})


def _visible_entries(folder: Path) -> list[Path]:
    return sorted(folder / name for name in os.listdir(folder)
                  if not is_ignored(PurePosixPath(name)))


def find_students(folder: Path, shown_as: str) -> list[Student]:
    """The students in ``folder``, sorted by id. ``shown_as`` names the INPUT in reports."""
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise InputError(f"cannot read {shown_as}: {exc.strerror}") from None
    owners: dict[str, str] = {}
    students = []
    for name in sorted(names):
        if is_ignored(PurePosixPath(name)):
            continue
        entry = folder / name
        _require_readable(entry, name, shown_as)
        sid = student_id(entry)
        if sid in owners:
            raise InputError(f"two entries for student {sid!r} in {shown_as}: {owners[sid]!r} and "
                             f"{name!r} (keep one)")
        if sid.lower() in RESERVED_IDS:
            raise InputError(f"entry {name!r} in {shown_as}: the student id {sid!r} would "
                             f"overwrite the batch's {sid}.json; rename the entry")
        owners[sid] = name
        students.append(Student(sid, entry, f"{shown_as}/{name}"))
    if not students:
        raise InputError(f"{shown_as} holds no submissions (expected one folder, .py, .zip or "
                         f".tar.gz per student)")
    return sorted(students, key=lambda s: s.id)


def _require_readable(entry: Path, name: str, shown_as: str) -> None:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"an entry of {shown_as} has a name that is not UTF-8 "
                         f"({name.encode('utf-8', 'surrogateescape')!r}); rename it") from None
    try:
        mode = os.stat(entry).st_mode
        if stat.S_ISDIR(mode):
            os.listdir(entry)
        elif stat.S_ISREG(mode):
            with open(entry, "rb") as stream:
                stream.read(1)
        else:
            raise InputError(f"entry {name!r} in {shown_as} is not a file or folder")
    except OSError as exc:
        raise InputError(f"cannot read entry {name!r} in {shown_as}: {exc.strerror}") from None

"""The class as the review page sees it: the batch's automatic results (read again only when a
``<student>.json`` changed), the manual items, the gradebook's marks, and what is left to do.

Positions, not student ids, name submissions in URLs, so anonymous grading hides names in the
address bar too. Anonymous order is a shuffle keyed by a salt kept in the gradebook, the same
on every start, so "Submission 7" stays the same student.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from autograder.batch.deliverables import FILES_DIR
from autograder.gradebook.final import (SUMMARY_JSON, Submission, final_results, needs_recheck,
                                        read_class, read_result)
from autograder.gradebook.store import Gradebook, Mark
from autograder.results.model import GradeResult

TODO, GRADED, RECHECK = "todo", "graded", "recheck"
_SALT_KEY = "anonymous_salt"


@dataclass(frozen=True)
class ManualItem:
    id: str
    name: str
    points: float


@dataclass
class Entry:
    position: int       # 1-based, in display order
    id: str
    label: str          # the student id, or "Submission N" when grading anonymously
    result: GradeResult  # the automatic result, item scores only (cases: see Classroom.full)
    digest: str         # what the hand grader sees (gradebook.final.content_digest)
    path: Path | None = None


class Classroom:
    def __init__(self, batch_dir: Path, book: Gradebook, anonymous: bool = False):
        self.batch_dir = Path(batch_dir)
        self.book = book
        self.anonymous = anonymous
        self._lock = threading.Lock()
        self._signature = None
        self.entries: list[Entry] = []
        self.items: list[ManualItem] = []
        self.refresh()

    # ------------------------------------------------------------------------- loading

    def refresh(self) -> None:
        """Re-read the results when batch rewrote any of them (a rerun, a late submission)."""
        signature = self._files_signature()
        with self._lock:
            if signature == self._signature:
                return
            submissions = read_class(self.batch_dir, without_cases=True)
            self.entries = self._ordered(submissions)
            self.items = _manual_items(submissions)
            self._signature = signature

    def full(self, entry: Entry) -> GradeResult:
        """The entry's whole result: cases, messages, images, exports."""
        return read_result(entry.path) if entry.path is not None else entry.result

    def _files_signature(self) -> tuple:
        """The results and the copied deliverables, by name, time and size."""
        stats = []
        folders = [self.batch_dir]
        files = self.batch_dir / FILES_DIR
        if files.is_dir() and not files.is_symlink():
            folders += [Path(e.path) for e in os.scandir(files) if e.is_dir(follow_symlinks=False)]
        for folder in folders:
            for entry in os.scandir(folder):
                if folder != self.batch_dir or (entry.name.endswith(".json")
                                                and entry.name != SUMMARY_JSON):
                    info = entry.stat(follow_symlinks=False)
                    stats.append((str(folder), entry.name, info.st_mtime_ns, info.st_size))
        return tuple(sorted(stats))

    def _ordered(self, submissions: list[Submission]) -> list[Entry]:
        if not self.anonymous:
            ordered = sorted(submissions, key=lambda s: s.id)
            return [Entry(n, s.id, s.id, s.result, s.digest, s.path)
                    for n, s in enumerate(ordered, 1)]
        salt = self.book.meta().get(_SALT_KEY)
        if not salt:
            salt = secrets.token_hex(16)
            self.book.set_meta({_SALT_KEY: salt})
        ordered = sorted(submissions,
                         key=lambda s: hashlib.sha256(f"{salt}\0{s.id}".encode()).hexdigest())
        return [Entry(n, s.id, f"Submission {n}", s.result, s.digest, s.path)
                for n, s in enumerate(ordered, 1)]

    # ------------------------------------------------------------------------- queries

    def entry(self, position: int) -> Entry | None:
        return self.entries[position - 1] if 1 <= position <= len(self.entries) else None

    def item(self, item_id: str) -> ManualItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def status(self, entry: Entry, item: str, marks: dict[tuple[str, str], Mark]) -> str:
        mark = marks.get((entry.id, item))
        if mark is None or mark.score is None:
            return TODO
        return RECHECK if needs_recheck(mark, entry.digest) else GRADED

    def next_todo(self, position: int, item: str, marks: dict) -> Entry | None:
        """The next submission (after ``position``, wrapping round) whose ``item`` still needs
        a grader: not graded yet, or changed since it was graded."""
        count = len(self.entries)
        for step in range(1, count + 1):
            entry = self.entries[(position - 1 + step) % count]
            if entry.position != position and self.status(entry, item, marks) != GRADED:
                return entry
        return None

    def progress(self, marks: dict) -> tuple[int, int]:
        """(marks graded and current, marks in all): every submission times every manual item."""
        done = sum(self.status(entry, item.id, marks) == GRADED
                   for entry in self.entries for item in self.items)
        return done, len(self.entries) * len(self.items)

    def final(self, marks_book: Gradebook | None = None) -> dict[str, GradeResult]:
        """Student id -> final result (hand scores in, cap applied after hand grading)."""
        submissions = [Submission(e.id, e.result, e.digest) for e in self.entries]
        return dict(final_results(submissions, marks_book or self.book))


def _manual_items(submissions: list[Submission]) -> list[ManualItem]:
    seen: dict[str, ManualItem] = {}
    for submission in submissions:
        for item in submission.result.items:
            if item.manual and item.id not in seen:
                seen[item.id] = ManualItem(item.id, item.name, item.max_score)
    return list(seen.values())

"""The gradebook: ``BATCH_DIR/gradebook.sqlite`` (stdlib sqlite3).

- **marks**: the current score and comment of each (student, manual item), with who saved it,
  when, its version, and the submission digest the grader was looking at (batch's
  ``submission_sha256``), so a submission that changed since can be flagged for a second look.
- **history**: every save, never updated or deleted: nothing typed is ever lost.
- **remarks**: reusable comments per item, each with its points (as Gradescope's rubric).
- **meta**: what batch recorded about the class (assignment, rubric file).

Every save is one transaction (``BEGIN IMMEDIATE``: atomic, and serialised against other
graders, even in other processes), in write-ahead-log mode with ``synchronous=FULL``: a save
that returned is on disk. Saving is optimistic: the caller passes the version it read; when the
mark has moved on since, the save is refused with ``StaleSave`` carrying the current mark.

One connection per Gradebook, shared by the threads of the review server under a lock: closing
the last connection checkpoints the log (fsyncs the database), which would make each save cost
tens of milliseconds.
"""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from autograder.grade.score import hand_score_problem

GRADEBOOK_FILE = "gradebook.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS marks (
    student TEXT NOT NULL, item TEXT NOT NULL, score REAL, comment TEXT NOT NULL,
    version INTEGER NOT NULL, grader TEXT NOT NULL, saved_at TEXT NOT NULL,
    submission TEXT NOT NULL, PRIMARY KEY (student, item));
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT, student TEXT NOT NULL, item TEXT NOT NULL,
    score REAL, comment TEXT NOT NULL, version INTEGER NOT NULL, grader TEXT NOT NULL,
    saved_at TEXT NOT NULL, submission TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_mark ON history (student, item, version);
CREATE TABLE IF NOT EXISTS remarks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT NOT NULL, text TEXT NOT NULL,
    points REAL NOT NULL);
"""
_MARK_COLUMNS = "student, item, score, comment, version, grader, saved_at, submission"
MAX_COMMENT_CHARS = 20_000


class GradebookError(ValueError):
    """A gradebook that cannot be used, or a save that makes no sense (one-line message)."""


@dataclass(frozen=True)
class Mark:
    student: str
    item: str
    score: float | None    # None: a comment saved before any score
    comment: str
    version: int           # 1 for the first save, +1 for each later one
    grader: str
    saved_at: str          # ISO 8601, UTC
    submission: str        # the submission digest the grader saw

    def to_json(self) -> dict:
        return {"student": self.student, "item": self.item, "score": self.score,
                "comment": self.comment, "version": self.version, "grader": self.grader,
                "saved_at": self.saved_at}


@dataclass(frozen=True)
class Remark:
    id: int
    item: str
    text: str
    points: float    # added to the score when the remark is applied (usually negative)

    def to_json(self) -> dict:
        return {"id": self.id, "item": self.item, "text": self.text, "points": self.points}


class StaleSave(Exception):
    """The page was read at another version than the mark's current one."""

    def __init__(self, current: Mark | None):
        super().__init__("someone else saved this mark since the page was loaded")
        self.current = current


class Gradebook:
    """One SQLite file; one object serves every thread (see the module's docstring)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    @classmethod
    def open(cls, batch_dir: Path, create: bool = True) -> "Gradebook":
        path = Path(batch_dir) / GRADEBOOK_FILE
        if path.is_symlink():
            raise GradebookError(f"{path} is a symbolic link; refusing to use it")
        if not create and not path.is_file():
            raise GradebookError(f"{path}: no gradebook (nothing was hand-graded here yet)")
        book = cls(path)
        try:
            with book._connect() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            book.close()
            raise GradebookError(f"{path} is not a usable gradebook: {exc}") from None
        return book

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            if self._db is None:
                self._db = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                           check_same_thread=False)
                self._db.execute("PRAGMA synchronous=FULL")
            yield self._db

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ----------------------------------------------------------------------------- marks

    def marks(self) -> dict[tuple[str, str], Mark]:
        """(student, item) -> its current mark."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_MARK_COLUMNS} FROM marks").fetchall()
        return {(row[0], row[1]): Mark(*row) for row in rows}

    def mark(self, student: str, item: str) -> Mark | None:
        with self._connect() as db:
            return _read_mark(db, student, item)

    def history(self, student: str, item: str) -> list[Mark]:
        """Every save of the mark, oldest first."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_MARK_COLUMNS} FROM history WHERE student = ? AND "
                              f"item = ? ORDER BY version", (student, item)).fetchall()
        return [Mark(*row) for row in rows]

    def save(self, student: str, item: str, *, score: float | None, comment: str, grader: str,
             read_version: int, submission: str, max_score: float) -> Mark:
        """Save the mark if it is still at ``read_version`` (0: never saved); else StaleSave
        with the current mark. GradebookError for a score or comment that cannot be saved."""
        if score is not None:
            problem = hand_score_problem(score, max_score)
            if problem:
                raise GradebookError(problem)
            score = float(score)
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS:
            raise GradebookError(f"the comment must be text of at most {MAX_COMMENT_CHARS} "
                                 f"characters")
        if not grader.strip():
            raise GradebookError("the grader's name is empty")
        with self._transaction() as db:
            current = _read_mark(db, student, item)
            if (current.version if current else 0) != read_version:
                raise StaleSave(current)
            mark = Mark(student, item, score, comment, read_version + 1, grader,
                        datetime.now(timezone.utc).isoformat(timespec="seconds"), submission)
            values = (mark.student, mark.item, mark.score, mark.comment, mark.version,
                      mark.grader, mark.saved_at, mark.submission)
            db.execute(f"INSERT OR REPLACE INTO marks ({_MARK_COLUMNS}) VALUES "
                       f"(?, ?, ?, ?, ?, ?, ?, ?)", values)
            db.execute(f"INSERT INTO history ({_MARK_COLUMNS}) VALUES "
                       f"(?, ?, ?, ?, ?, ?, ?, ?)", values)
        return mark

    # --------------------------------------------------------------------------- remarks

    def remarks(self, item: str | None = None) -> list[Remark]:
        with self._connect() as db:
            if item is None:
                rows = db.execute("SELECT id, item, text, points FROM remarks ORDER BY id")
            else:
                rows = db.execute("SELECT id, item, text, points FROM remarks WHERE item = ? "
                                  "ORDER BY id", (item,))
            return [Remark(*row) for row in rows.fetchall()]

    def add_remark(self, item: str, text: str, points: float) -> Remark:
        text = text.strip()
        if not text or len(text) > 2000:
            raise GradebookError("a reusable comment needs a text of at most 2000 characters")
        if isinstance(points, bool) or not isinstance(points, (int, float)) or \
                hand_score_problem(abs(points), abs(points)):
            raise GradebookError("a reusable comment's points go in half points (e.g. -1.5)")
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO remarks (item, text, points) VALUES (?, ?, ?)",
                                (item, text, float(points)))
            return Remark(cursor.lastrowid, item, text, float(points))

    # ------------------------------------------------------------------------------ meta

    def meta(self) -> dict[str, str]:
        with self._connect() as db:
            return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, values: dict[str, str]) -> None:
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           sorted(values.items()))


def _read_mark(db: sqlite3.Connection, student: str, item: str) -> Mark | None:
    row = db.execute(f"SELECT {_MARK_COLUMNS} FROM marks WHERE student = ? AND item = ?",
                     (student, item)).fetchone()
    return Mark(*row) if row else None

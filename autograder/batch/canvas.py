"""A Canvas gradebook import for a batch: ``batch --roster ROSTER.csv --canvas PATH``.

The roster is the course's Canvas gradebook export (Grades > Export): the columns ``Student``,
``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` and one column per assignment, whose
header is the assignment's name followed by its Canvas id in parentheses (``HW1 (123456)``); a
``Points Possible`` row comes first. The import file written here has the same five columns,
one assignment column and the ``Points Possible`` row, then one row per student with a score.

- **Matching.** A submission (its batch student id, the entry's name) belongs to the roster
  student whose SIS Login ID or SIS User ID equals it, ignoring case. A submission that matches
  no one, or several, is not imported; nor is any submission of a roster student that two
  submissions match. Roster students without a submission get no row. All of them are listed
  (terminal and summary.json), never dropped silently.
- **The column.** ``--canvas-column NAME`` (default: the assignment's title). A roster column
  ``NAME (id)`` is used as it is, so Canvas updates that assignment; any other name makes
  Canvas create a new assignment of that name.
- **The number** is the total (capped at the rubric's cap, after hand grading); ``Points
  Possible`` is the cap. A hand-graded (manual) item is in the number once the gradebook has
  its score (``python -m autograder review``); the report names every item still awaiting hand
  grading and for how many students. A student the grader failed on (``grader-error``) is not
  imported: that 0 is not a grade.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from autograder.batch.inputs import InputError
from autograder.files import write_text
from autograder.results.model import GradeResult
from autograder.results.scoring import format_points

STUDENT, CANVAS_ID, SIS_USER, SIS_LOGIN, SECTION = (
    "Student", "ID", "SIS User ID", "SIS Login ID", "Section")
IDENTITY_COLUMNS = (STUDENT, CANVAS_ID, SIS_USER, SIS_LOGIN, SECTION)
POINTS_POSSIBLE = "Points Possible"
_WITH_ID = re.compile(r"^(?P<name>.*\S) \((?P<id>\d+)\)$")


@dataclass(frozen=True)
class RosterStudent:
    name: str
    canvas_id: str
    sis_user_id: str
    sis_login_id: str
    section: str

    def keys(self) -> set[str]:
        return {key.lower() for key in (self.sis_login_id, self.sis_user_id) if key}

    def describe(self) -> str:
        ids = ", ".join(filter(None, (self.sis_login_id, self.sis_user_id)))
        return f"{self.name} ({ids})" if ids else self.name

    def to_json(self) -> dict:
        return {"student": self.name, "sis_login_id": self.sis_login_id,
                "sis_user_id": self.sis_user_id, "section": self.section}


@dataclass(frozen=True)
class Roster:
    path: str
    columns: tuple[str, ...]
    students: tuple[RosterStudent, ...]


@dataclass
class CanvasImport:
    """What goes into the import file, and everything that does not, with the reason."""
    column: str
    column_in_roster: bool
    points_possible: float
    rows: list[tuple[RosterStudent, str, float]] = field(default_factory=list)  # (who, sid, score)
    unmatched: list[dict] = field(default_factory=list)        # submissions not imported
    without_submission: list[RosterStudent] = field(default_factory=list)
    hand_graded: list[dict] = field(default_factory=list)      # manual items left out

    def text(self) -> str:
        """The CSV file: the five identity columns and the assignment column."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*IDENTITY_COLUMNS, self.column])
        writer.writerow([f"    {POINTS_POSSIBLE}", "", "", "", "",
                         format_points(self.points_possible)])
        for who, _, score in self.rows:
            writer.writerow([who.name, who.canvas_id, who.sis_user_id, who.sis_login_id,
                             who.section, format_points(score)])
        return buffer.getvalue()

    def to_json(self) -> dict:
        return {
            "column": self.column,
            "column_in_roster": self.column_in_roster,
            "points_possible": self.points_possible,
            "imported": len(self.rows),
            "unmatched_submissions": self.unmatched,
            "roster_without_submission": [who.to_json() for who in self.without_submission],
            "hand_graded_not_included": self.hand_graded,
        }

    def report_lines(self, path: str | os.PathLike) -> list[str]:
        """What the batch prints: the file, then everything that is not in it."""
        where = ("the roster's column" if self.column_in_roster else
                 "a column the roster lacks, so Canvas will create that assignment")
        lines = [f"canvas: wrote {path}: {len(self.rows)} student(s), column {self.column!r} "
                 f"({where}), Points Possible {format_points(self.points_possible)}"]
        lines += [f"canvas: {item['id']} ({format_points(item['points'])} points) is not "
                  f"included" + ("" if item["awaiting"] == len(self.rows) else
                                 f" for {item['awaiting']} student(s)")
                  + ": hand-graded" + ("" if item["awaiting"] == len(self.rows) else
                                       ", not graded yet")
                  for item in self.hand_graded]
        if self.unmatched:
            lines.append(f"canvas: {len(self.unmatched)} submission(s) not imported:")
            lines += [f"  {entry['student']}: {entry['reason']}" for entry in self.unmatched]
        if self.without_submission:
            lines.append(f"canvas: {len(self.without_submission)} roster student(s) without a "
                         f"submission:")
            lines += [f"  {who.describe()}" for who in self.without_submission]
        return lines


def read_roster(path: str | os.PathLike) -> Roster:
    """A Canvas gradebook export; InputError (one line) when it cannot serve as the roster."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"--roster {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"--roster {path} is a folder; give the gradebook export (.csv)") \
            from None
    except UnicodeDecodeError:
        raise InputError(f"--roster {path} is not UTF-8 text; give Canvas's gradebook "
                         f"export (.csv)") from None
    except OSError as exc:
        raise InputError(f"cannot read --roster {path}: {exc.strerror}") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError(f"--roster {path} is not a CSV file: {exc}") from None
    if not rows:
        raise InputError(f"--roster {path} is empty")
    header = [cell.strip() for cell in rows[0]]
    if STUDENT not in header or not {SIS_LOGIN, SIS_USER} & set(header):
        raise InputError(f"--roster {path} is not a Canvas gradebook export: it needs the "
                         f"columns {STUDENT!r} and {SIS_LOGIN!r} or {SIS_USER!r}")
    where = {name: header.index(name) for name in IDENTITY_COLUMNS if name in header}

    def cell(row: list[str], name: str) -> str:
        index = where.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    students = []
    for row in rows[1:]:
        who = RosterStudent(cell(row, STUDENT), cell(row, CANVAS_ID), cell(row, SIS_USER),
                            cell(row, SIS_LOGIN), cell(row, SECTION))
        # Skip the "Points Possible" row and rows naming no one (a "Manual Posting" row).
        if who.name != POINTS_POSSIBLE and (who.name or who.canvas_id or who.keys()):
            students.append(who)
    return Roster(str(path), tuple(header), tuple(dict.fromkeys(students)))


def check_output(path: str | os.PathLike) -> None:
    """Before grading: the import file's place is usable (InputError otherwise)."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"--canvas {path} is a folder; give a file path (.csv)")
    if not path.parent.is_dir():
        raise InputError(f"--canvas {path}: no such folder {path.parent}")


def resolve_column(requested: str, roster: Roster) -> tuple[str, bool]:
    """The header to write and whether the roster has it: ``requested`` itself, or the one
    roster column ``requested (id)``."""
    if requested in roster.columns:
        return requested, True
    same = [column for column in roster.columns
            if (match := _WITH_ID.match(column)) and match["name"] == requested.strip()]
    if len(same) == 1:
        return same[0], True
    return requested, False


def canvas_import(roster: Roster, graded: Sequence[tuple[str, GradeResult]], rubric,
                  column: str) -> CanvasImport:
    """Match every graded submission to the roster; see the module's docstring."""
    header, in_roster = resolve_column(column, roster)
    result = CanvasImport(header, in_roster, float(rubric.cap))
    by_key: dict[str, list[RosterStudent]] = {}
    for who in roster.students:
        for key in who.keys():
            by_key.setdefault(key, []).append(who)
    claims: dict[RosterStudent, list[tuple[str, GradeResult]]] = {}
    for student_id, grade in graded:
        found = list(dict.fromkeys(by_key.get(student_id.lower(), [])))
        if not found:
            result.unmatched.append({"student": student_id, "reason": "no roster student has "
                                     "this SIS Login ID or SIS User ID"})
        elif len(found) > 1:
            result.unmatched.append({"student": student_id, "reason": "matches several roster "
                                     "students: " + "; ".join(w.describe() for w in found)})
        else:
            claims.setdefault(found[0], []).append((student_id, grade))
    for who in roster.students:
        mine = claims.get(who)
        if not mine:
            result.without_submission.append(who)
            continue
        if len(mine) > 1:
            names = ", ".join(sid for sid, _ in mine[:-1]) + " and " + mine[-1][0]
            both, neither = ("both", "neither") if len(mine) == 2 else ("all", "none")
            result.unmatched += [{"student": sid, "reason": f"{names} {both} match roster "
                                  f"student {who.describe()}; {neither} is imported"}
                                 for sid, _ in mine]
            continue
        student_id, grade = mine[0]
        if grade.status != "graded":
            result.unmatched.append({"student": student_id, "reason": "the grader failed on this "
                                     "submission (grader-error): rerun the batch"})
            continue
        result.rows.append((who, student_id, grade.score))
    imported = {sid for _, sid, _ in result.rows}
    hand_graded = [{item.id for item in grade.items if item.hand_graded}
                   for sid, grade in graded if sid in imported]
    for item in rubric.items:
        count = sum(item.id not in ids for ids in hand_graded)
        if item.manual and (count or not result.rows):
            result.hand_graded.append({"id": item.id, "name": item.name,
                                       "points": item.points, "awaiting": count})
    return result


def write_canvas(path: str | os.PathLike, export: CanvasImport) -> None:
    write_text(path, export.text())

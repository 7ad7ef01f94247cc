"""The class gradebook ``grades.csv``: ``student, total, <one column per rubric item>, flags``.

Columns follow the rubric order given by the caller, so every row of a batch lines up even when
a result lacks an item (its cell is then empty). Numbers use at most 2 decimals; flags are joined
with ``;``. A result whose grading failed carries the flag ``grader-error`` so it is not mistaken
for a genuine 0. A hand-graded (manual) item's cell is empty until the gradebook has its score
(``python -m autograder review``), then it holds that score and ``total`` includes it.
"""
from __future__ import annotations

import csv
import io
import os
from typing import Iterable, Sequence

from autograder.files import write_text
from .model import GradeResult
from .scoring import format_points

ERROR_FLAG = "grader-error"


def csv_header(item_ids: Sequence[str]) -> list[str]:
    return ["student", "total", *item_ids, "flags"]


def csv_row(student: str, result: GradeResult, item_ids: Sequence[str]) -> list[str]:
    scores = {item.id: "" if item.awaiting else format_points(item.score)
              for item in result.items}
    flags = list(result.flags) + ([ERROR_FLAG] if result.status == "error" else [])
    return [student, format_points(result.score), *(scores.get(i, "") for i in item_ids),
            ";".join(flags)]


def csv_text(item_ids: Sequence[str], graded: Iterable[tuple[str, GradeResult]]) -> str:
    """The whole file: header, then one row per (student, result) in the order given."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header(item_ids))
    for student, result in graded:
        writer.writerow(csv_row(student, result, item_ids))
    return buffer.getvalue()


def write(path: str | os.PathLike, item_ids: Sequence[str],
          graded: Iterable[tuple[str, GradeResult]]) -> None:
    write_text(path, csv_text(item_ids, graded))

"""Gradescope's ``results.json``: one test per rubric item, the capped total as ``score``.

What students see: every item with its score, the full message of each visible case, and only
the counts of hidden cases (no names, no messages). The captured output of the submission is
left out on purpose: printed values from hidden cases would reveal hidden inputs.

A hand-graded (manual) item is a test with no ``score`` and no ``max_score``: it says it awaits
hand grading and adds nothing to Gradescope's sum of the tests, so the autograder's score never
looks like 10 points were lost. The instructor grades it in Gradescope itself (a manually graded
question of the assignment).

A test whose cases carry images (a notebook's figures, a heat map of a failed matrix) is
written with ``output_format: "html"``: its report as escaped preformatted text, then each image
as an <img> with a data URI. Only visible cases' images are shown, at most ``IMAGE_BUDGET``
bytes of PNG in the whole file (each image is at most 480 px a side; at most 16 a result).

With the rubric's ``release_hidden_after_due``, each item with a failed (or unscored) hidden case
also gets a test of its own, without points, ``"visibility": "after_due_date"``, listing its hidden
cases with their messages: Gradescope shows it to the student only after the due date.
"""
from __future__ import annotations

import html
import json
import os
from typing import Any

from autograder.files import write_text
from .messages import (MANUAL_MESSAGE, case_lines, case_report, hand_graded_report,
                       hidden_cases_to_release, student_reason, summary_text)
from .images import img_tag, shown_images
from .model import GradeResult, ItemResult
from .scoring import format_points, round2

AFTER_DUE_DATE = "after_due_date"
IMAGE_BUDGET = 3_000_000      # PNG bytes of all images in one results.json


def to_gradescope(result: GradeResult) -> dict[str, Any]:
    """Top level: score (overrides the sum of the tests, which may exceed the cap), execution_time,
    output, output_format, test_output_format, stdout_visibility, tests[{name, score, max_score,
    status, output, visibility, extra_data{id, bonus}}]."""
    tests = [_test(item, result) for item in result.items]
    pictures: dict[str, list] = {}
    for item, _, image in shown_images(result, budget=IMAGE_BUDGET):
        pictures.setdefault(item.id, []).append(image)
    for item, test in zip(result.items, tests):
        if pictures.get(item.id) and result.status == "graded":
            test["output"] = (f"<pre>{html.escape(test['output'])}</pre>\n"
                              + "\n".join(img_tag(image) for image in pictures[item.id]))
            test["output_format"] = "html"
    if result.release_hidden and result.status == "graded":
        tests += [_released_hidden(item) for item in result.items
                  if not item.manual and hidden_cases_to_release(item)]
    return {
        "score": round2(result.score),
        "execution_time": round(result.seconds, 2),
        "output": summary_text(result),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def dumps(result: GradeResult) -> str:
    return json.dumps(to_gradescope(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write(path: str | os.PathLike, result: GradeResult) -> None:
    write_text(path, dumps(result))


def _test(item: ItemResult, result: GradeResult) -> dict[str, Any]:
    if item.manual and item.hand_graded:   # the gradebook's score and comment (batch's export)
        return {
            "name": f"{item.name} (hand-graded)",
            "score": round2(item.score),
            "max_score": round2(item.max_score),
            "status": "passed" if item.score >= item.max_score else "failed",
            "output": hand_graded_report(item),
            "visibility": "visible",
            "extra_data": {"id": item.id, "bonus": item.bonus, "manual": True},
        }
    if item.manual:
        return {
            "name": f"{item.name} (hand-graded, {format_points(item.max_score)} points)",
            "output": f"{MANUAL_MESSAGE} The course staff grade this item by hand.",
            "visibility": "visible",
            "extra_data": {"id": item.id, "bonus": item.bonus, "manual": True},
        }
    return {
        "name": f"{item.name} (bonus)" if item.bonus else item.name,
        "score": round2(item.score),
        "max_score": round2(item.max_score),
        "status": "passed" if item.all_passed else "failed",
        "output": (f"Not graded: {student_reason(result.error)}" if result.status == "error"
                   else case_report(item)),
        "visibility": "visible",
        "extra_data": {"id": item.id, "bonus": item.bonus},
    }


def _released_hidden(item: ItemResult) -> dict[str, Any]:
    """The item's hidden cases with their messages, shown after the due date; no points."""
    return {
        "name": f"{item.name}: hidden cases",
        "output": "\n".join(case_lines(item, hidden=True, indent="")),
        "visibility": AFTER_DUE_DATE,
        "extra_data": {"id": item.id, "hidden_cases": True},
    }

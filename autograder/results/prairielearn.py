"""PrairieLearn's external-grader ``results.json`` (``grade --prairielearn PATH``).

PrairieLearn reads ``score`` (a fraction in [0, 1]), ``gradable``, ``message``, ``output`` and
``tests[{name, description, points, max_points, message, output}]``; the file must stay under
1 MB. Here:

- ``score`` is the capped total over the points the automatic items can earn
  (``max_score - manual_points``), clamped to [0, 1]. Hand-graded (manual) items belong to the
  question's ``manualPoints`` in PrairieLearn, so the external grader's fraction covers only the
  automatic part (its ``autoPoints``).
- ``gradable`` is false only when the grader itself failed (status ``error``): PrairieLearn then
  gives no points and does not count the attempt. A broken submission is gradable (score 0).
- One test per rubric item, as in the Gradescope view: visible cases with their messages, hidden
  cases as counts only, unless the rubric's release switch is on (PrairieLearn has no "after the
  due date": the messages show at once, so turn the switch on after the deadline and regrade).
  A manual item is a 0/0 test (PrairieLearn shows it as information, not as a failure).
- ``output`` is the terminal table (plain ASCII); the submission's captured output is never
  included (printing inside a hidden case would reveal hidden inputs).
- ``images``: the visible cases' images (under the release switch, every case's) as
  ``{label, url}`` with a PNG data URI, at most ``IMAGE_BUDGET`` bytes of PNG; the last ones go
  first when the file would exceed ``MAX_BYTES``.
- Long texts are cut so that the whole file stays under ``MAX_BYTES``.
"""
from __future__ import annotations

import json
import os
from typing import Any

from autograder.files import write_text
from .messages import (MANUAL_MESSAGE, case_report, first_line, hand_graded_report,
                       student_reason, summary_text)
from .images import data_uri, shown_images
from .model import GradeResult, ItemResult
from .scoring import format_points, round2
from .table import to_table

MAX_BYTES = 1_000_000        # PrairieLearn's limit is 1 MB; stay under it
IMAGE_BUDGET = 400_000       # PNG bytes of images (about 530 kB as data URIs)
# Initial caps (characters) of the long fields; all are halved until the file fits.
_CAPS = {"output": 60_000, "message": 8_000, "test_output": 30_000, "test_message": 2_000}
_MIN_CAP = 200
_CUT = "\n[... {} more characters cut to keep the results under 1 MB]"


def to_prairielearn(result: GradeResult) -> dict[str, Any]:
    """The results object, its JSON text at most ``MAX_BYTES`` bytes (UTF-8)."""
    full = _results(result)            # every text in full; only cut copies are made below
    images = full.pop("images", [])
    while images and len(_encode(dict(_cut_all(full, _CAPS), images=images))) > MAX_BYTES:
        images = images[:-1]           # pictures go before any text is cut
    if images:
        full["images"] = images
    caps = dict(_CAPS)
    while True:
        data = _cut_all(full, caps)
        if len(_encode(data)) <= MAX_BYTES:
            return data
        if max(caps.values()) <= _MIN_CAP:
            break
        caps = {key: max(_MIN_CAP, value // 2) for key, value in caps.items()}
    # Still too large (thousands of items): each test's name and points only, then as many
    # tests as fit (found by bisection), saying so.
    for test in data["tests"]:
        test["message"] = test["output"] = ""
        test["description"] = _cut(test["description"], _MIN_CAP)
        test["name"] = _cut(test["name"], _MIN_CAP)
    if len(_encode(data)) <= MAX_BYTES:
        return data
    tests, low, high = data["tests"], 0, len(data["tests"])
    data["message"] = _cut(data["message"], _MIN_CAP) + "\n(some tests were left out)"
    while low < high:                  # the most tests that fit: low fits, high + 1 does not
        middle = (low + high + 1) // 2
        if len(_encode(dict(data, tests=tests[:middle]))) <= MAX_BYTES:
            low = middle
        else:
            high = middle - 1
    return dict(data, tests=tests[:low])


def score_fraction(result: GradeResult) -> float:
    """The capped total over what the automatic items can earn, in [0, 1]; 0 for an error."""
    automatic = result.automatic_max
    if result.status == "error" or automatic <= 0:
        return 0.0
    return round(min(1.0, max(0.0, result.score / automatic)), 6)


def dumps(result: GradeResult) -> str:
    return _encode(to_prairielearn(result)).decode("utf-8")


def write(path: str | os.PathLike, result: GradeResult) -> None:
    write_text(path, dumps(result))


def _encode(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _cut_all(full: dict[str, Any], caps: dict[str, int]) -> dict[str, Any]:
    if "images" in full and caps != _CAPS:
        full = {key: value for key, value in full.items() if key != "images"}
    data = dict(full, message=_cut(full["message"], caps["message"]),
                output=_cut(full["output"], caps["output"]))
    data["tests"] = [dict(test, message=_cut(test["message"], caps["test_message"]),
                          output=_cut(test["output"], caps["test_output"]))
                     for test in full["tests"]]
    return data


def _results(result: GradeResult) -> dict[str, Any]:
    release = result.release_hidden and result.status == "graded"
    data = {
        "gradable": result.status != "error",
        "score": score_fraction(result),
        "message": _message(result),
        "output": to_table(result, show_hidden=release),
        "tests": [_test(item, result, release) for item in result.items],
    }
    if result.status == "graded":
        data["images"] = [{"label": f"{case.name}: {image.label}", "url": data_uri(image)}
                          for _, case, image in shown_images(result, release, IMAGE_BUDGET)]
    if result.status == "error":
        data["format_errors"] = [f"The autograder could not grade this submission "
                                 f"({student_reason(result.error)}); this is not a problem "
                                 f"with your code."]
    return data


def _message(result: GradeResult) -> str:
    text = summary_text(result)
    automatic = result.automatic_max
    if result.status == "graded" and result.manual_points and automatic > 0:
        text += (f"\nThe autograder's share of this question is {format_points(automatic)} "
                 f"points; the rest is graded by hand.")
    return text


def _test(item: ItemResult, result: GradeResult, release: bool) -> dict[str, Any]:
    points = format_points(item.max_score)
    if item.manual and item.hand_graded:   # the gradebook's score and comment (batch's export)
        return {"name": f"{item.name} (hand-graded)",
                "description": f"Item {item.id}, {points} points, graded by hand",
                "points": round2(item.score), "max_points": round2(item.max_score),
                "message": hand_graded_report(item), "output": ""}
    if item.manual:
        return {"name": f"{item.name} (hand-graded)",
                "description": f"Item {item.id}, {points} points, graded by hand by the course "
                               f"staff",
                "points": 0, "max_points": 0, "message": MANUAL_MESSAGE, "output": ""}
    kind = "Bonus item" if item.bonus else "Item"
    test = {
        "name": f"{item.name} (bonus)" if item.bonus else item.name,
        "description": f"{kind} {item.id}, {points} points",
        "points": round2(item.score),
        "max_points": round2(item.max_score),
    }
    if result.status == "error":
        test["message"] = f"Not graded: {student_reason(result.error)}"
        test["output"] = ""
        return test
    test["message"] = _verdict(item, release)
    test["output"] = case_report(item, show_hidden=release)
    return test


def _verdict(item: ItemResult, release: bool) -> str:
    """One line: how many cases passed and, when one failed, the first failure students may
    see (a hidden one only under the release switch)."""
    scored = item.scored_count
    if not item.cases:
        return "No cases for this item in this suite."
    if not scored:
        return "No case was scored: they run code of an item that failed."
    unscored = f" ({item.excused_count} not scored)" if item.excused_count else ""
    text = f"{item.passed_count} of {scored} cases passed{unscored}."
    failure = item.first_failure(include_hidden=release)
    if failure is not None:
        where = "hidden case " if failure.hidden else ""
        text += f" First failure: {where}{failure.name}: {first_line(failure.message) or 'failed'}"
    return text


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + _CUT.format(len(text) - limit)

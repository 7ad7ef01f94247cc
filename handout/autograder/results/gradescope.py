"""Gradescope's ``results.json``: one test per rubric item, the capped total as ``score``.

What students see: every item with its score, the full message of each visible case, and only
the counts of hidden cases (no names, no messages). The captured output of the submission is
left out on purpose: printed values from hidden cases would reveal hidden inputs.
"""
from __future__ import annotations

import json
import os
from typing import Any

from .atomic import write_text
from .messages import bonus_note, case_counts, excused_count, explain_flag, student_reason
from .model import GradeResult, ItemResult
from .scoring import format_points, round2


def to_gradescope(result: GradeResult) -> dict[str, Any]:
    """Top level: score (overrides the sum of the tests, which may exceed the cap), execution_time,
    output, output_format, test_output_format, stdout_visibility, tests[{name, score, max_score,
    status, output, visibility, extra_data{id, bonus}}]."""
    return {
        "score": round2(result.score),
        "execution_time": round(result.seconds, 2),
        "output": _summary(result),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "tests": [_test(item, result) for item in result.items],
    }


def dumps(result: GradeResult) -> str:
    return json.dumps(to_gradescope(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write(path: str | os.PathLike, result: GradeResult) -> None:
    write_text(path, dumps(result))


def _summary(result: GradeResult) -> str:
    lines = []
    if result.status == "error":
        reason = student_reason(result.error)
        lines.append(f"The autograder could not grade this submission ({reason}). "
                     "No points were given; please resubmit or contact the course staff.")
    lines.append(f"Score: {format_points(result.score)} / {format_points(result.max_score)}")
    if result.status == "graded":
        cases = [case for item in result.items for case in item.scored_cases]
        lines[-1] += f" ({sum(case.passed for case in cases)} of {len(cases)} cases passed)"
        if result.error:
            lines.append(f"Note: {student_reason(result.error)}")
    note = bonus_note(result)
    if note:
        lines.append(note)
    if result.flags:
        lines.append("Flags:")
        lines.extend(f"- {explain_flag(flag)}" for flag in result.flags)
    return "\n".join(lines)


def _test(item: ItemResult, result: GradeResult) -> dict[str, Any]:
    return {
        "name": f"{item.name} (bonus)" if item.bonus else item.name,
        "score": round2(item.score),
        "max_score": round2(item.max_score),
        "status": "passed" if item.all_passed else "failed",
        "output": _test_output(item, result),
        "visibility": "visible",
        "extra_data": {"id": item.id, "bonus": item.bonus},
    }


def _test_output(item: ItemResult, result: GradeResult) -> str:
    if result.status == "error":
        return f"Not graded: {student_reason(result.error)}"
    if not item.cases:
        return "No cases for this item in this suite."
    lines = []
    passed, total = case_counts(item, hidden=False)
    excused = excused_count(item, hidden=False)
    if total or excused:
        lines.append(f"visible cases: {passed} of {total} passed" +
                     (f" ({excused} not scored)" if excused else ""))
        for case in item.cases:
            if case.hidden:
                continue
            if case.excused:
                label = "NOT SCORED"
            elif case.passed:
                lines.append(f"  PASS {case.name}")
                continue
            else:
                label = "FAIL"
            message = case.message.strip() or "failed"
            lines.append(f"  {label} {case.name}: " + message.replace("\n", "\n    "))
    passed, total = case_counts(item, hidden=True)
    excused = excused_count(item, hidden=True)
    if total or excused:
        lines.append(f"hidden cases: {passed} of {total} passed" +
                     (f" ({excused} not scored: they run code of another item that failed)"
                      if excused else ""))
    return "\n".join(lines)

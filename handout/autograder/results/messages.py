"""Wording shared by the views: flag explanations and student-safe reasons."""
from __future__ import annotations

from .model import GradeResult, ItemResult
from .scoring import format_points

_FLAG_EXPLANATIONS = {
    "forbidden-import": "the submission imports {}; only numpy and the Python standard library "
                        "are allowed",
    "missing-module": "the submission imports {}, which it does not include; submit every "
                      "file your code imports",
    "unreadable-submission": "no gradable code was found in the submission",
}
_GENERIC_ERROR = "internal grader error"
_MAX_REASON_CHARS = 300


def explain_flag(flag: str) -> str:
    """``forbidden-import:torch`` -> ``forbidden-import:torch (the submission imports torch; ..)``,
    unknown flags unchanged."""
    kind, _, detail = flag.partition(":")
    template = _FLAG_EXPLANATIONS.get(kind)
    if template is None or not detail:
        return flag
    return f"{flag} ({template.format(detail)})"


def student_reason(error: str) -> str:
    """The first line of ``error``, never a traceback of the grader; shortened if very long."""
    line = next((line.strip() for line in error.splitlines() if line.strip()), "")
    if not line or line.startswith("Traceback (most recent call last)"):
        return _GENERIC_ERROR
    if len(line) > _MAX_REASON_CHARS:
        line = line[:_MAX_REASON_CHARS - 3] + "..."
    return line


def first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def case_counts(item: ItemResult, hidden: bool) -> tuple[int, int]:
    """(passed, total) over the item's scored hidden or visible cases."""
    chosen = [case for case in item.scored_cases if case.hidden == hidden]
    return sum(case.passed for case in chosen), len(chosen)


def excused_count(item: ItemResult, hidden: bool) -> int:
    return sum(1 for case in item.cases if case.excused and case.hidden == hidden)


def bonus_note(result: GradeResult) -> str:
    """A sentence about bonus points and the cap, or "" when no bonus was earned."""
    bonus = sum(item.score for item in result.items if item.bonus)
    if bonus <= 0:
        return ""
    note = f"Bonus items earned {format_points(bonus)} points"
    if result.raw_score > result.max_score:
        note += f"; the total is capped at {format_points(result.max_score)}"
    return note + "."

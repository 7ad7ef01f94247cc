"""Wording shared by the views: flag explanations, student-safe reasons, the summary, each
item's case report, and what hand-graded (manual) items say."""
from __future__ import annotations

from .model import GradeResult, ItemResult
from .scoring import format_points

_FLAG_EXPLANATIONS = {
    "forbidden-import": "the submission imports {}; only numpy and the Python standard library "
                        "are allowed",
    "missing-module": "the submission imports {}, which it does not include; submit every "
                      "file your code imports",
    "unreadable-submission": "no gradable code was found in the submission",
    "missing-deliverable": "the submission lacks {}, which the assignment asks for",
    "notebook-import": "a notebook imports {}, which the assignment does not allow; that cell "
                       "fails, and only the items that need the notebook lose points",
}
_GENERIC_ERROR = "internal grader error"
# What a hand-graded item says in the student views; it never scores automatically.
MANUAL_REASON = "awaiting hand grading; not in the automatic total"
MANUAL_MESSAGE = "Awaiting hand grading; not part of the autograder score."
HAND_GRADED_REASON = "graded by hand"
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


def manual_note(result: GradeResult) -> str:
    """``10 points await hand grading (report).``, or "" when no item is hand-graded."""
    manual = [item.id for item in result.items if item.awaiting]
    if not manual:
        return ""
    return (f"{format_points(result.manual_points)} points await hand grading "
            f"({', '.join(manual)}).")


def hand_graded_report(item: ItemResult) -> str:
    """What a hand-graded item tells the student: its score and the grader's comment."""
    text = (f"Graded by hand: {format_points(item.score)} / "
            f"{format_points(item.max_score)}.")
    return text + (f"\nComment: {item.comment.strip()}" if item.comment.strip() else "")


def summary_text(result: GradeResult) -> str:
    """The lines above the items: the score (and why it could not be graded), notes, flags."""
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
    lines.extend(filter(None, [manual_note(result), bonus_note(result)]))
    if result.flags:
        lines.append("Flags:")
        lines.extend(f"- {explain_flag(flag)}" for flag in result.flags)
    return "\n".join(lines)


def case_report(item: ItemResult, show_hidden: bool = False) -> str:
    """The item's cases for a student: every visible case (``PASS name``, ``FAIL name: message``,
    ``NOT SCORED name: message``), then the hidden cases as counts only, or, with
    ``show_hidden`` (the rubric's release switch), one line each as well."""
    if not item.cases:
        return "No cases for this item in this suite."
    lines = []
    passed, total = case_counts(item, hidden=False)
    excused = excused_count(item, hidden=False)
    if total or excused:
        lines.append(f"visible cases: {passed} of {total} passed" +
                     (f" ({excused} not scored)" if excused else ""))
        lines.extend(case_lines(item, hidden=False))
    passed, total = case_counts(item, hidden=True)
    excused = excused_count(item, hidden=True)
    if total or excused:
        lines.append(f"hidden cases: {passed} of {total} passed" +
                     (f" ({excused} not scored: they run code of another item that failed)"
                      if excused else ""))
        if show_hidden:
            lines.extend(case_lines(item, hidden=True))
    return "\n".join(lines)


def case_lines(item: ItemResult, hidden: bool, indent: str = "  ") -> list[str]:
    """One line per hidden (or visible) case, its message's later lines indented further."""
    lines = []
    for case in item.cases:
        if case.hidden != hidden:
            continue
        if case.scored and case.passed:
            lines.append(f"{indent}PASS {case.name}")
            continue
        label = "NOT SCORED" if case.excused else "FAIL"
        message = case.message.strip() or "failed"
        lines.append(f"{indent}{label} {case.name}: " +
                     message.replace("\n", "\n" + indent + "  "))
    return lines


def hidden_cases_to_release(item: ItemResult) -> bool:
    """Whether releasing the item's hidden cases tells the student something: one failed or
    was not scored."""
    return any(case.hidden and (case.excused or not case.passed) for case in item.cases)

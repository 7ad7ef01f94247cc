"""What ``grade`` prints: the table (one row per item: score, cases, first failure reason) and,
with ``--details``, every failed case with its full message, grouped by item.

Plain ASCII and as wide as the terminal (``WIDTH`` when the width is unknown): messages are
transliterated (``é`` -> ``e``, other characters as ``\\u....``) so wide or combining characters
cannot break the alignment, and control characters (a student's exception text may hold
terminal escapes) are shown escaped. Colour is optional and decided by the caller with
``use_color``.
"""
from __future__ import annotations

import os
import shutil
import textwrap
import unicodedata
from typing import Mapping, TextIO

from .messages import (HAND_GRADED_REASON, MANUAL_REASON, bonus_note, explain_flag, first_line,
                       manual_note, student_reason)
from .images import image_file_name
from .model import GradeResult, ItemResult
from .scoring import format_points, round2

WIDTH = 100
MIN_WIDTH, MAX_WIDTH = 72, 200
_ITEM, _SCORE, _CASES = 24, 14, 7
_GAP = "  "
_GREEN, _YELLOW, _RED, _RESET = "\033[32m", "\033[33m", "\033[31m", "\033[0m"


def terminal_width(stream: TextIO) -> int:
    """The terminal's width for a terminal (within MIN_WIDTH..MAX_WIDTH), else ``WIDTH``."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return WIDTH
    columns = shutil.get_terminal_size((WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def use_color(stream: TextIO) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set or TERM is dumb."""
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ \
        and os.environ.get("TERM") != "dumb"


def to_table(result: GradeResult, color: bool = False, show_hidden: bool = False,
             width: int = WIDTH, image_paths: Mapping[str, str] | None = None) -> str:
    """The table as text (lines joined by ``\\n``, no trailing newline), ``width`` columns at
    most. Hidden cases' messages appear only with ``show_hidden`` (instructors); otherwise a
    hidden failure is just counted. Images are listed as the files ``image_paths`` names
    (``image_file_name`` -> path, what ``grade --feedback DIR`` wrote), else counted."""
    width = max(MIN_WIDTH, width)
    reason_width = width - _ITEM - _SCORE - _CASES - 3 * len(_GAP)
    lines = []
    if result.status == "error":
        lines.append(_fit(f"GRADER ERROR: {student_reason(result.error)}", width))
    lines.append(_row("item", "score", "cases", "first failure", reason_width))
    lines.append(_row("-" * _ITEM, "-" * _SCORE, "-" * _CASES, "-" * reason_width, reason_width))
    for item in result.items:
        label = f"{item.id} (bonus)" if item.bonus else item.id
        cases = f"{item.passed_count}/{item.scored_count}" if item.cases else "-"
        score = (_manual_cell(item.max_score) if item.awaiting
                 else _score_cell(item.score, item.max_score))
        lines.append(_row(label, score, cases, _reason(item, result, show_hidden), reason_width,
                          _colour_of(item) if color else ""))
    lines.append(_row("-" * _ITEM, "-" * _SCORE, "-" * _CASES, "", reason_width))
    passed = sum(item.passed_count for item in result.items)
    count = sum(item.scored_count for item in result.items)
    lines.append(_row(f"total ({result.suite})" if result.suite else "total",
                      _score_cell(result.score, result.max_score), f"{passed}/{count}", "",
                      reason_width))
    notes = [manual_note(result), bonus_note(result)]
    if result.status == "graded" and result.error:
        notes.append(f"note: {student_reason(result.error)}")
    notes.extend(f"flag: {explain_flag(flag)}" for flag in result.flags)
    for note in filter(None, notes):
        lines.extend(textwrap.wrap(to_ascii(note), width, subsequent_indent="      "))
    # Never wrapped: a file path must stay whole to be opened.
    lines.extend(to_ascii(note) for note in _image_notes(result, show_hidden, image_paths))
    return "\n".join(line.rstrip() for line in lines)


def to_details(result: GradeResult, show_hidden: bool = False, width: int = WIDTH,
               image_paths: Mapping[str, str] | None = None) -> str:
    """Every failed or unscored case with its full message, grouped by item ("" when none).
    Hidden cases are only counted unless ``show_hidden``. A case's images are listed as the
    files ``image_paths`` names."""
    width = max(MIN_WIDTH, width)
    blocks = []
    for item in result.items:
        shown = [case for case in item.cases
                 if (case.excused or not case.passed) and (show_hidden or not case.hidden)]
        hidden = sum(1 for case in item.cases if case.hidden and not case.passed
                     and not case.excused and not show_hidden)
        if not shown and not hidden:
            continue
        lines = [f"== {item.id}: {item.name} ({format_points(item.score)} / "
                 f"{format_points(item.max_score)})"]
        for case in shown:
            label = "NOT SCORED" if case.excused else "FAIL"
            prefix = "[hidden] " if case.hidden else ""
            lines.append(f"{label} {prefix}{case.name}")
            for text in (case.message.strip() or "failed").splitlines():
                lines.extend(textwrap.wrap(to_ascii(text), width, initial_indent="    ",
                                           subsequent_indent="      ") or [""])
            for index, image in enumerate(case.images, start=1):
                path = (image_paths or {}).get(image_file_name(case, index))
                if path:
                    lines.append(to_ascii(f"    image: {path}"))
        if hidden:
            lines.append(f"{hidden} hidden case(s) failed (their messages are not shown)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _image_notes(result: GradeResult, show_hidden: bool,
                 image_paths: Mapping[str, str] | None) -> list[str]:
    """One line per image file, or one that counts the images when none was written."""
    shown = [(case, index) for item in result.items for case in item.cases
             if show_hidden or not case.hidden for index in range(1, len(case.images) + 1)]
    if not shown:
        return []
    if not image_paths:
        return [f"{len(shown)} image(s) (figures, heat maps): write them with --feedback DIR"]
    return [f"image: {image_paths[name]} ({case.name})" for case, index in shown
            if (name := image_file_name(case, index)) in image_paths]


def to_ascii(text: str) -> str:
    """Printable ASCII only: accents dropped, other characters and control codes escaped."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out = []
    for ch in kept:
        code = ord(ch)
        if 32 <= code < 127:
            out.append(ch)
        elif code < 256:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "".join(out)


def _reason(item: ItemResult, result: GradeResult, show_hidden: bool) -> str:
    if item.awaiting:
        return MANUAL_REASON
    if item.manual:
        comment = first_line(item.comment)
        return f"{HAND_GRADED_REASON}: {comment}" if comment else HAND_GRADED_REASON
    if result.status == "error":
        return "not graded"
    failure = item.first_failure(include_hidden=show_hidden)
    if failure is not None:
        prefix = "[hidden] " if failure.hidden else ""
        return f"{prefix}{failure.name}: {first_line(failure.message) or 'failed'}"
    hidden_failed = len(item.failures(include_hidden=True))
    if hidden_failed:
        return f"{hidden_failed} hidden case(s) failed"
    if item.excused_count:
        return (f"{item.excused_count} case(s) not scored: they run code of an item "
                f"that failed")
    return "no cases in this suite" if not item.cases else ""


def _score_cell(score: float, max_score: float) -> str:
    return f"{round2(score):6.2f} / {format_points(max_score)}"


def _manual_cell(max_score: float) -> str:
    """``   -   / 10``: a hand-graded item has no automatic score."""
    return f"{'-':>4}   / {format_points(max_score)}"


def _colour_of(item: ItemResult) -> str:
    if item.awaiting:
        return ""
    if item.score >= item.max_score and item.scored_cases:
        return _GREEN
    return _RED if item.score <= 0 else _YELLOW


def _row(item: str, score: str, cases: str, reason: str, reason_width: int,
         colour: str = "") -> str:
    score_cell = _fit(score, _SCORE).ljust(_SCORE)
    if colour:
        score_cell = f"{colour}{score_cell}{_RESET}"
    return _GAP.join([_fit(item, _ITEM).ljust(_ITEM), score_cell,
                      _fit(cases, _CASES).ljust(_CASES), _fit(reason, reason_width)])


def _fit(text: str, width: int) -> str:
    # Transliterate a prefix only (a message may be megabytes): a character never becomes less
    # than one, except combining marks, so the whole text is needed only if the prefix fits.
    head = text[:4 * width + 16]
    fitted = to_ascii(head)
    if len(head) < len(text) and len(fitted) <= width:
        fitted = to_ascii(text)
    return fitted if len(fitted) <= width else fitted[:width - 3] + "..."

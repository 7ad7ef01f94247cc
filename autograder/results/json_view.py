"""The rubric JSON (``grade --json``, ``batch``'s ``<student>.json``): the full result, scores
rounded to 2 decimals. ``GradeResult.from_dict(to_json(r))`` reads it back."""
from __future__ import annotations

import json
import os
from typing import Any

from autograder.files import write_text
from .model import GradeResult, ResultFormatError
from .scoring import round2

FORMAT_VERSION = 1


def to_json(result: GradeResult) -> dict[str, Any]:
    """Keys: score, max_score, items[{id, name, score, max_score, bonus, manual, hand_graded,
    comment, passed, total, excused, cases[{name, passed, hidden, excused, message,
    images?[{label, png_base64}]}]}], flags, suite, submission, seconds, status, error, output,
    release_hidden, exports? {notebook: HTML or path}, format (``?``: only when not empty).
    ``passed``/``total`` count the item's scored cases and ``excused`` the others (derived;
    ignored on reading)."""
    return {
        "score": round2(result.score),
        "max_score": round2(result.max_score),
        "items": [
            {
                "id": item.id,
                "name": item.name,
                "score": round2(item.score),
                "max_score": round2(item.max_score),
                "bonus": item.bonus,
                "manual": item.manual,
                "hand_graded": item.hand_graded,
                "comment": item.comment,
                "passed": item.passed_count,
                "total": item.scored_count,
                "excused": item.excused_count,
                "cases": [{"name": case.name, "passed": case.passed, "hidden": case.hidden,
                           "excused": case.excused, "message": case.message,
                           **({"images": [image.to_dict() for image in case.images]}
                              if case.images else {})}
                          for case in item.cases],
            }
            for item in result.items
        ],
        "flags": list(result.flags),
        "suite": result.suite,
        "submission": result.submission,
        "seconds": round(result.seconds, 3),
        "status": result.status,
        "error": result.error,
        "output": result.output,
        "release_hidden": result.release_hidden,
        **({"exports": dict(result.exports)} if result.exports else {}),
        "format": FORMAT_VERSION,
    }


def dumps(result: GradeResult) -> str:
    """UTF-8-ready text: indented, non-ASCII kept as is, strict JSON (no NaN), final newline."""
    return json.dumps(to_json(result), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write(path: str | os.PathLike, result: GradeResult) -> None:
    write_text(path, dumps(result))


def read(path: str | os.PathLike) -> GradeResult:
    """Load a file ``write`` produced; a malformed file raises ``ResultFormatError``."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultFormatError(f"{os.fspath(path)} is not a JSON result: {exc}") from None
    return GradeResult.from_dict(data)

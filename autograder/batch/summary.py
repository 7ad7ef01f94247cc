"""``summary.json``: the class at a glance (per-item mean, median and pass rate).

Statistics are over the students whose grading completed (status ``graded``); students the
grader failed on are listed under ``grader_errors`` instead of counting as zeros.
The pass rate of an item is the fraction of those students who earned its full points (for an
item worth 0 points: who passed all its cases). A hand-graded (manual) item (``"manual": true``)
has statistics over the students graded by hand so far (``"hand_graded"`` counts them; the
gradebook of ``python -m autograder review``), nulls while nobody is.
"""
from __future__ import annotations

import json
import os
import statistics
from typing import Sequence

from autograder.files import write_text
from autograder.results.model import GradeResult

_FULL = 1e-9


def summarize(rubric, graded: Sequence[tuple[str, GradeResult]]) -> dict:
    ok = [(sid, r) for sid, r in graded if r.status == "graded"]
    totals = [r.score for _, r in ok]
    items = []
    for spec in rubric.items:
        if getattr(spec, "manual", False):
            marked = [item.score for _, result in ok for item in result.items
                      if item.id == spec.id and item.hand_graded]
            full = sum(score >= spec.points - _FULL for score in marked)
            items.append({"id": spec.id, "name": spec.name, "max_score": spec.points,
                          "bonus": spec.bonus, "manual": True, "hand_graded": len(marked),
                          **_stats(marked),
                          "pass_rate": round(full / len(marked), 4) if marked else None})
            continue
        scores, full = [], 0
        for _, result in ok:
            item = next((i for i in result.items if i.id == spec.id), None)
            score = item.score if item else 0.0
            scores.append(score)
            # A 0-point item (a flag-only check) counts as passed when all its cases passed.
            full += (score >= spec.points - _FULL if spec.points > 0
                     else bool(item and item.all_passed))
        items.append({"id": spec.id, "name": spec.name, "max_score": spec.points,
                      "bonus": spec.bonus, **_stats(scores),
                      "pass_rate": round(full / len(ok), 4) if ok else None})
    return {
        "students": len(graded),
        "graded": len(ok),
        "grader_errors": [sid for sid, r in graded if r.status != "graded"],
        "max_score": rubric.cap,
        "total": {**_stats(totals), "min": _round(min(totals, default=None)),
                  "max": _round(max(totals, default=None))},
        "items": items,
    }


def _stats(values: list[float]) -> dict:
    if not values:
        return {"mean": None, "median": None}
    return {"mean": _round(statistics.fmean(values)), "median": _round(statistics.median(values))}


def _round(value):
    return None if value is None else round(value, 2)


def write_summary(path: str | os.PathLike, summary: dict) -> None:
    write_text(path, json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n")

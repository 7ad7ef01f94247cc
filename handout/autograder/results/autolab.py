"""Autolab's score line: ``{"scores": {item_id: score, ...}}``, printed as the LAST line of stdout.

Autolab adds the per-problem numbers itself, so they are ``scoring.reported_scores``: cents that
add up exactly to the capped total (bonus above the cap is removed from the last bonus item
first). Problem names in the Autolab assessment must be the rubric item ids.
"""
from __future__ import annotations

import json

from .model import GradeResult
from .scoring import reported_scores


def autolab_line(result: GradeResult) -> str:
    """One line, compact separators, ids in rubric order, no trailing newline."""
    scores = reported_scores(result.items, result.score)
    return json.dumps({"scores": scores}, separators=(",", ":"), allow_nan=False)

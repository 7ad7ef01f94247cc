"""Autolab's score line: ``{"scores": {item_id: score, ...}}``, printed as the LAST line of stdout.

Autolab adds the per-problem numbers itself, so they are ``scoring.reported_scores``: cents that
add up exactly to the capped total (bonus above the cap is removed from the last bonus item
first). Problem names in the Autolab assessment must be the rubric item ids.

Hand-graded (manual) items are left out of the line: Autolab keeps a problem's score when the
line does not name it, so a score the staff entered by hand is never overwritten by a regrade.
An item graded in this kit's own gradebook (``hand_graded``) is named, with that score.
"""
from __future__ import annotations

import json

from .model import GradeResult
from .scoring import reported_scores


def autolab_line(result: GradeResult) -> str:
    """One line, compact separators, ids in rubric order, no trailing newline."""
    automatic = [item for item in result.items if not item.awaiting]
    scores = reported_scores(automatic, result.score)
    return json.dumps({"scores": scores}, separators=(",", ":"), allow_nan=False)

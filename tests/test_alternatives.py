"""Alternative-correct submissions of every assignment: each folder in tests/alternatives/<name>/
is code written in another shape than the solution's (another file layout, (n,) biases, other
state names...) and must get full marks, bonus included, with no flag. The folders are
discovered, never listed: adding one adds a test. How many an assignment must have is its
[fidelity] minimum_alternatives (2 unless it says otherwise)."""
from __future__ import annotations

from pathlib import Path

import pytest

from support import ASSIGNMENTS, fidelity, grade

ALTERNATIVES_ROOT = Path(__file__).resolve().parent / "alternatives"


def alternatives_of(name: str) -> list[Path]:
    folder = ALTERNATIVES_ROOT / name
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


EVERY_ALTERNATIVE = [pytest.param(name, path, id=f"{name}/{path.name}")
                     for name in ASSIGNMENTS for path in alternatives_of(name)]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_assignment_has_its_alternatives(name):
    found = [p.name for p in alternatives_of(name)]
    assert len(found) >= fidelity(name).minimum_alternatives, \
        f"{name}: {found} in tests/alternatives/{name}/"


@pytest.mark.parametrize("name, submission", EVERY_ALTERNATIVE)
def test_alternative_gets_full_marks_bonus_included(name, submission, tmp_path):
    result, _ = grade(submission, tmp_path, "--suite", "all", "--assignment", name)
    failed = [(item["id"], case["name"], case["message"]) for item in result["items"]
              for case in item["cases"] if not case["passed"]]
    assert failed == []
    automatic = [item for item in result["items"] if not item.get("manual")]
    assert all(item["score"] == item["max_score"] for item in automatic)
    # Hand-graded items (a report) are never in the automatic total: full marks are the
    # automatic items' points, bonus included, up to the cap.
    assert result["score"] == min(result["max_score"],
                                  sum(item["max_score"] for item in automatic))
    assert result["flags"] == []

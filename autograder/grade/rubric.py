"""The rubric file (an assignment's grading/rubric.toml): items, points, bonus, manual items,
cap and policies. (Sandbox limits are the assignment's: assignment.toml [policy.limits].)"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

POLICIES = ("zero", "flag")


class RubricError(ValueError):
    """A rubric file that cannot be used (one-line message)."""


@dataclass(frozen=True)
class Item:
    id: str
    name: str
    points: float
    bonus: bool = False
    all_or_nothing: bool = False
    flag: str = ""      # added to the report's flags when a case of this item fails
    manual: bool = False  # graded by hand (a report): listed as awaiting, never in the total


@dataclass(frozen=True)
class Rubric:
    items: tuple[Item, ...]
    cap: float
    forbidden_import_policy: str = "zero"
    path: str = ""
    # One bug, one item: a case that also runs another item's code (its `uses`) is not scored
    # when that item fails in the same grading; the bug is charged there.
    excuse_dependent_cases: bool = True
    # A failing array that matches a classic mistake's signature (data/visible/mistakes.json)
    # gets the line "matches a known mistake: ..." (autograder/diagnosis.py).
    diagnose_known_mistakes: bool = True
    # Release the hidden cases' messages to students: Gradescope shows them after the due date;
    # Autolab and PrairieLearn at once (turn it on after the deadline and regrade there).
    release_hidden_after_due: bool = False

    @property
    def automatic(self) -> tuple[Item, ...]:
        """The items the grader scores (every item but the manual ones)."""
        return tuple(item for item in self.items if not item.manual)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def load_rubric(path: Path | str) -> Rubric:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RubricError(f"cannot read rubric {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RubricError(f"rubric {path} is not valid TOML: {exc}") from None
    items = []
    for raw in data.get("item", []):
        items.append(_item(raw, path))
    if not items:
        raise RubricError(f"rubric {path} has no [[item]] entries")
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise RubricError(f"rubric {path}: an item id appears twice")
    cap = data.get("cap", sum(i.points for i in items if not i.bonus))
    if isinstance(cap, bool) or not isinstance(cap, (int, float)) or cap <= 0:
        raise RubricError(f"rubric {path}: cap must be a positive number")
    policy = data.get("forbidden_import_policy", "zero")
    if policy not in POLICIES:
        raise RubricError(f"rubric {path}: forbidden_import_policy must be one of {POLICIES}")
    if "limits" in data:
        raise RubricError(f"rubric {path}: [limits] has moved to the assignment's "
                          f"assignment.toml, as [policy.limits]")
    excuse = data.get("excuse_dependent_cases", True)
    if not isinstance(excuse, bool):
        raise RubricError(f"rubric {path}: excuse_dependent_cases must be true or false")
    diagnose = data.get("diagnose_known_mistakes", True)
    if not isinstance(diagnose, bool):
        raise RubricError(f"rubric {path}: diagnose_known_mistakes must be true or false")
    release = data.get("release_hidden_after_due", False)
    if not isinstance(release, bool):
        raise RubricError(f"rubric {path}: release_hidden_after_due must be true or false")
    return Rubric(tuple(items), float(cap), policy, str(path),
                  excuse_dependent_cases=excuse, diagnose_known_mistakes=diagnose,
                  release_hidden_after_due=release)


def _item(raw, path: Path) -> Item:
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise RubricError(f"rubric {path}: every [[item]] needs an id")
    if not re.match(r"^[a-z0-9_]+$", raw["id"]):
        raise RubricError(f"rubric {path}: item id {raw['id']!r} must match [a-z0-9_]+")
    points = raw.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
        raise RubricError(f"rubric {path}: item {raw['id']!r} needs points >= 0")
    flag = raw.get("flag", "")
    if not isinstance(flag, str) or not re.match(r"^[a-z0-9_:-]*$", flag):
        raise RubricError(f"rubric {path}: item {raw['id']!r}: flag must be a word like "
                          f"'not-vectorised'")
    return Item(raw["id"], str(raw.get("name", raw["id"])), float(points),
                bool(raw.get("bonus", False)), bool(raw.get("all_or_nothing", False)), flag,
                bool(raw.get("manual", False)))

"""One bug, one item: which cases are not scored because they run a failing item's code.

A case lists in ``uses`` the other rubric items whose code it also runs (an integration case
runs the student's activations, say). When one of those items fails in the same grading, the
case's verdict says more about that item than about its own, so it is excused: counted in
neither the numerator nor the denominator of its item, with a message saying where the bug is
charged. Every item keeps isolated cases (``uses = []``), which are never excused.
"""
from __future__ import annotations

from typing import Mapping, Sequence


def failing_items(cases: Sequence, passed: Mapping[str, bool]) -> set[str]:
    """Items that fail on their own merits: an item fails when one of its cases fails and that
    case is not excused, i.e. none of the items it uses fails. Decided dependencies first; in a
    cycle of ``uses`` an item counts as failing when one of its isolated cases fails."""
    by_item: dict[str, list] = {}
    for case in cases:
        by_item.setdefault(case.item, []).append(case)
    decided: dict[str, bool] = {}
    deciding: set[str] = set()

    def fails(item: str) -> bool:
        if item in decided:
            return decided[item]
        own = by_item.get(item, [])
        if item in deciding:  # a cycle: only the isolated cases speak
            return any(not passed[c.name] and not _others(c) for c in own)
        deciding.add(item)
        verdict = any(not passed[c.name] and not any(fails(u) for u in _others(c))
                      for c in own)
        deciding.discard(item)
        decided[item] = verdict
        return verdict

    return {item for item in by_item if fails(item)}


def _others(case) -> list[str]:
    return [item for item in case.uses if item != case.item]


def excused_cases(cases: Sequence, passed: Mapping[str, bool]) -> dict[str, list[str]]:
    """Case name -> the failing items (in ``uses`` order) that excuse it.

    An item none of whose cases would be left scored is never excused (an incomplete suite
    must not give full marks for nothing)."""
    failing = failing_items(cases, passed)
    excused = {}
    for case in cases:
        blamed = [item for item in _others(case) if item in failing]
        if blamed:
            excused[case.name] = blamed
    for item in {case.item for case in cases}:
        own = [case.name for case in cases if case.item == item]
        if all(name in excused for name in own):
            for name in own:
                del excused[name]
    return excused

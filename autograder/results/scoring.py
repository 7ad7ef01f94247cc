"""Rounding for display (the score itself is decided in autograder/grade/score.py).

Scores stay exact (unrounded floats) in the model; views round with ``round2``. Autolab adds up
the per-item numbers it is given, so ``reported_scores`` produces numbers that add up exactly to
the reported total even when bonus points exceed the cap or rounding would drift by a cent.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Protocol, Sequence


class ScoredItem(Protocol):
    id: str
    score: float
    bonus: bool


def round2(value: float) -> float:
    """Round half up to 2 decimals as a person would (2.675 -> 2.68, which ``round`` gets wrong)."""
    return float(Decimal(repr(float(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def format_points(value: float) -> str:
    """``4`` / ``3.5`` / ``3.33``: at most 2 decimals, no trailing zeros."""
    text = f"{round2(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def reported_scores(items: Sequence[ScoredItem], reported_total: float) -> dict[str, float]:
    """Per-item scores, rounded to cents, that add up exactly to ``round2(reported_total)``.

    When the raw sum exceeds the total (bonus over the cap), the excess is taken from bonus items,
    the last bonus item first (then, only if the cap is below the regular points, from regular
    items, last first). The remaining sub-cent rounding difference is settled by giving the
    leftover cents to the items with the largest rounding remainders, so no number moves by more
    than one cent from its exact value.
    """
    exact = [Fraction(item.score) for item in items]
    excess = sum(exact, Fraction(0)) - Fraction(reported_total)
    if excess > 0:
        bonus_first = [i for i in reversed(range(len(items))) if items[i].bonus]
        regular_after = [i for i in reversed(range(len(items))) if not items[i].bonus]
        for index in bonus_first + regular_after:
            cut = min(exact[index], excess)
            exact[index] -= cut
            excess -= cut
            if excess == 0:
                break
    cents = [math.floor(value * 100) for value in exact]
    remainders = [value * 100 - floor for value, floor in zip(exact, cents)]
    missing = round(round2(reported_total) * 100) - sum(cents)
    by_remainder = sorted(range(len(items)), key=lambda i: (-remainders[i], i))
    for index in by_remainder[:max(missing, 0)]:
        cents[index] += 1
    return {item.id: cent / 100 for item, cent in zip(items, cents)}

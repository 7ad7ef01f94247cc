"""``report.png``: a histogram of the totals and the pass rate of every rubric item."""
from __future__ import annotations

import io
import os

import numpy as np

from autograder.files import write_bytes


def render_report(summary: dict, totals: list[float]) -> bytes:
    """PNG bytes. ``totals``: the graded students' capped totals."""
    # Imported here: only the batch's last step needs matplotlib (and no display).
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(11, 4.8), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, width_ratios=[1, 1.2])
    cap = summary["max_score"]
    left.hist(totals, bins=np.linspace(0, cap, 21), color="#4878a8", edgecolor="white")
    left.set_xlim(0, cap)
    left.set_xlabel(f"total score (out of {cap:g})")
    left.set_ylabel("students")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    mean = summary["total"]["mean"]
    left.set_title(f"{summary['graded']} students graded" +
                   (f", mean {mean:g}, median {summary['total']['median']:g}" if totals else ""))

    items = [item for item in summary["items"] if not item.get("manual")]  # graded by hand
    labels = [item["id"] + (" (bonus)" if item["bonus"] else "") for item in items]
    rates = [100.0 * (item["pass_rate"] or 0.0) for item in items]
    positions = np.arange(len(items))
    right.barh(positions, rates, color=["#c07830" if i["bonus"] else "#4878a8" for i in items])
    right.set_yticks(positions, labels)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel("students with full points (%)")
    right.set_title("pass rate per rubric item")
    for y, rate in zip(positions, rates):
        right.text(min(rate + 1, 88), y, f"{rate:.0f}%", va="center", fontsize=8)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def write_report(path: str | os.PathLike, summary: dict, totals: list[float]) -> None:
    write_bytes(path, render_report(summary, totals))

"""Write small Jupyter notebooks (nbformat 4) for the tests."""
from __future__ import annotations

import json
from pathlib import Path


def write_notebook(path: Path, cells: list[str | tuple[str, str]]) -> Path:
    """``cells``: code as a string, or ("markdown", text)."""
    raw = []
    for cell in cells:
        kind, source = cell if isinstance(cell, tuple) else ("code", cell)
        entry = {"cell_type": kind, "metadata": {}, "source": source.splitlines(True)}
        if kind == "code":
            entry.update(execution_count=None, outputs=[])
        raw.append(entry)
    path.write_text(json.dumps({"cells": raw, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}, indent=1), encoding="utf-8")
    return path


SOLUTION_CELLS = [
    "%load_ext autoreload\n%autoreload 2\nimport numpy as np\nfrom nbcalc import twice\n"
    "from nbhelp import make_data",
    "data = make_data(4)\ndoubled = twice(data)\nprint('doubled', doubled)",
    ("markdown", "## Answer\nDoubling is linear <script>alert('md')</script>."),
    "import matplotlib.pyplot as plt\nplt.plot(doubled)\n"
    "plt.title('<script>alert(1)</script>')\nplt.show()",
    "late = doubled.sum()\n!echo shell lines are skipped",
]

"""The notebook format, without running anything: read an nbformat 4 file's cells and strip
IPython magics. Shared by intake's import scan (trusted side, no NumPy) and the worker's
notebook toolkit (autograder/scenarios/notebook.py).

Cells are numbered as Jupyter shows them after "Restart & Run All": code cells only, from 1
(``In [k]``); markdown and raw cells have number 0.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

_MAGIC = re.compile(r"^(\s*)([%!]|\S.*=\s*!)")


@dataclass
class Cell:
    number: int                 # the code cell's number (In [k]); 0 for a markdown cell
    kind: str                   # "code" | "markdown" | "raw"
    source: str                 # as written (magics included)
    status: str = "not run"     # "ok" | "error" | "timeout" | "not run" | "text"
    seconds: float = 0.0
    output: str = ""            # captured stdout/stderr, bounded
    figures: list = field(default_factory=list)   # (h, w, 3) float arrays in [0, 1]
    skipped: list = field(default_factory=list)   # magic and shell lines left out


# ------------------------------------------------------------------------------ reading

def read_cells(path: str) -> list[Cell]:
    """The notebook's cells; ValueError (one line) unless it is nbformat 4 JSON."""
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON ({str(exc)[:120]})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("no list of cells (not an nbformat 4 notebook)")
    if data.get("nbformat") != 4:
        raise ValueError(f"nbformat {data.get('nbformat')!r}, expected 4 (save it with "
                         f"Jupyter 4 or later)")
    cells, number = [], 0
    for index, raw in enumerate(data["cells"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("cell_type"), str):
            raise ValueError(f"cell {index} of the file is not a notebook cell")
        source = raw.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise ValueError(f"cell {index} of the file has no text source")
        kind = raw["cell_type"]
        if kind == "code":
            number += 1
            cells.append(Cell(number, "code", source))
        else:
            cells.append(Cell(0, kind if kind in ("markdown", "raw") else "raw", source,
                              status="text"))
    return cells


def strip_magics(source: str) -> tuple[str, list[str]]:
    """The cell without IPython magics and shell lines, each replaced by ``pass`` at its
    indentation (line numbers stay), and the lines removed. A ``%%`` cell magic skips the whole
    cell. Continuation lines of a skipped line (a trailing backslash) go with it."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n".join("" for _ in lines), [source.strip()]
    kept, skipped, continuing = [], [], False
    for line in lines:
        if continuing or _MAGIC.match(line) and not line.lstrip().startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(f"{indent}pass" if not continuing else "")
            skipped.append(line.strip())
            continuing = line.rstrip().endswith("\\")
            continue
        kept.append(line)
    return "\n".join(kept), skipped


def label_of(text: str) -> str:
    """A label safe in a key and a file name: letters, digits, ``-`` and ``_``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_") or "notebook"

"""Helpers for the kit's tests: make submissions from the solution, grade them end to end."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = ROOT / "solution"
HANDOUT_DIR = ROOT / "handout"
RUBRIC = ROOT / "autograder" / "rubric.toml"


def copy_solution(dest: Path) -> Path:
    """A submission folder holding a copy of the solution's mlp/ package."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SOLUTION_DIR / "mlp", dest / "mlp",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a file; fails loudly when ``old`` is not there."""
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, count))


def rubric_with_limits(dest: Path, **limits) -> Path:
    """A copy of the default rubric with some sandbox limits changed."""
    text = RUBRIC.read_text()
    head, _, rest = text.partition("[limits]\n")
    body, sep, tail = rest.partition("\n[[item]]")
    lines = [line for line in body.splitlines() if line.split("=")[0].strip() not in limits]
    lines += [f"{k} = {v}" for k, v in limits.items()]
    dest.write_text(head + "[limits]\n" + "\n".join(lines) + "\n" + sep + tail)
    return dest


def run_autograder(*args, timeout: float = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)


def grade(submission: Path, tmp: Path, *extra) -> tuple[dict, subprocess.CompletedProcess]:
    """Grade end to end through the CLI; return the rubric JSON and the process."""
    out = tmp / f"result-{len(list(tmp.glob('result-*.json')))}.json"
    proc = run_autograder("grade", submission, "--json", out, *extra)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc


def item_scores(result: dict) -> dict[str, float]:
    return {item["id"]: item["score"] for item in result["items"]}


def full_marks(result: dict) -> dict[str, float]:
    return {item["id"]: item["max_score"] for item in result["items"]}

"""The yardstick of the speed targets: a bare `pytest --json-report` start running one trivial
test, as a whole command in a fresh interpreter (issue 3; issue 16 states the targets as
multiples of it)."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

LABEL = "bare pytest --json-report (1 trivial test)"
TRIVIAL_TEST = "def test_trivial():\n    assert 1 + 1 == 2\n"


def bare_pytest_command(folder: Path) -> list[str]:
    """Writes the trivial test into ``folder``; the command to run there."""
    (folder / "test_trivial.py").write_text(TRIVIAL_TEST)
    return [sys.executable, "-m", "pytest", "-q", "--json-report",
            f"--json-report-file={folder / 'report.json'}", "-p", "no:cacheprovider",
            str(folder / "test_trivial.py")]


def timed(command: list[str], cwd: Path, env: dict) -> float:
    """Wall seconds of ``command``; exits with its output when it fails."""
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"benchmark: {' '.join(map(str, command))} failed:\n"
                 f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed

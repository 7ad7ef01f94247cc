"""Grading a hostile submission end to end, with every invariant of the corpus checked.

Used by the generic tests/test_hostile.py (every assignment's corpus): ``hostile_grade``
runs `python -m autograder grade --assignment NAME` and checks that grading ended with exit 0,
no traceback and a graded report; that no grader file changed (``expect.fingerprint``: the
kit's autograder/, solution/ and data/, every assignment's); that no process of the grading or
marked with the run's marker survives; that every scratch folder was removed and no forged
results.json was left in the grader's folders.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from hostile import corpus, expect
from support import ROOT

AS_ROOT = os.geteuid() == 0
root_only = pytest.mark.skipif(not AS_ROOT, reason="the privilege drop needs root")
HANG_GUARD = 300  # seconds; only a grader that hangs gets near it (then the test fails)


def protect(assignment: str) -> None:
    """As root the first grading chmods the grader's secrets; a test module does it before it
    fingerprints anything."""
    from autograder.grade.protect import protect_grader_files
    from support import assignment as find
    protect_grader_files(find(assignment))


def run_grader(scratch: Path, *args, environ: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", TMPDIR=str(scratch), **(environ or {}))
    return subprocess.run([sys.executable, "-m", "autograder", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=HANG_GUARD, env=env)


def hostile_grade(tmp: Path, submission: Path, *args, marker: str = "", rubric: Path | None = None,
                  assignment: str = "hw1", environ: dict | None = None
                  ) -> tuple[dict, subprocess.CompletedProcess]:
    """Grade as ``assignment`` with every invariant of the corpus checked; returns (rubric
    JSON, process). ``environ``: more environment for the grader (support.limited_course)."""
    # TMPDIR of the grading: the sandbox's scratch folders are made here, so whatever of a
    # sandbox is still alive afterwards is recognised (its HOME or working folder is here). Not
    # under pytest's private tmp_path: the sandbox user must reach its own folder inside.
    scratch = Path(tempfile.mkdtemp(prefix="hostile-scratch-"))
    scratch.chmod(0o711)
    try:
        return _checked_grade(tmp, scratch, submission, args, marker, rubric, assignment,
                              environ)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _checked_grade(tmp, scratch, submission, args, marker, rubric, assignment, environ):
    before = expect.fingerprint()
    out = tmp / f"result-{len(list(tmp.glob('result-*.json')))}.json"
    extra = ["--rubric", rubric] if rubric else []
    proc = run_grader(scratch, "grade", submission, "--assignment", assignment, "--json", out,
                      *extra, *args, environ=environ)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["status"] == "graded", result.get("error")
    after = expect.fingerprint()
    changed = sorted(path for path in before.keys() | after.keys()
                     if before.get(path) != after.get(path))
    assert changed == [], f"grader files changed during grading: {changed[:20]}"
    if marker:
        assert expect.processes_with(marker) == []
    assert expect.processes_in(scratch) == []
    assert list(scratch.iterdir()) == []  # every scratch folder was removed
    for leftover in (corpus.GRADER_DIR / "results.json", corpus.GRADER_DIR / "autograder" /
                     "results.json", Path("/tmp/results.json")):
        assert not leftover.exists(), leftover
    return result, proc


def messages(result: dict) -> dict[str, str]:
    return {c["name"]: c["message"] for item in result["items"] for c in item["cases"]}


class Listener:
    """A TCP server on 127.0.0.1 that counts connections (none may arrive from the sandbox)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.server.close()


def assert_the_real_report_wins(result: dict, proc, gradescope: Path, fake_line: str) -> None:
    """After a tampering grading: the last stdout line is the grader's Autolab line (fake lines
    printed by the submission at import, in a method, at exit or into the grader's own stdout all
    came before it, if at all), the Gradescope file is the real one, and forged files landed only
    in the sandbox's own scratch folders."""
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last != json.loads(fake_line)
    scores = {item["id"]: item["score"] for item in result["items"] if not item.get("manual")}
    assert set(last["scores"]) <= set(scores)
    # Autolab's numbers are the items' (a bonus over the cap is taken off; cents settled).
    assert all(last["scores"][i] <= scores[i] + 0.011 for i in last["scores"])
    maxima = {item["id"]: item["max_score"] for item in result["items"]}
    # The attacked item lost points in the line: it is the real report, not forged full marks
    # (where the attack lands decides how many: all of Sigmoid's cases, or 2 of 3 of a ConvNet's).
    assert any(last["scores"][i] < maxima[i] for i in last["scores"])
    assert sum(last["scores"].values()) == pytest.approx(result["score"], abs=0.011)
    report = json.loads(gradescope.read_text())
    assert report["score"] == pytest.approx(result["score"], abs=0.011) and report["tests"]
    assert report.get("output") != "FORGED" and result["items"]
    assert "DENIED" in result["output"]  # the attack ran (its sigmoid cases are visible)
    if AS_ROOT:
        forged = [line for line in result["output"].splitlines() if line.startswith("FORGED")]
        scratch = os.path.join(tempfile.gettempdir(), "hostile-scratch-")
        assert forged and all(line.split(" ", 1)[1].startswith(scratch) for line in forged), forged
        assert "FORGED-STDOUT" not in result["output"]


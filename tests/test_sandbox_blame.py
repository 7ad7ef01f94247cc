"""Which case is blamed when the grading worker itself dies. A stand-in worker scripts the
race the real one can lose: the culprit kills the worker before the worker has reported that
the culprit started, so the only case on record as running is an innocent neighbour."""
from __future__ import annotations
from support import HW1_DATA

import signal
from pathlib import Path

from autograder.manifest import load_manifest
from autograder.sandbox import Limits, runner
from support import prepare_hw1 as prepare, run_hw1_cases
from support import copy_solution

STOPPED = "the grading process stopped while running this case"

# Several cases at a time: report the first as started, then die as if its neighbour (whose
# start was never reported) had killed us. One case at a time: run the innocent ones (each
# ends in a segmentation fault, a result of its own) and die when the culprit starts.
STAND_IN_WORKER = '''
import json, os, signal, sys
job = json.load(sys.stdin)
def emit(event):
    os.write(1, (json.dumps(event) + "\\n").encode())
alone = job["parallel"] == 1 and job["group_size"] == 1
for case in job["cases"]:
    emit({{"event": "start", "case": case["name"]}})
    if not alone or case["name"] == {culprit!r}:
        os.kill(os.getpid(), signal.SIGKILL)
    emit({{"event": "done", "case": case["name"], "status": signal.SIGSEGV, "seconds": 0.0}})
'''


def test_a_worker_killed_next_to_an_innocent_case_blames_only_the_culprit(tmp_path, monkeypatch):
    cases = [c.worker_spec() for c in load_manifest("visible", HW1_DATA) if c.item == "sigmoid"][:3]
    culprit = cases[1]["name"]
    worker = tmp_path / "stand_in_worker.py"
    worker.write_text(STAND_IN_WORKER.format(culprit=culprit))
    worker.chmod(0o755)
    monkeypatch.setattr(runner, "WORKER", worker)
    located = prepare(copy_solution(tmp_path / "sub"), tmp_path / "located")
    outcomes = run_hw1_cases(located, cases, Limits(case_seconds=5.0, parallel_cases=2))
    messages = {name: outcome.message for name, outcome in outcomes.items()}
    assert set(messages) == {c["name"] for c in cases}
    assert STOPPED in messages.pop(culprit)
    assert all("segmentation fault" in message for message in messages.values()), messages

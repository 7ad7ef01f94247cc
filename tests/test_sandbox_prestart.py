"""A worker started before its job (autograder/sandbox/prestart.py) grades exactly as a worker
started by run_cases, is used once, and never outlives its owner."""
from __future__ import annotations

import os

import numpy as np

from autograder.manifest import load_manifest
from autograder.sandbox import Limits, run_cases
from autograder.sandbox.prestart import start_worker
from support import HW1_DATA, assignment, copy_solution
from support import prepare_hw1 as prepare

ITEMS = ("sigmoid", "mlp_forward")


def cases() -> list[dict]:
    chosen = [c for c in load_manifest("visible", HW1_DATA) if c.item in ITEMS]
    return [c.worker_spec() for c in chosen]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_started_worker_grades_as_a_fresh_one(tmp_path):
    located = prepare(copy_solution(tmp_path / "sub"), tmp_path / "located")
    specs = cases()
    scenarios, limits = assignment("hw1").scenarios, Limits(case_seconds=20.0)
    fresh = dict(run_cases(located, specs, scenarios, limits))
    with start_worker(str(tmp_path)) as worker:
        pid = worker.process.pid
        started = dict(run_cases(located, specs, scenarios, limits, worker=worker))
        assert worker.taken
    assert not alive(pid)
    assert sorted(started) == sorted(fresh) == sorted(c["name"] for c in specs)
    for name, outcome in started.items():
        assert outcome.status == fresh[name].status == "ok", (name, outcome.message)
        assert sorted(outcome.arrays) == sorted(fresh[name].arrays)
        for key, array in outcome.arrays.items():
            assert np.array_equal(array, fresh[name].arrays[key]), (name, key)


def test_an_unused_worker_is_killed_and_its_folder_removed(tmp_path):
    worker = start_worker(str(tmp_path))
    pid, folder = worker.process.pid, worker.private_dir
    assert alive(pid) and os.path.isdir(folder)
    worker.close()
    assert not alive(pid) and not os.path.exists(folder)


def test_it_is_taken_once_and_only_for_its_own_program(tmp_path):
    with start_worker(str(tmp_path)) as worker:
        assert worker.take("/elsewhere/stand_in_worker.py") is None
        assert worker.take() is worker.process
        assert worker.take() is None
        worker.process.kill()   # the taker's to end, as run_cases does
        worker.process.wait()
        worker.process.stdin.close()
        worker.process.stdout.close()

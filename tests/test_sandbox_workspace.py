"""Where the sandbox works and what it cleans up: a private temporary folder does not lock the
sandbox user out, and the children of every thread are found and killed."""
from __future__ import annotations
from support import HW1_DATA

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.sandbox import Limits
from support import prepare_hw1 as prepare, run_hw1_cases
from support import ROOT, copy_solution, edit


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the sandbox as another user")
def test_a_temporary_folder_only_root_can_enter_still_grades(tmp_path, monkeypatch):
    private = tmp_path / "private-tmp"
    private.mkdir(mode=0o700)
    os.chmod(private, 0o700)
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    located = prepare(copy_solution(tmp_path / "sub"), tmp_path / "located")
    cases = [c.worker_spec() for c in load_manifest("visible", HW1_DATA) if c.item == "sigmoid"]
    outcomes = run_hw1_cases(located, cases, Limits(case_seconds=5.0))
    assert {name: o.status for name, o in outcomes.items()} == {c["name"]: "ok" for c in cases}


# Run in a process of its own: kill_children kills every child of the process that calls it.
THREAD_CHILD_SCRIPT = """
import subprocess, sys, threading
from autograder.sandbox import confine
started, release = [], threading.Event()
def start_child_and_stay():
    started.append(subprocess.Popen(["sleep", "60"]))
    release.wait()
thread = threading.Thread(target=start_child_and_stay)
thread.start()
while not started:
    threading.Event().wait(0.01)
child = started[0].pid
before = child in confine.own_children()
killed = confine.kill_children()
after = child in confine.own_children()
release.set()
thread.join()
print(before, killed, after)
"""


def test_children_started_by_other_threads_are_found_and_killed():
    done = subprocess.run([sys.executable, "-c", THREAD_CHILD_SCRIPT], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "1", "False"]


@pytest.fixture
def scratch():
    """A scratch folder the sandbox user can enter (pytest's own are closed to others)."""
    folder = tempfile.mkdtemp(prefix="scratch-")
    os.chmod(folder, 0o711)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


def test_outcomes_arrive_one_by_one_and_closing_the_run_early_cleans_up(tmp_path, scratch):
    """run_cases yields each case as soon as it is final; closing it mid-run kills the worker
    (here busy with a case that would sleep for a minute) and removes the sandbox folder."""
    from autograder.sandbox import confine, run_cases
    from support import assignment
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "        self.state = np.tanh(x)\n",
         "        __import__('time').sleep(60)\n        self.state = np.tanh(x)\n")
    located = prepare(sub, tmp_path / "located")
    visible = load_manifest("visible", HW1_DATA)
    cases = [c.worker_spec() for item in ("sigmoid", "tanh") for c in visible if c.item == item]
    run = run_cases(located, cases, assignment("hw1").scenarios,
                    Limits(case_seconds=120.0, parallel_cases=1), scratch_dir=str(scratch))
    name, outcome = next(run)
    assert (name, outcome.status) == (cases[0]["name"], "ok")
    assert [p.name.startswith("autograder-") for p in scratch.iterdir()] == [True, True]
    assert confine.own_children(), "the worker still runs the later cases"
    run.close()
    assert list(scratch.iterdir()) == []
    assert confine.own_children() == []


def test_every_case_is_yielded_once_in_the_order_given(tmp_path):
    located = prepare(copy_solution(tmp_path / "sub"), tmp_path / "located")
    visible = load_manifest("visible", HW1_DATA)
    cases = [c.worker_spec() for item in ("tanh", "sigmoid") for c in visible if c.item == item]
    from autograder.sandbox import run_cases
    from support import assignment
    names = [name for name, outcome in run_cases(
        located, cases, assignment("hw1").scenarios, Limits(case_seconds=5.0, parallel_cases=1),
        scratch_dir=str(tmp_path))]
    assert names == [c["name"] for c in cases]

"""The import probe: before any case, the sandbox imports the submission once (its contract
submodules too) under a case's limits. When that import hangs, crashes, exits or raises, every
case fails at once with that reason and no case runs; a submission that sleeps at import costs
one case time limit, not one per case.

Submissions here are written by hand; the end-to-end ones are graded through the CLI."""
from __future__ import annotations
from support import HW1_DATA

from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.sandbox import Limits, runner
from support import prepare_hw1 as prepare, run_hw1_cases
from support import copy_solution, edit, grade, limited_course

NOT_RUN = "not run: importing your submission"


def case_messages(result: dict) -> dict[str, str]:
    return {c["name"]: c["message"] for item in result["items"] for c in item["cases"]}


def grade_with(tmp_path: Path, submission: Path, **limits) -> dict:
    environ = limited_course(tmp_path / "course", **limits)
    result, _ = grade(submission, tmp_path, "--suite", "visible", environ=environ)
    assert result["status"] == "graded", result.get("error")
    assert result["items"] and all(item["cases"] for item in result["items"])
    return result


def assert_every_case_not_run(result: dict, *phrases: str, prefix: str = NOT_RUN) -> None:
    messages = case_messages(result)
    assert result["score"] == 0
    for name, message in messages.items():
        assert prefix in message, (name, message)
        for phrase in phrases:
            assert phrase in message, (name, phrase, message)


# --------------------------------------------------------------------------- end to end

# Announces each attempt to import it, then "trains a model" for five minutes.
SLOW_MODULE = '''"""hw1, with the training run left at the bottom of the file."""
import time

import numpy as np

print("hw1 is being imported")


class Sigmoid:
    def forward(self, x):
        return 1 / (1 + np.exp(-x))


time.sleep(300)   # stands in for a training loop at module level
'''


def test_a_long_sleep_at_import_is_imported_once_and_fails_every_case(tmp_path):
    (tmp_path / "hw1.py").write_text(SLOW_MODULE)
    result = grade_with(tmp_path, tmp_path / "hw1.py", case_seconds=2, submission_seconds=600)
    assert_every_case_not_run(result, "took longer than the time limit of 2 s")
    # The proof that no case paid a time limit of its own: the module was run exactly once (a
    # case would have run it again, and its output would be in the report too).
    assert result["output"].count("hw1 is being imported") == 1, result["output"]


def test_an_exception_in_a_submodule_the_package_imports_fails_every_case(tmp_path):
    package = tmp_path / "sub" / "mlp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .activations import ReLU, Sigmoid, Tanh\n")
    (package / "activations.py").write_text(
        '"""Activations: to be written."""\n'
        "import numpy as np\n"
        "\n"
        "raise RuntimeError('activations are not written yet')\n")
    result = grade_with(tmp_path, tmp_path / "sub")
    assert_every_case_not_run(result, "failed: RuntimeError: activations are not written yet",
                              "mlp/activations.py, line 4")


def test_a_contract_submodule_the_package_does_not_import_is_probed_too(tmp_path):
    sub = copy_solution(tmp_path / "sub")
    # The package leaves get_training_stats to be found in mlp/training.py, which hangs when
    # imported; every other case would pass if that module were never imported.
    edit(sub / "mlp" / "__init__.py", "from .training import get_training_stats\n", "")
    training = sub / "mlp" / "training.py"
    training.write_text(training.read_text()
                        + "\n\nimport time\n\nwhile True:  # waits for data that never comes\n"
                          "    time.sleep(1)\n")
    result = grade_with(tmp_path, sub, case_seconds=2)
    assert_every_case_not_run(result, "took longer than the time limit of 2 s")


# Both names are built at run time, so only the sandbox's import blocker can see them.
BORROWS_LIBRARIES = '''"""hw1 that borrows an autograd library if it can."""
import importlib

try:
    importlib.import_module("to" + "rch")
except ImportError:
    pass
helpers = importlib.import_module("helpers_left" + "_at_home")
'''


def test_a_forbidden_import_at_module_level_keeps_its_flags_and_fails_every_case(tmp_path):
    (tmp_path / "hw1.py").write_text(BORROWS_LIBRARIES)
    result = grade_with(tmp_path, tmp_path / "hw1.py")
    assert_every_case_not_run(result, "failed: ImportError: import of 'helpers_left_at_home' "
                                      "is not allowed")
    assert "forbidden-import:torch" in result["flags"]
    assert "missing-module:helpers_left_at_home" in result["flags"]


def test_exits_and_crashes_at_import_say_so(tmp_path):
    for name, code in [("exit", "import os\nos._exit(0)\n"),
                       ("segv", "import ctypes\nctypes.string_at(8)\n")]:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "hw1.py").write_text(code)
        result = grade_with(folder, folder / "hw1.py")
        wanted = ("ended the process (exit code 0)" if name == "exit"
                  else "stopped the process, which crashed with a segmentation fault")
        assert_every_case_not_run(result, wanted)


# Kills the sandbox's worker (its parent) as soon as it is imported.
KILLS_ITS_PARENT = '''import os
import signal

with open(f"/proc/{os.getppid()}/cmdline", "rb") as handle:
    if b"worker.py" in handle.read():
        os.kill(os.getppid(), signal.SIGKILL)
'''


def test_a_worker_killed_by_the_import_still_gives_a_full_report(tmp_path):
    (tmp_path / "hw1.py").write_text(KILLS_ITS_PARENT)
    result = grade_with(tmp_path, tmp_path / "hw1.py")
    assert_every_case_not_run(result, prefix="not run: the grading process stopped while your "
                                             "submission was being imported")


# ------------------------------------------------------- the runner trusts no worker event

STAND_IN_WORKER = '''
import json, os, signal, sys
job = json.load(sys.stdin)
def emit(event):
    os.write(1, (json.dumps(event) + "\\n").encode())
{script}
'''

SCRIPTS = {
    # A verdict with nonsense in every field, no report file: an exit, code unknown.
    "forged verdict": '''
emit({"event": "import_start"})
emit({"event": "import_failed", "status": 10 ** 30, "timed_out": "yes", "seconds": "x"})
''',
    # Dies while importing.
    "death": '''
emit({"event": "import_start"})
os.kill(os.getpid(), signal.SIGKILL)
''',
    # A verdict with no import under way, then every case runs and segfaults: not an import
    # failure.
    "verdict out of turn": '''
emit({"event": "import_failed", "status": 0, "timed_out": True})
for case in job["cases"]:
    emit({"event": "start", "case": case["name"]})
    emit({"event": "import_start"})
    emit({"event": "import_failed", "status": 0, "timed_out": True})
    emit({"event": "done", "case": case["name"], "status": signal.SIGSEGV, "seconds": 0.0})
''',
}
EXPECTED = {"forged verdict": f"{NOT_RUN} ended the process (exit code 0)",
            "death": "not run: the grading process stopped while your submission was being "
                     "imported",
            "verdict out of turn": "segmentation fault"}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_runner_checks_the_probes_events(tmp_path, monkeypatch, script):
    cases = [c.worker_spec() for c in load_manifest("visible", HW1_DATA) if c.item == "sigmoid"][:3]
    worker = tmp_path / "stand_in_worker.py"
    worker.write_text(STAND_IN_WORKER.format(script=SCRIPTS[script]))
    monkeypatch.setattr(runner, "WORKER", worker)
    located = prepare(copy_solution(tmp_path / "sub"), tmp_path / "located")
    outcomes = run_hw1_cases(located, cases, Limits(case_seconds=5.0))
    assert set(outcomes) == {c["name"] for c in cases}
    for outcome in outcomes.values():
        assert EXPECTED[script] in outcome.message, outcome.message
        assert outcome.status == "crashed" and not outcome.arrays

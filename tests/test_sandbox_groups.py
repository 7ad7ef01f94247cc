"""Cases of one rubric item run one after another in one forked process (`cases_per_process`):
each case still imports the submission afresh, a crash or hang still costs only its own case,
and items never share a process."""
from __future__ import annotations
from support import HW1_DATA

import re
from pathlib import Path

import pytest

from autograder.manifest import load_manifest
from autograder.sandbox import Limits
from support import prepare_hw1 as prepare, run_hw1_cases
from support import copy_solution, edit

ITEMS = ("sigmoid", "tanh")
# Printed when activations.py is executed: the process, and how many times this process has
# executed the module (a process-wide count kept outside the module).
REPORT_IMPORT = '''
import os as _os, sys as _sys
_sys.__dict__.setdefault("_mlp_activation_imports", []).append(1)
print(f"pid={_os.getpid()} imports={len(_sys._mlp_activation_imports)}")
'''


def item_cases(*items: str) -> list[dict]:
    cases = load_manifest("visible", HW1_DATA) + load_manifest("hidden", HW1_DATA)
    chosen = [c for item in items for c in cases if c.item == item]
    return [c.worker_spec() for c in chosen]


def graded(sub: Path, tmp_path: Path, cases: list[dict], **limits) -> dict:
    located = prepare(sub, tmp_path / "located")
    return run_hw1_cases(located, cases, Limits(**{"case_seconds": 5.0, **limits}))


def import_reports(outcomes: dict, cases: list[dict]) -> list[tuple[str, int, int]]:
    found = []
    for case in cases:
        match = re.search(r"pid=(\d+) imports=(\d+)", outcomes[case["name"]].output)
        assert match, (case["name"], outcomes[case["name"]].output)
        found.append((case["group"], int(match[1]), int(match[2])))
    return found


@pytest.fixture
def reporting_submission(tmp_path) -> Path:
    sub = copy_solution(tmp_path / "sub")
    path = sub / "mlp" / "activations.py"
    path.write_text(path.read_text() + REPORT_IMPORT)
    return sub


def test_an_items_cases_share_a_process_and_import_the_submission_afresh(
        reporting_submission, tmp_path):
    cases = item_cases(*ITEMS)
    outcomes = graded(reporting_submission, tmp_path, cases)
    assert all(o.status == "ok" for o in outcomes.values())
    reports = import_reports(outcomes, cases)
    for item in ITEMS:
        mine = [(pid, count) for group, pid, count in reports if group == item]
        assert len({pid for pid, _ in mine}) == 1          # one process for the item
        assert [count for _, count in mine] == list(range(1, len(mine) + 1))  # a fresh import each
    pids = {item: {pid for group, pid, _ in reports if group == item} for item in ITEMS}
    assert not pids["sigmoid"] & pids["tanh"]              # items never share a process


def test_one_process_per_case_when_the_rubric_asks(reporting_submission, tmp_path):
    cases = item_cases(*ITEMS)
    outcomes = graded(reporting_submission, tmp_path, cases, cases_per_process=1)
    reports = import_reports(outcomes, cases)
    assert len({pid for _, pid, _ in reports}) == len(cases)
    assert {count for _, _, count in reports} == {1}


def misbehaving_on_one_case(tmp_path, misbehaviour: str) -> Path:
    """The solution, but Sigmoid runs ``misbehaviour`` (one indented line) on the 7x5 input of
    sigmoid_large_inputs, which is not the item's first case."""
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "class Sigmoid(Activation):",
         "class Sigmoid(Activation):\n    def __call__(self, x):\n"
         f"        if x.shape == (7, 5):\n            {misbehaviour}\n"
         "        return self.forward(x)\n")
    return sub


def test_a_crash_in_the_middle_of_a_group_costs_only_its_case(tmp_path):
    sub = misbehaving_on_one_case(tmp_path, "__import__('os')._exit(3)")
    cases = item_cases(*ITEMS)
    assert [c["name"] for c in cases].index("sigmoid_large_inputs") > 0
    outcomes = graded(sub, tmp_path, cases)
    failed = {name for name, o in outcomes.items() if o.status != "ok"}
    assert failed == {"sigmoid_large_inputs"}
    assert "exit code 3" in outcomes["sigmoid_large_inputs"].message


def test_a_hang_in_the_middle_of_a_group_costs_only_its_case(tmp_path):
    sub = misbehaving_on_one_case(tmp_path, "while True: pass")
    outcomes = graded(sub, tmp_path, item_cases(*ITEMS), case_seconds=2.0)
    failed = {name: o.status for name, o in outcomes.items() if o.status != "ok"}
    assert failed == {"sigmoid_large_inputs": "timeout"}

"""Time limits from the references (issue 19): each case's limit is a multiple of the solution's
time on it, recorded when the references are made; once a case of an item times out, the
item's later cases running the same methods get the short limit; a timeout names the method
that was running; a correct but loop-heavy submission keeps its points.

No wall-clock threshold here: the tests assert on the limits chosen and on the messages.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.manifest import Case, load_manifest, manifest_entry, write_manifest
from autograder.policy import Limits
from autograder.references.mutation import load_catalogue, plant
from autograder.sandbox.stack import innermost_student_frame
from hostile import corpus
from support import assignment, limited_course, own_module, run_autograder

LIMITS = Limits(case_seconds=20, reference_factor=50, min_case_seconds=2, notebook_seconds=300)


# ------------------------------------------------------------------------ the arithmetic

@pytest.mark.parametrize("spec, limit", [
    ({}, 20.0),                                                  # no time recorded: today's
    ({"reference_seconds": 0.001}, 2.0),                         # never under the floor
    ({"reference_seconds": 0.1}, 5.0),                           # 50 x its time
    ({"reference_seconds": 3.0}, 20.0),                          # never over case_seconds
    ({"reference_seconds": 3.0, "seconds": 120}, 120.0),         # a notebook's own ceiling
    ({"reference_seconds": 0.03, "seconds": 120}, 120.0),        # its own seconds are kept: a
    ({"reference_seconds": 1.0, "seconds": 600}, 300.0),         # notebook runs once per process
    ({"seconds": 600}, 300.0),                                   # the ceiling capped
    ({"reference_seconds": 0.1, "short": True}, 2.0),            # after a hang: the floor
    ({"short": True}, 2.0),
    ({"reference_seconds": -1.0}, 20.0), ({"reference_seconds": True}, 20.0),
])
def test_a_case_limit_is_a_multiple_of_the_solutions_time_within_its_bounds(spec, limit):
    assert LIMITS.seconds_for(spec) == limit


def test_the_import_limit_follows_the_fastest_case_and_falls_back_without_times():
    cases = [{"reference_seconds": 0.2}, {"reference_seconds": 0.09}]
    assert LIMITS.import_seconds(cases) == 4.5
    assert LIMITS.import_seconds([{"reference_seconds": 0.001}]) == 2.0
    assert LIMITS.import_seconds([{"reference_seconds": 9.0}]) == 20.0
    assert LIMITS.import_seconds([{"reference_seconds": 0.2}, {}]) == 20.0   # older manifest
    assert LIMITS.import_seconds([]) == 20.0


def test_the_solutions_times_go_into_the_manifest_and_back_into_the_worker_spec(tmp_path):
    case = Case("sigmoid_basic", "activation", "sigmoid", {"seed": 1}, ["x"])
    write_manifest(tmp_path, "visible", [manifest_entry(case, {}, 0.0123),
                                         manifest_entry(Case("old", "activation", "sigmoid",
                                                             {}, ["x"]), {})])
    (loaded, old) = load_manifest("visible", _as_suite(tmp_path))
    assert loaded.reference_seconds == 0.0123
    assert loaded.worker_spec()["reference_seconds"] == 0.0123
    assert old.reference_seconds is None and "reference_seconds" not in old.worker_spec()
    # Same item, family and uses: the same methods.
    assert loaded.worker_spec()["methods"] == old.worker_spec()["methods"]
    assert LIMITS.seconds_for(old.worker_spec()) == LIMITS.case_seconds


def _as_suite(folder: Path) -> Path:
    """load_manifest reads <data>/<suite>/manifest.json: lay the written one out that way."""
    data = folder / "data"
    (data / "visible").mkdir(parents=True)
    (folder / "manifest.json").rename(data / "visible" / "manifest.json")
    return data


@pytest.mark.parametrize("name", ["hw1", "cw3"])
def test_the_kits_references_record_every_cases_time(name):
    data = assignment(name).data_dir
    for suite in ("visible", "hidden"):
        for case in load_manifest(suite, data):
            assert case.reference_seconds is not None and case.reference_seconds > 0, case.name


def test_the_innermost_frame_of_the_students_code_is_named_with_its_class(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "act.py").write_text(
        "class Sigmoid:\n    def forward(self, x):\n        while True:\n            pass\n")
    dump = ('Current thread 0x0001 (most recent call first):\n'
            '  File "/scratch/code/pkg/act.py", line 3 in forward\n'
            '  File "/site/scenarios/activation.py", line 40 in run\n'
            '  File "/site/autograder/sandbox/worker.py", line 9 in main\n')
    where = innermost_student_frame(dump, "/scratch/code", tmp_path)
    assert where == "Sigmoid.forward (pkg/act.py, line 3)"
    assert innermost_student_frame(dump.replace("/scratch/code", "/other"), "/scratch/code",
                                   tmp_path) == ""
    # A path that leaves the submission is not the student's.
    escape = '  File "/scratch/code/../../etc/passwd", line 1 in x\n'
    assert innermost_student_frame(escape, "/scratch/code", tmp_path) == ""


# ------------------------------------------------------------------ graded end to end

def _messages_of_item(result: dict, item_id: str) -> list[tuple[str, str]]:
    return [(case["name"], case["message"]) for item in result["items"] if item["id"] == item_id
            for case in item["cases"]]


def test_a_hang_gets_the_short_limit_in_its_items_later_cases_and_names_the_method(tmp_path):
    """An endless loop in Sigmoid.forward. Limits: the derived one is case_seconds (a factor
    so large), the short one 1 s: the sigmoid item's first case is stopped at 3 s, each later
    one at 1 s, and every message names the method the loop was in."""
    hw1 = own_module("hw1", "hostile_corpus")
    loop = corpus.aim(corpus.ENDLESS_LOOP_CODE, "endless loop", "activations.py",
                      "Sigmoid.forward", {"Sigmoid"}, "time limit")
    sub = corpus.build(tmp_path / "sub", [loop])
    course = limited_course(tmp_path / "course", "hw1", case_seconds=3, min_case_seconds=1,
                            reference_factor=100000)
    proc = run_autograder("grade", str(sub), "--assignment", "hw1", "--suite", "visible",
                          "--json", str(tmp_path / "r.json"), environ=course)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "r.json").read_text())
    messages = _messages_of_item(result, "sigmoid")
    assert len(messages) >= 2
    limits = [re.search(r"took longer than (\S+) s", m).group(1) for _, m in messages]
    assert limits == ["3"] + ["1"] * (len(messages) - 1), messages
    for _, message in messages:
        assert "it was running _spin (mlp/activations.py, line" in message, message
    assert hw1  # the corpus module loads (its names are what the hostile tests use)


def test_a_slow_import_is_cut_at_the_import_limit_from_the_references(tmp_path):
    module = tmp_path / f"{assignment('hw1').shape.module}.py"
    module.write_text("import time\nwhile True:\n    time.sleep(0.05)\n")
    course = limited_course(tmp_path / "course", "hw1", case_seconds=20, min_case_seconds=1,
                            reference_factor=1)
    proc = run_autograder("grade", str(module), "--assignment", "hw1", "--suite", "visible",
                          "--json", str(tmp_path / "r.json"), environ=course)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "r.json").read_text())
    messages = [c["message"] for item in result["items"] for c in item["cases"]]
    assert all("took longer than the time limit of 1 s" in m for m in messages), messages[:3]
    assert f"it was running <module> ({module.name}, line 3)" in messages[0], messages[0]


def test_a_correct_but_loop_heavy_submission_keeps_its_points(tmp_path):
    """Every loop mutant of hw1 at once (Python loops over the batch in forward, dW, sigmoid,
    softmax and BatchNorm): no case times out under the limits from the references, and only
    the vectorisation item (0 points, its flag) judges the speed."""
    spec = assignment("hw1")
    loops = [m for m in load_catalogue(spec) if m.id.startswith("loop_")]
    assert len(loops) >= 4
    sub = plant(spec, loops[0], tmp_path / "sub", also=loops[1:])
    proc = run_autograder("grade", str(sub), "--assignment", "hw1", "--suite", "all",
                          "--json", str(tmp_path / "r.json"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "r.json").read_text())
    cases = [c for item in result["items"] for c in item["cases"]]
    assert not [c["name"] for c in cases if "took longer" in c["message"]]
    for item in result["items"]:
        if item["id"] != "vectorisation":
            assert item["score"] == item["max_score"], (item["id"], _messages_of_item(
                result, item["id"]))
    assert "not-vectorised" in result["flags"]

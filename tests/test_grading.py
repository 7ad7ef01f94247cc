"""End-to-end grading through `python -m autograder grade`: the acceptance of the core."""
from __future__ import annotations
from support import HW1_DATA

import json
import shutil

import pytest

from support import (SOLUTION_DIR, copy_solution, edit, full_marks, grade,
                     item_scores, limited_course, run_autograder)

BONUS = {"leaky_relu", "weight_decay"}


@pytest.fixture(scope="module")
def solution_result(tmp_path_factory):
    result, proc = grade(SOLUTION_DIR, tmp_path_factory.mktemp("solution"), "--suite", "all")
    return result, proc


def test_solution_gets_full_marks_bonus_included(solution_result):
    result, _ = solution_result
    assert item_scores(result) == full_marks(result)
    assert result["score"] == result["max_score"] == 100
    assert result["flags"] == []
    assert all(case["passed"] for item in result["items"] for case in item["cases"])
    assert {case["hidden"] for item in result["items"] for case in item["cases"]} == {True, False}


def test_solution_gets_full_marks_on_the_visible_suite(tmp_path):
    result, _ = grade(SOLUTION_DIR, tmp_path, "--suite", "visible")
    assert item_scores(result) == full_marks(result)
    assert not any(case["hidden"] for item in result["items"] for case in item["cases"])


def test_every_rubric_item_has_visible_and_hidden_cases(solution_result):
    result, _ = solution_result
    for item in result["items"]:
        hidden = [c["hidden"] for c in item["cases"]]
        assert True in hidden and False in hidden, item["id"]


def test_the_table_lists_every_item(solution_result):
    result, proc = solution_result
    for item in result["items"]:
        assert item["id"] in proc.stdout


def test_handout_scores_zero_with_not_implemented(tmp_path, built_handout):
    result, _ = grade(built_handout("hw1"), tmp_path, "--suite", "all")
    assert result["score"] == 0
    for item in result["items"]:
        assert item["score"] == 0, item["id"]
        for case in item["cases"]:
            assert not case["passed"]
            assert "not implemented" in case["message"], (case["name"], case["message"])


def test_patching_numpy_comparisons_gains_nothing(tmp_path, built_handout):
    sub = tmp_path / "sub"
    shutil.copytree(built_handout("hw1") / "mlp", sub / "mlp")
    init = sub / "mlp" / "__init__.py"
    init.write_text(
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)\n"
        "np.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None\n"
        + init.read_text())
    result, _ = grade(sub, tmp_path, "--suite", "all")
    assert result["score"] == 0


def test_an_endless_loop_costs_only_its_item(tmp_path):
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "class Tanh(Activation):",
         "class Tanh(Activation):\n    def __init__(self):\n        super().__init__()\n"
         "        while True:\n            pass\n")
    environ = limited_course(tmp_path / "course", case_seconds=2)
    result, _ = grade(sub, tmp_path, "--suite", "all", environ=environ)
    scores, full = item_scores(result), full_marks(result)
    assert scores["tanh"] == 0
    tanh_cases = next(i for i in result["items"] if i["id"] == "tanh")["cases"]
    assert all("time limit" in c["message"] for c in tanh_cases)
    untouched = {k for k in full if k != "tanh" and not _uses(result, k, "tanh")}
    assert {k: scores[k] for k in untouched} == {k: full[k] for k in untouched}


def test_a_crash_costs_only_its_item(tmp_path):
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "class ReLU(Activation):",
         "class ReLU(Activation):\n    def __init__(self):\n        super().__init__()\n"
         "        import os\n        os._exit(3)\n")
    result, _ = grade(sub, tmp_path, "--suite", "all")
    scores, full = item_scores(result), full_marks(result)
    assert scores["relu"] == 0
    relu_cases = next(i for i in result["items"] if i["id"] == "relu")["cases"]
    assert all("exit code 3" in c["message"] for c in relu_cases)
    untouched = {k for k in full if k != "relu" and not _uses(result, k, "relu")}
    assert {k: scores[k] for k in untouched} == {k: full[k] for k in untouched}


def _uses(result: dict, item_id: str, used: str) -> bool:
    from autograder.manifest import load_manifest
    cases = load_manifest("visible", HW1_DATA) + load_manifest("hidden", HW1_DATA)
    return any(c.item == item_id and used in c.uses for c in cases)


def test_all_output_formats_are_written(tmp_path):
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "return self.state * (1.0 - self.state)",
         "return self.state")
    gs = tmp_path / "results.json"
    js = tmp_path / "rubric.json"
    proc = run_autograder("grade", sub, "--suite", "all", "--json", js, "--gradescope", gs,
                          "--autolab")
    assert proc.returncode == 0, proc.stderr
    rubric_json = json.loads(js.read_text())
    autolab = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(autolab) == {"scores"}
    regular = {i["id"]: round(i["score"], 2) for i in rubric_json["items"] if not i["bonus"]}
    assert {k: autolab["scores"][k] for k in regular} == regular
    assert list(autolab["scores"]) == [i["id"] for i in rubric_json["items"]]
    # Over the cap, Autolab's per-problem scores are trimmed (bonus first) to sum to the total.
    assert sum(autolab["scores"].values()) == pytest.approx(rubric_json["score"], abs=0.011)
    assert autolab["scores"]["sigmoid"] < 4
    gradescope = json.loads(gs.read_text())
    assert gradescope["score"] == pytest.approx(rubric_json["score"], abs=0.01)
    assert len(gradescope["tests"]) == len(rubric_json["items"])
    for test, item in zip(gradescope["tests"], rubric_json["items"]):
        assert test["max_score"] == item["max_score"]
        assert test["score"] == pytest.approx(item["score"], abs=0.01)
        assert test["status"] == ("passed" if item["score"] == item["max_score"] else "failed")
    sigmoid = next(t for t in gradescope["tests"] if "Sigmoid" in t["name"])
    for item in rubric_json["items"]:
        for case in item["cases"]:
            if case["hidden"] and not case["passed"]:
                assert case["message"] not in json.dumps(gradescope)
    assert "derivative" in sigmoid["output"]


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    proc = run_autograder("grade", tmp_path / "missing")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "no such file" in proc.stderr
    proc = run_autograder("grade", SOLUTION_DIR, "--suite", "bogus")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    proc = run_autograder("grade", SOLUTION_DIR, "--json", tmp_path)
    assert proc.returncode == 2 and "folder" in proc.stderr


def test_a_submission_with_no_code_still_gets_a_full_report(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"\x00not a zip at all" * 10)
    result, _ = grade(junk, tmp_path, "--suite", "all")
    assert result["score"] == 0
    assert {i["id"] for i in result["items"]} == set(full_marks(result))
    assert all(case["message"] for item in result["items"] for case in item["cases"])


# The student's self-check (`python -m autograder grade .` inside the unzipped student archive,
# which alone carries the engine: python -m autograder handout NAME --zip) is tested for every
# assignment in tests/test_handout.py:
# test_students_copy_of_the_grader_runs_inside_the_unzipped_archive (stubs: 0, visible suite
# only, --suite all refused) and test_a_finished_student_gets_full_marks_from_the_self_check.

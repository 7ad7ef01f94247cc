"""One bug, one item: a case that runs a failing item's code is not scored, and says so.

Unit tests of the policy (autograder/grade/score.py), of how excused cases are counted and
shown by every view, and an end-to-end grade with the policy on and off.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from autograder.grade.score import excused_cases, failing_items, graded_result, scored_item
from autograder.results import CaseResult, to_details, to_gradescope, to_json, to_table
from support import RUBRIC, copy_solution, edit, grade, item_scores


@dataclass
class Spec:
    name: str
    item: str
    uses: list = field(default_factory=list)


CASES = [
    Spec("bn_iso", "batchnorm"),
    Spec("mom_iso", "momentum"),
    Spec("mom_with_bn", "momentum", ["batchnorm"]),
    Spec("loop_iso", "loop"),
    Spec("loop_with_all", "loop", ["momentum", "batchnorm"]),
]


def test_a_case_is_excused_only_when_an_item_it_uses_fails():
    passed = {"bn_iso": False, "mom_iso": True, "mom_with_bn": False, "loop_iso": True,
              "loop_with_all": False}
    assert failing_items(CASES, passed) == {"batchnorm"}
    assert excused_cases(CASES, passed) == {"mom_with_bn": ["batchnorm"],
                                            "loop_with_all": ["batchnorm"]}
    passed["bn_iso"] = True  # BatchNorm is right: the integration case's failure is momentum's
    assert failing_items(CASES, passed) == {"momentum"}
    assert excused_cases(CASES, passed) == {"loop_with_all": ["momentum"]}


def test_a_passing_case_is_excused_too_so_denominators_stay_consistent():
    passed = {"bn_iso": False, "mom_iso": True, "mom_with_bn": True, "loop_iso": True,
              "loop_with_all": True}
    assert set(excused_cases(CASES, passed)) == {"mom_with_bn", "loop_with_all"}


def test_an_item_with_only_dependent_cases_is_never_excused_into_nothing():
    cases = [Spec("bn_iso", "batchnorm"), Spec("only", "decay", ["batchnorm"])]
    assert excused_cases(cases, {"bn_iso": False, "only": False}) == {}


def result_with_an_excused_case():
    spec = {"id": "momentum", "name": "Momentum", "points": 10}
    cases = [CaseResult("mom_iso", True, False), CaseResult("mom_hidden", True, True),
             CaseResult("mom_with_bn", False, False, "not scored: it runs batchnorm", True),
             CaseResult("mom_hidden_bn", False, True, "not scored: secret", True)]
    return graded_result([scored_item(spec, cases)], 10, suite="all")


def test_excused_cases_count_in_neither_numerator_nor_denominator():
    result = result_with_an_excused_case()
    item = result.items[0]
    assert item.score == 10 and item.passed_count == 2 and item.scored_count == 2
    assert item.excused_count == 2 and item.all_passed and item.first_failure() is None


def test_every_view_shows_excused_cases_as_not_scored():
    result = result_with_an_excused_case()
    data = to_json(result)["items"][0]
    assert (data["passed"], data["total"], data["excused"]) == (2, 2, 2)
    assert [c["excused"] for c in data["cases"]] == [False, False, True, True]
    output = to_gradescope(result)["tests"][0]["output"]
    assert "NOT SCORED mom_with_bn: not scored: it runs batchnorm" in output
    assert "secret" not in output and "(1 not scored" in output
    assert to_gradescope(result)["tests"][0]["status"] == "passed"
    row = next(line for line in to_table(result).splitlines() if line.startswith("momentum"))
    assert "2/2" in row and "not scored" in row
    assert "NOT SCORED mom_with_bn" in to_details(result)
    assert "secret" not in to_details(result) and "secret" in to_details(result, True)


def test_the_rubric_json_round_trips_the_excused_flag():
    from autograder.results import GradeResult
    result = result_with_an_excused_case()
    again = GradeResult.from_dict(json.loads(json.dumps(to_json(result))))
    assert [c.excused for c in again.items[0].cases] == [False, False, True, True]


def test_details_list_every_failed_case_in_full_and_the_table_fits_the_width():
    long = "mlp.dW[0]: " + "very long explanation " * 12
    spec = {"id": "hidden_backward", "name": "Backward", "points": 14}
    result = graded_result([scored_item(spec, [CaseResult("a", False, False, long + "\nline 2"),
                                               CaseResult("b", True, False)])], 14)
    for width in (72, 100, 160):
        assert max(map(len, to_table(result, width=width).splitlines())) <= width
        details = to_details(result, width=width)
        assert max(map(len, details.splitlines())) <= width
    flat = " ".join(to_details(result, width=80).split())
    assert " ".join(long.split()) in flat and "line 2" in flat


# ------------------------------------------------------------------------------ end to end

def bn_variance_bug(tmp_path):
    """BatchNorm with the unbiased (n - 1) variance: a bug of batchnorm_train alone."""
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "batchnorm.py", "self.var = x.var(axis=0, keepdims=True)",
         "self.var = x.var(axis=0, ddof=1, keepdims=True)")
    return sub


def test_a_batchnorm_bug_costs_only_batchnorm_items(tmp_path):
    result, _ = grade(bn_variance_bug(tmp_path), tmp_path, "--suite", "all")
    scores, full = item_scores(result), {i["id"]: i["max_score"] for i in result["items"]}
    assert scores["batchnorm_train"] < full["batchnorm_train"]
    hurt = {k for k in scores if scores[k] < full[k]}
    assert hurt <= {"batchnorm_train", "batchnorm_inference"}, hurt
    excused = [c for i in result["items"] for c in i["cases"] if c["excused"]]
    assert excused and all("charged there" in c["message"] for c in excused)


def sigmoid_derivative_bug(tmp_path):
    """Sigmoid.derivative returns the state itself: a bug of the sigmoid item alone."""
    sub = copy_solution(tmp_path / "sub")
    edit(sub / "mlp" / "activations.py", "return self.state * (1.0 - self.state)",
         "return self.state")
    return sub


def test_an_activation_bug_costs_only_its_item_and_says_where_it_is_charged(tmp_path):
    result, _ = grade(sigmoid_derivative_bug(tmp_path), tmp_path, "--suite", "visible")
    scores, full = item_scores(result), {i["id"]: i["max_score"] for i in result["items"]}
    assert {k for k in scores if scores[k] < full[k]} == {"sigmoid"}
    cases = {c["name"]: c for i in result["items"] for c in i["cases"]}
    assert cases["hidden_backward_sigmoid_sce"]["excused"]
    assert cases["hidden_backward_sigmoid_sce"]["message"].startswith(
        "not scored: this case also runs your code graded by sigmoid, which fails")


def test_with_the_policy_off_dependent_cases_count_again(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text(RUBRIC.read_text().replace("excuse_dependent_cases = true",
                                                 "excuse_dependent_cases = false"))
    result, _ = grade(sigmoid_derivative_bug(tmp_path), tmp_path, "--suite", "visible",
                      "--rubric", rubric)
    cases = {c["name"]: c for i in result["items"] for c in i["cases"]}
    assert not any(c["excused"] for c in cases.values())
    case = cases["hidden_backward_sigmoid_sce"]
    assert not case["passed"] and "fix that first" in case["message"]
    assert item_scores(result)["hidden_backward"] < 14

"""The judge (autograder/grade/judge.py) and the pipeline around it (grade/pipeline.py):
verdicts are returned values, judged while later cases still run, a grader bug costs one case,
and grading assigns no global."""
from __future__ import annotations

import os
import tempfile
from types import SimpleNamespace

import numpy as np

from autograder.grade.judge import INTERNAL_ERROR, Judging, judge
from autograder.grade.pipeline import GradeRequest, grade_submission
from autograder.manifest import Case
from support import SOLUTION_DIR, assignment, copy_solution, edit


class Families:
    """A ScenarioSource with two made-up families: one compares, one has a broken check."""
    plain = SimpleNamespace(NEEDS_REFERENCE=False)
    broken = SimpleNamespace(NEEDS_REFERENCE=False,
                             check=lambda got, expected, params, compare: 1 / 0)
    counted = SimpleNamespace(NEEDS_REFERENCE=False,
                              check=lambda got, expected, params, compare: compare.all(
                                  got, {"x": np.ones(2)}, params))

    def family(self, name):
        return getattr(self, name)


def case(name: str, family: str) -> Case:
    return Case(name, family, "item", {})


def ok(**arrays) -> SimpleNamespace:
    return SimpleNamespace(status="ok", arrays=arrays, message="", output="",
                           blocked_imports=[])


def test_a_broken_check_costs_its_case_only():
    cases = [case("a", "broken"), case("b", "counted"), case("c", "counted")]
    verdicts = judge(Judging(cases, Families()), [("a", ok()), ("b", ok(x=np.ones(2))),
                                                  ("c", ok(x=np.zeros(2)))])
    assert verdicts["a"].internal_error and not verdicts["a"].passed
    assert verdicts["a"].message.startswith(INTERNAL_ERROR + "ZeroDivisionError")
    assert verdicts["b"].passed and verdicts["b"].message == ""
    assert not verdicts["c"].passed and verdicts["c"].message.startswith("x: 2 of 2 values")
    assert not verdicts["c"].internal_error


def test_each_case_is_judged_as_soon_as_its_outcome_arrives():
    cases = [case("a", "counted"), case("b", "counted")]
    judged_before_b_ran = []

    class Watching(Families):
        def family(self, name):
            judged_before_b_ran.append(not ran_b)
            return super().family(name)

    ran_b = False

    def outcomes():
        nonlocal ran_b
        yield "a", ok(x=np.ones(2))
        ran_b = True
        yield "b", ok(x=np.ones(2))

    verdicts = judge(Judging(cases, Watching()), outcomes())
    assert judged_before_b_ran == [True, False]
    assert all(v.passed for v in verdicts.values())


def test_a_case_that_did_not_run_says_why_and_keeps_its_outcome():
    timeout = SimpleNamespace(status="timeout", arrays={}, message="took over 20 s", output="",
                              blocked_imports=[])
    verdicts = judge(Judging([case("a", "counted")], Families()), [("a", timeout)])
    assert verdicts["a"].message == "time limit: took over 20 s"
    assert verdicts["a"].outcome is timeout and not verdicts["a"].internal_error


def test_grading_assigns_no_global_and_passes_its_scratch_folder(tmp_path):
    """The scratch folder reaches intake and the sandbox as an argument; tempfile and the
    environment are as they were."""
    submission = copy_solution(tmp_path / "student")
    edit(submission / "mlp" / "activations.py", "return self.state * (1.0 - self.state)",
         "return 2 * self.state * (1.0 - self.state)")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    before = (tempfile.tempdir, dict(os.environ))
    seen = []
    original = tempfile.mkdtemp

    def watching_mkdtemp(suffix=None, prefix=None, dir=None):
        seen.append((prefix, None if dir is None else str(dir)))
        return original(suffix, prefix, dir)

    tempfile.mkdtemp = watching_mkdtemp
    try:
        result = grade_submission(GradeRequest(submission, assignment("hw1"), "visible",
                                               scratch_dir=str(scratch)))
    finally:
        tempfile.mkdtemp = original
    assert (tempfile.tempdir, dict(os.environ)) == before
    folders = dict(seen)
    assert folders["autograder-intake-"] == folders["autograder-trusted-"] == str(scratch)
    # (as root, the sandbox's own folder goes to a shared one when the scratch folder is
    # private: tmp_path is)
    assert all(folder is not None for folder in folders.values())
    assert list(scratch.iterdir()) == []          # every folder removed again
    scores = {item.id: item.score for item in result.items}
    assert scores["sigmoid"] < 4 and scores["tanh"] == 4      # graded: one item off


def test_the_solution_scores_full_through_the_pipeline():
    result = grade_submission(GradeRequest(SOLUTION_DIR, assignment("hw1"), "visible"))
    assert result.status == "graded" and result.score == result.max_score
    assert all(case.passed for item in result.items for case in item.cases)

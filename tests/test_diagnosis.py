"""The two diagnoses of a failing comparison (autograder/diagnosis.py): one constant factor off
(scale), and the signature of a classic mistake (data/visible/mistakes.json)."""
from __future__ import annotations
from support import HW1_CASES, HW1_DATA, assignment

import json
import tomllib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.compare import Comparison, annotate, compare_arrays
from autograder.diagnosis import (MISTAKE_PREFIX, MISTAKES_FILE, MistakeBook, SignatureCollector,
                                  load_mistakes, named_mistakes, signature)
from autograder.grade.judge import Judging, failures, judge_case, known_mistakes
from autograder.grade.rubric import RubricError, load_rubric
from autograder.manifest import Case, load_manifest, manifest_entry
from autograder.npz import write_npz
from autograder.references.mistakes import assemble
from mutants.runner import apply, catalogue
from support import RUBRIC, ROOT, copy_solution, edit, grade

MUTANTS = catalogue("hw1")

VISIBLE_MISTAKES = HW1_DATA / "visible" / MISTAKES_FILE
RNG = np.random.default_rng(11)
EXPECTED = RNG.standard_normal((6, 4)) + 0.3


def diagnosis_lines(message: str | None) -> list[str]:
    """The indented lines after a message's first line."""
    assert message is not None
    first, *rest = message.split("\n")
    assert not first.startswith(" ")
    assert all(line.startswith("    ") and line.strip() for line in rest), rest
    return [line.strip() for line in rest]


# ------------------------------------------------------------------------------------- scale

@pytest.mark.parametrize("factor, words", [
    (8.0, "every value is 8.00x the expected; 8 is this case's batch size: a sum where a mean "
          "belongs?"),
    (1 / 8, "every value is 1/8 of the expected; 8 is this case's batch size: a mean where a sum "
            "belongs (or a division by the batch size twice)?"),
    (-1.0, "every value has the wrong sign (-1x the expected): a sign error, e.g. p += lr*g "
           "instead of p -= lr*g?"),
    (2.0, "every value is 2.00x the expected: counted twice?"),
    (0.5, "every value is half the expected (0.50x): a stray factor 1/2?"),
    (3.7, "every value is 3.70x the expected (one constant factor: a missing or extra scale "
          "factor?)"),
    (-0.25, "every value is -0.25x the expected (one constant factor: a missing or extra scale "
            "factor?)"),
])
def test_one_constant_factor_is_named(factor, words):
    message = compare_arrays("bn.dgamma", factor * EXPECTED, EXPECTED, batch=8)
    assert diagnosis_lines(message) == [words]
    # the first line is the comparison, exactly as without the diagnosis
    assert message.split("\n")[0].startswith("bn.dgamma: 24 of 24 values differ; max abs err")


def test_the_batch_size_comes_from_the_case_params():
    got, expected = {"mlp.dW[0]": 5 * EXPECTED}, {"mlp.dW[0]": EXPECTED}
    [with_batch] = Comparison().all(got, expected, {"batch": 5, "seed": 1})
    [without] = Comparison().all(got, expected, {"seed": 1})
    assert "5 is this case's batch size" in with_batch
    assert diagnosis_lines(without) == [
        "every value is 5.00x the expected (one constant factor: a missing or extra scale "
        "factor?)"]
    # a batch of one (factor 1) or a batch that is not a count names no batch size
    assert "batch size" not in Comparison().all(got, expected, {"batch": 1})[0]
    assert "batch size" not in Comparison().all(got, expected, {"batch": 2.5})[0]


def test_a_factor_within_rounding_of_the_scaled_reference_still_counts():
    noisy = 8 * EXPECTED * (1 + 1e-12 * RNG.standard_normal(EXPECTED.shape))
    assert "8 is this case's batch size" in compare_arrays("x", noisy, EXPECTED, batch=8)


def test_a_flat_vector_for_a_row_is_diagnosed_too():
    row = EXPECTED[:1]
    message = compare_arrays("bn.dgamma", -row.ravel(), row, vector_ok=True)
    assert diagnosis_lines(message)[0].startswith("every value has the wrong sign")


@pytest.mark.parametrize("got, expected", [
    (np.ones((3, 2)), np.zeros((3, 2)) + 1e-12),           # expected all ~0: any factor fits
    (np.ones((3, 2)), np.zeros((3, 2))),                     # expected exactly 0
    (np.zeros((3, 2)), EXPECTED[:3, :2]),                    # got all 0 is no factor
    (8 * EXPECTED.T, EXPECTED),                              # shape mismatch
    (8 * EXPECTED[:, :3], EXPECTED),
    (np.where(EXPECTED > 0, np.nan, 8 * EXPECTED), EXPECTED),  # NaN
    (np.where(EXPECTED > 0, np.inf, 8 * EXPECTED), EXPECTED),
    (EXPECTED + 1.0, EXPECTED),                              # genuinely different
    (EXPECTED ** 2, EXPECTED),
    (8 * EXPECTED * (1 + 0.01 * RNG.standard_normal(EXPECTED.shape)), EXPECTED),
    (np.array([3.0]), np.array([1.7])),                      # one value is a multiple of any
    (np.full(3, 0.78), np.full(3, 0.69)),                    # so is one value repeated
    (np.array([0.0, 0.0, 3.0]), np.array([0.0, 0.0, 1.7])),
])
def test_no_scale_diagnosis(got, expected):
    message = compare_arrays("x", got, expected, batch=8)
    assert message is not None and "\n" not in message, message


def test_a_note_on_the_first_line_goes_before_the_diagnosis():
    message = annotate(compare_arrays("x", -EXPECTED, EXPECTED), " (expected: p - lr * g)")
    first, second = message.split("\n")
    assert first.endswith(" (expected: p - lr * g)") and "wrong sign" in second
    assert annotate("x: shape: expected (2,), got (3,)", "!") == "x: shape: expected (2,), got (3,)!"


def test_a_single_value_off_by_a_named_factor_is_still_named():
    assert "counted twice" in compare_arrays("loss", [3.4], [1.7])


# ------------------------------------------------------------------------------- signatures

def test_signatures_ignore_rounding_but_not_real_differences():
    reference = EXPECTED * 100
    base = signature(reference, reference)
    assert signature(reference * (1 + 1e-13), reference) == base
    assert signature(reference + 1e-3, reference) != base            # 1e-5 of the magnitude
    assert signature(reference.ravel(), reference) != base           # the shape counts
    assert signature(np.where(reference > 0, np.nan, reference), reference) is None
    assert signature(reference, reference) == signature(reference.copy(), reference * 1.0)
    # relative to the reference's magnitude (at least 1): -0.0 and 0.0 are the same value
    assert signature(np.array([-0.0, 1e-9]), np.zeros(2)) == signature(np.zeros(2), np.zeros(2))
    assert signature(np.array([1e300, -1e300]), np.ones(2)) is not None


def book_for(case_name: str, key: str, expected, mistakes: dict[str, object]) -> MistakeBook:
    """A synthetic mistakes file: mutant id -> the array it produces for ``key``."""
    found = {}
    for mutant_id, got in mistakes.items():
        collector = SignatureCollector()
        collector.diagnose(key, np.asarray(got, dtype=float), expected)
        found[mutant_id] = {case_name: collector.found}
    mutants = [SimpleNamespace(id=i, description=f"the mistake called {i}") for i in mistakes]
    return assemble(mutants, found)


def test_a_known_mistake_is_named_once_per_case(tmp_path):
    expected = {"mlp.dW[0]": EXPECTED, "mlp.dW[1]": EXPECTED[:2]}
    wrong = np.tanh(EXPECTED)
    book = book_for("some_case", "mlp.dW[0]", EXPECTED, {"tanh_everywhere": wrong})
    (tmp_path / MISTAKES_FILE).write_text(book.to_text())
    known = load_mistakes(tmp_path / MISTAKES_FILE).for_case("some_case")
    messages = Comparison(known=known).all({"mlp.dW[0]": wrong, "mlp.dW[1]": EXPECTED[:2] + 1},
                                           expected)
    assert diagnosis_lines(messages[0]) == [MISTAKE_PREFIX + "the mistake called tanh_everywhere"]
    assert diagnosis_lines(messages[1]) == []            # no signature stored for that key
    # an array that differs from the mistake's output is not named
    assert "\n" not in Comparison(known=known).all({"mlp.dW[0]": wrong + 1e-3}, expected)[0]
    # other cases have nothing stored
    assert load_mistakes(tmp_path / MISTAKES_FILE).for_case("another_case") is None
    # the same line twice in one case is shown once
    twice = book_for("c", "a", EXPECTED, {"m": wrong})
    twice.signatures["c"]["b"] = twice.signatures["c"]["a"]
    first, second = Comparison(known=twice.for_case("c")).all({"a": wrong, "b": wrong},
                                                              {"a": EXPECTED, "b": EXPECTED})
    assert MISTAKE_PREFIX in first and MISTAKE_PREFIX not in second


def test_a_shared_signature_names_the_first_two_mistakes():
    wrong = -EXPECTED
    book = book_for("c", "x", EXPECTED, {"first": wrong, "second": wrong, "third": wrong})
    assert book.signatures["c"]["x"] == {signature(wrong, EXPECTED): ["first", "second", "third"]}
    [message] = Comparison(known=book.for_case("c")).all({"x": wrong}, {"x": EXPECTED})
    line = diagnosis_lines(message)[-1]
    assert line == (MISTAKE_PREFIX + "the mistake called first (or: the mistake called second)")
    descriptions = {i: f"the mistake called {i}" for i in ("first", "second", "third")}
    assert named_mistakes(message, descriptions) == ["first", "second"]
    assert named_mistakes("x: 1 of 1 values differ", descriptions) == []


def test_a_correct_answer_is_never_named():
    # A passing array is never looked up, and an array whose signature is the reference's own
    # (off by less than the signature's resolution) is never named, even if a file says so.
    tiny = np.zeros((2, 3))
    off = tiny + 5e-8                                    # fails the 1e-8 floor, same signature
    assert signature(off, tiny) == signature(tiny, tiny)
    book = MistakeBook({"m": "a mistake"}, {"c": {"x": {signature(tiny, tiny): ["m"]}}})
    assert book_for("c", "x", tiny, {"m": off}).signatures == {}   # never stored either
    [message] = Comparison(known=book.for_case("c")).all({"x": off}, {"x": tiny})
    assert "\n" not in message
    assert Comparison(known=book.for_case("c")).all({"x": tiny}, {"x": tiny}) == []


def test_a_family_check_that_compares_gets_the_known_mistakes():
    wrong = np.sqrt(np.abs(EXPECTED))
    known = book_for("c", "x", EXPECTED, {"m": wrong}).for_case("c")
    family = SimpleNamespace(        # a family's own check, unaware of the diagnosis
        check=lambda got, expected, params, compare: ["protocol problem"]
        + compare.all(got, expected, params))
    messages = failures(family, {"x": wrong}, {"x": EXPECTED}, {}, Comparison(known=known))
    assert MISTAKE_PREFIX + "the mistake called m" in messages[1]
    assert MISTAKE_PREFIX not in failures(family, {"x": wrong}, {"x": EXPECTED}, {},
                                          Comparison())[1]


@pytest.mark.parametrize("text", ["", "[]", '{"format": 2, "mistakes": {}, "signatures": {}}',
                                  '{"format": 1, "mistakes": {"a": 1}, "signatures": {}}',
                                  '{"format": 1, "mistakes": {}, "signatures": {"c": [1]}}'])
def test_a_malformed_mistakes_file_turns_the_diagnosis_off(tmp_path, text):
    (tmp_path / MISTAKES_FILE).write_text(text)
    assert load_mistakes(tmp_path / MISTAKES_FILE) is None
    assert load_mistakes(tmp_path / "absent.json") is None


# ----------------------------------------------------------------- grading side, and the rubric

def judged_case(tmp_path: Path, got: dict, expected: dict, book: MistakeBook | None,
                hidden: bool = False, diagnose: bool = True):
    """The verdict of a one-array BatchNorm case stored in tmp_path."""
    case = Case("some_case", "batchnorm", "batchnorm_train",
                {"seed": 1, "fan_in": 4, "batch": 6, "mode": "forward"}, hidden=hidden)
    write_npz(tmp_path / "some_case.npz", expected)
    case.arrays = manifest_entry(case, expected)["arrays"]
    case.data_dir = tmp_path
    if book is not None:
        (tmp_path / MISTAKES_FILE).write_text(book.to_text())
    outcome = SimpleNamespace(status="ok", arrays=got, message="")
    hw1 = assignment()
    judging = Judging([case], hw1.scenarios, hw1.vector_names, diagnose)
    return judge_case(case, outcome, judging, Comparison(hw1.vector_names))


@pytest.mark.parametrize("hidden, diagnose, named", [
    (False, True, True), (False, False, False), (True, True, False)])
def test_grading_names_known_mistakes_of_visible_cases_when_the_rubric_allows(
        tmp_path, hidden, diagnose, named):
    wrong = np.cos(EXPECTED)
    book = book_for("some_case", "bn.forward", EXPECTED, {"m": wrong})
    verdict = judged_case(tmp_path, {"bn.forward": wrong}, {"bn.forward": EXPECTED},
                          book, hidden, diagnose)
    assert not verdict.passed and not verdict.internal_error
    assert (MISTAKE_PREFIX + "the mistake called m" in verdict.message) is named


def test_the_rubric_switch(tmp_path):
    assert load_rubric(RUBRIC).diagnose_known_mistakes is True
    text = RUBRIC.read_text()
    assert "\ndiagnose_known_mistakes = true\n" in text
    off = tmp_path / "off.toml"
    off.write_text(text.replace("diagnose_known_mistakes = true", "diagnose_known_mistakes = false"))
    assert load_rubric(off).diagnose_known_mistakes is False
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("diagnose_known_mistakes = true", 'diagnose_known_mistakes = "no"'))
    with pytest.raises(RubricError, match="diagnose_known_mistakes"):
        load_rubric(bad)


def test_signatures_are_collected_where_grading_looks_them_up():
    """The references verb judges each mutant's outcome with a collector in place of the known
    mistakes (autograder/references/mistakes.py); grading then finds what it stored."""
    case = next(c for c in load_manifest("visible", HW1_DATA) if c.family == "batchnorm"
                and c.params.get("mode") == "backward")
    reference = case.reference()
    mutated = {k: (v * 3 if k == "bn.dgamma" else v) for k, v in reference.items()}
    collector = SignatureCollector()
    hw1 = assignment()
    family = hw1.scenarios.family(case.family)
    failures(family, mutated, reference, case.params, Comparison(hw1.vector_names, collector))
    assert list(collector.found) == ["bn.dgamma"]
    book = assemble([SimpleNamespace(id="m", description="dgamma tripled")],
                    {"m": {case.name: collector.found}})
    [message] = failures(family, mutated, reference, case.params,
                         Comparison(hw1.vector_names, book.for_case(case.name)))
    assert diagnosis_lines(message) == [
        "every value is 3.00x the expected (one constant factor: a missing or extra scale "
        "factor?)", MISTAKE_PREFIX + "dgamma tripled"]


# -------------------------------------------------------------------- the shipped mistakes.json

@pytest.fixture(scope="module")
def shipped() -> dict:
    assert VISIBLE_MISTAKES.is_file(), "run `python -m autograder references`"
    return json.loads(VISIBLE_MISTAKES.read_text())


def test_mistakes_json_is_deterministic_and_names_catalogue_mistakes(shipped):
    book = MistakeBook.from_text(VISIBLE_MISTAKES.read_text())
    assert book is not None and book.to_text() == VISIBLE_MISTAKES.read_text()
    assert shipped["format"] == 1 and set(shipped) == {"format", "mistakes", "signatures"}
    catalogue = {m.id: m.description for m in MUTANTS}
    assert shipped["mistakes"] and all(catalogue[i] == d for i, d in shipped["mistakes"].items())
    order = list(catalogue)
    for by_key in shipped["signatures"].values():
        for table in by_key.values():
            for ids in table.values():
                assert ids and set(ids) <= set(shipped["mistakes"])
                assert ids == sorted(ids, key=order.index)       # catalogue order


def test_mistakes_json_holds_no_hidden_case_and_no_reference_signature(shipped):
    text = VISIBLE_MISTAKES.read_text()
    hidden = tomllib.loads((HW1_CASES / "hidden.toml").read_text())["case"]
    leaked = [case["name"] for case in hidden if f'"{case["name"]}"' in text]
    assert not leaked, f"hidden case names in mistakes.json: {leaked}"
    visible = {case.name: case for case in load_manifest("visible", HW1_DATA)}
    assert set(shipped["signatures"]) <= set(visible)
    for case_name, by_key in shipped["signatures"].items():
        reference = visible[case_name].reference()
        for key, table in by_key.items():
            assert key in reference, (case_name, key)
            assert signature(reference[key], reference[key]) not in table, (case_name, key)


def test_hidden_cases_are_never_looked_up():
    hidden = Case("h", "activation", "sigmoid", {}, hidden=True, data_dir=HW1_DATA / "visible")
    assert known_mistakes(hidden) is None


# ---------------------------------------------------------------------------------- end to end

def failed_messages(result: dict) -> dict[str, str]:
    return {case["name"]: case["message"] for item in result["items"]
            for case in item["cases"] if not case["passed"]}


def test_dgamma_summed_without_the_mean_is_named_with_the_batch_size(tmp_path):
    """BatchNorm's dgamma summed over the batch of per-sample gradients, as if delta were not
    yet divided by the batch size: in bn_backward (delta is passed in as is, batch 8) it is
    exactly 8 times the answer."""
    submission = copy_solution(tmp_path / "dgamma")
    edit(submission / "mlp" / "batchnorm.py",
         "self.dgamma = (delta * self.norm).sum(axis=0, keepdims=True)",
         "self.dgamma = (len(delta) * delta * self.norm).sum(axis=0, keepdims=True)")
    result, _ = grade(submission, tmp_path, "--suite", "visible")
    message = failed_messages(result)["bn_backward"]
    assert message.startswith("bn.dgamma: 4 of 4 values differ")
    assert ("\n    every value is 8.00x the expected; 8 is this case's batch size: a sum where a "
            "mean belongs?") in message


def test_a_catalogue_mistake_is_named_end_to_end(tmp_path):
    mutant = next(m for m in MUTANTS if m.id == "bn_unbiased_variance")
    result, _ = grade(apply(mutant, tmp_path / mutant.id), tmp_path, "--suite", "visible")
    first = next(case for item in result["items"] for case in item["cases"]
                 if not case["passed"])
    assert named_mistakes(first["message"], {m.id: m.description for m in MUTANTS}) == [mutant.id]
    assert f"\n    {MISTAKE_PREFIX}{mutant.description}" in first["message"]

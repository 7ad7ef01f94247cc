"""The mutation suite (issue 5): every one-bug copy of the solution is graded end to end; each
must lose points on every item it targets and nowhere else (except items whose cases run the
broken code on purpose and list it in `uses`). The kill matrix in docs/ must be current."""
from __future__ import annotations

import shutil
import tomllib

import pytest

from mutants.catalogue import MUTANTS, Mutant
from mutants.report import MATRIX_PATH, named_correctly, render
from mutants.runner import SOLUTION_PACKAGE, MutantError, apply, grade_many, hurt_items, problems
from support import RUBRIC

MUTANT_BY_ID = {m.id: m for m in MUTANTS}
UNMODIFIED = "unmodified_solution"


def rubric_items() -> list[str]:
    return [item["id"] for item in tomllib.loads(RUBRIC.read_text())["item"]]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict[str, dict]:
    """Every mutant and the unmodified solution, graded in one batch (two at a time)."""
    work = tmp_path_factory.mktemp("mutants")
    for m in MUTANTS:
        apply(m, work / "class" / m.id)
    shutil.copytree(SOLUTION_PACKAGE, work / "class" / UNMODIFIED / "mlp")
    return grade_many(work / "class", work / "results")


def test_the_catalogue_covers_every_item_with_plausible_mutants():
    assert len(MUTANTS) >= 40
    assert len(MUTANT_BY_ID) == len(MUTANTS), "mutant ids must be unique"
    items = set(rubric_items())
    for m in MUTANTS:
        assert m.targets and m.targets <= items, m.id
        assert m.description and m.category and m.edits, m.id
    untargeted = items - {t for m in MUTANTS for t in m.targets}
    assert not untargeted, f"no mutant aims at {sorted(untargeted)}"


def test_every_edit_applies_exactly_once(tmp_path):
    for m in MUTANTS:
        changed = apply(m, tmp_path / m.id) / "mlp" / m.file
        assert changed.read_text() != (SOLUTION_PACKAGE / m.file).read_text(), m.id


def test_an_edit_that_no_longer_matches_is_an_error(tmp_path):
    stale = Mutant("stale", "x", "x", "mlp.py", (("no such text", "y"),), frozenset({"momentum"}))
    with pytest.raises(MutantError, match="occurs 0 times"):
        apply(stale, tmp_path / "stale")


def test_the_unmodified_solution_keeps_full_marks_in_the_same_run(graded):
    result = graded[UNMODIFIED]
    assert hurt_items(result) == set()
    assert result["flags"] == [] and result["score"] == 100
    # The judge is not vacuous: the solution, seen as any mutant, "survives".
    assert problems(MUTANTS[0], result) == [
        f"survived: {t} passed every case" for t in sorted(MUTANTS[0].targets)]


@pytest.mark.parametrize("mutant_id", list(MUTANT_BY_ID))
def test_mutant_is_caught_by_its_items_only(mutant_id, graded):
    assert problems(MUTANT_BY_ID[mutant_id], graded[mutant_id]) == []


def test_loop_mutants_are_flagged_with_an_explanation(graded):
    loops = [m for m in MUTANTS if "vectorisation" in m.targets]
    assert len(loops) >= 4
    for m in loops:
        result = graded[m.id]
        assert "not-vectorised" in result["flags"], m.id
        item = next(i for i in result["items"] if i["id"] == "vectorisation")
        messages = [c["message"] for c in item["cases"] if not c["passed"]]
        assert any("loop over the samples" in msg for msg in messages), (m.id, messages)


# Measured: 54 of 83 mutants are named on their first failed visible case. The others leave no
# array to recognise there: they crash, give NaN, break a training-loop rule, loop over samples,
# or are first caught by a case that checks the submission against its own step(). The margin
# leaves room for case changes; with the diagnosis off, none is named.
KNOWN_MISTAKES_FLOOR = 50


def test_known_mistakes_are_named_on_the_first_failed_visible_case(graded):
    named = [m.id for m in MUTANTS if named_correctly(m, graded[m.id])]
    assert len(named) >= KNOWN_MISTAKES_FLOOR, \
        f"only {len(named)} of {len(MUTANTS)} mutants named correctly: {named}"


def test_the_kill_matrix_in_docs_is_current(graded):
    expected = render({m.id: graded[m.id] for m in MUTANTS})
    assert MATRIX_PATH.is_file(), "run `python -m tests.mutants.report`"
    assert MATRIX_PATH.read_text() == expected, \
        "docs/kill_matrix.md is stale: run `python -m tests.mutants.report`"

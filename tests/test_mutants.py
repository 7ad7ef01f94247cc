"""The mutation suite, for every assignment with a catalogue (its grading/mutants.py): every
one-bug copy of the solution is graded end to end; each must lose points on every item it
targets and cost nothing anywhere else (one bug, one item: cases that run the broken code on
purpose are excused). Each assignment's kill matrix in docs/ must be current. What each
assignment promises (catalogue size, known-mistake floor, items with no code of their own) is
the [fidelity] table of its assignment.toml (support.fidelity), so a new assignment with a
catalogue gets this suite without a test of its own."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from autograder.grade.rubric import load_rubric
from autograder.references.solution import code_dir, copy_solution
from mutants.report import matrix_path, named_correctly, render
from mutants.runner import (MutantError, apply, assignments_with_mutants, catalogue, grade_many,
                            hurt_items, problems)
from support import assignment, fidelity

UNMODIFIED = "unmodified_solution"
NAMES = assignments_with_mutants()


@pytest.fixture(scope="module", params=NAMES)
def graded(request, tmp_path_factory) -> tuple[str, dict[str, dict]]:
    """Every mutant of one assignment and its unmodified solution, graded in one batch."""
    name = request.param
    work = tmp_path_factory.mktemp(f"mutants-{name}")
    for m in catalogue(name):
        apply(m, work / "class" / m.id, name=name)
    copy_solution(assignment(name), work / "class" / UNMODIFIED)
    return name, grade_many(work / "class", work / "results", name=name)


@pytest.mark.parametrize("name", NAMES)
def test_the_catalogue_covers_every_item_with_plausible_mutants(name):
    mutants = catalogue(name)
    assert len(mutants) >= fidelity(name).minimum_mutants
    assert len({m.id for m in mutants}) == len(mutants), "mutant ids must be unique"
    rubric = load_rubric(assignment(name).rubric_path)
    items = {item.id for item in rubric.automatic}
    for m in mutants:
        assert m.targets and set(m.targets) <= items, m.id
        assert m.description and m.category and m.edits, m.id
    untargeted = items - {t for m in mutants for t in m.targets} - fidelity(
        name).items_without_code
    assert not untargeted, f"no mutant aims at {sorted(untargeted)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_edit_applies_exactly_once(name, tmp_path):
    solution = code_dir(assignment(name))
    for m in catalogue(name):
        planted = apply(m, tmp_path / m.id, name=name)
        changed = planted / solution.relative_to(assignment(name).solution_dir) / m.file
        assert changed.read_text() != (solution / m.file).read_text(), m.id


def test_an_edit_that_no_longer_matches_is_an_error(tmp_path):
    stale = SimpleNamespace(id="stale", file="mlp.py", edits=(("no such text", "y"),))
    with pytest.raises(MutantError, match="occurs 0 times"):
        apply(stale, tmp_path / "stale")


def test_the_unmodified_solution_keeps_full_marks_in_the_same_run(graded):
    name, results = graded
    result = results[UNMODIFIED]
    assert hurt_items(result) == set()
    # The plain package lacks the deliverables a student hands in beside it (cw3's report).
    assert [f for f in result["flags"] if not f.startswith("missing-deliverable:")] == []
    automatic = [item for item in result["items"] if not item.get("manual")]
    assert result["score"] == min(result["max_score"],
                                  sum(item["max_score"] for item in automatic))
    # The judge is not vacuous: the solution, seen as any mutant, "survives".
    first = catalogue(name)[0]
    assert problems(first, result) == [
        f"survived: {t} passed every case" for t in sorted(first.targets)]


def test_every_mutant_is_caught_by_its_items_only(graded):
    name, results = graded
    wrong = {m.id: problems(m, results[m.id]) for m in catalogue(name)}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_loop_mutants_are_flagged_with_an_explanation(graded):
    name, results = graded
    loops = [m for m in catalogue(name) if "vectorisation" in m.targets]
    assert len(loops) >= fidelity(name).minimum_loop_mutants
    for m in loops:
        result = results[m.id]
        assert "not-vectorised" in result["flags"], m.id
        item = next(i for i in result["items"] if i["id"] == "vectorisation")
        messages = [c["message"] for c in item["cases"] if not c["passed"]]
        assert any("loop over the samples" in msg for msg in messages), (m.id, messages)


def test_known_mistakes_are_named_on_the_first_failed_visible_case(graded):
    name, results = graded
    mutants = catalogue(name)
    named = [m.id for m in mutants if named_correctly(m, results[m.id], mutants)]
    assert len(named) >= fidelity(name).known_mistakes_floor, \
        f"only {len(named)} of {len(mutants)} mutants named correctly: {named}"


def test_the_kill_matrix_in_docs_is_current(graded):
    name, results = graded
    mutants = catalogue(name)
    expected = render({m.id: results[m.id] for m in mutants}, mutants, name)
    path = matrix_path(name)
    assert path.is_file(), f"run `python -m tests.mutants.report {name}`"
    assert path.read_text() == expected, \
        f"{path.name} is stale: run `python -m tests.mutants.report {name}`"

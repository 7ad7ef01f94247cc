"""Every assignment's SAVED references (data/<name>/{visible,hidden}/) against its oracle, which
is not its solution.

An assignment's oracle is tests/assignments/<name>/oracle.py (beside the kit-shaped root that
holds the assignment, so a course named in AUTOGRADER_ASSIGNMENTS brings its own). It exposes

    CHECKS:  family -> list of check(case), each raising AssertionError (or skipping, say when
             torch is missing); every saved case of the family gets every one of them;
    REASONS: family -> why its references cannot be recomputed independently (a timing, or the
             student's own gradient check); such a family may still have property checks.

A family of the assignment's scenarios with neither fails here, as does an oracle for a family
that no longer exists.
"""
from __future__ import annotations

import pytest

from autograder.manifest import available_suites, load_manifest
from support import ASSIGNMENTS, assignment, families, own_module, own_tests_dir


def saved_cases(name: str) -> list:
    data = assignment(name).data_dir
    return [case for suite in available_suites(data) for case in load_manifest(suite, data)]


def oracle_runs() -> list:
    """(assignment, check, case) for every saved case of every assignment with an oracle."""
    runs = []
    for name in ASSIGNMENTS:
        oracle = own_module(name, "oracle")
        if oracle is None:
            continue
        for case in saved_cases(name):
            for check in oracle.CHECKS.get(case.family, []):
                runs.append(pytest.param(check, case, id=f"{name}/{check.__name__}/{case.name}"))
    return runs


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_family_has_an_oracle_or_a_stated_reason(name):
    oracle = own_module(name, "oracle")
    assert oracle is not None, \
        f"{name} has no oracle: write {own_tests_dir(name)}/oracle.py (CHECKS and REASONS)"
    checked, reasons = set(oracle.CHECKS), set(getattr(oracle, "REASONS", {}))
    scenario_families = set(families(name))
    missing = scenario_families - checked - reasons
    assert not missing, f"{name}: families with neither an oracle nor a reason: {sorted(missing)}"
    stale = (checked | reasons) - scenario_families
    assert not stale, f"{name}: oracles or reasons for families that do not exist: {sorted(stale)}"
    assert all(oracle.CHECKS[f] for f in checked), f"{name}: a family with an empty check list"
    saved = {case.family for case in saved_cases(name)}
    assert saved <= scenario_families, f"{name}: references of unknown families"


@pytest.mark.parametrize("check, case", oracle_runs())
def test_the_saved_reference_agrees_with_the_oracle(check, case):
    check(case)

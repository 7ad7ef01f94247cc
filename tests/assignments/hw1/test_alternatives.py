"""hw1's alternative-correct submissions (tests/alternatives/hw1/), beyond what the generic
tests/test_alternatives.py grades for every assignment: the described ones are there, and the
vectorisation check tells loop code from vectorised code every time."""
from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.compare import Comparison
from autograder.manifest import SUITES, load_case_specs
from mutants.runner import apply, catalogue
from support import HW1_CASES, SOLUTION_DIR, family

MUTANTS = catalogue("hw1")

vectorisation = family("vectorisation")

ALTERNATIVES_DIR = Path(__file__).resolve().parents[2] / "alternatives" / "hw1"
ALTERNATIVES = {
    "single_file": "one hw1.py; logaddexp sigmoid and softmax; one-pass BatchNorm variance",
    "vector_biases": "(n,) biases and BatchNorm vectors; clipped sigmoid; PyTorch-style "
                     "momentum buffers; np.random.permutation",
    "layer_objects": "Linear layer objects behind list views; long-form BatchNorm backward; "
                     "validation in batches",
}
CONTRACT = ("Activation", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Criterion",
            "SoftmaxCrossEntropy", "BatchNorm", "random_normal_weight_init", "zeros_bias_init",
            "MLP", "get_training_stats")
VECTORISATION_CASES = [case for suite in SUITES for case in load_case_specs(suite, HW1_CASES)
                       if case.family == "vectorisation"]
REPEATS = 3


def test_the_described_alternatives_are_there():
    """More may be added (tests/test_alternatives.py grades every folder); these three are the
    ones the vectorisation tests below load."""
    present = {p.name for p in ALTERNATIVES_DIR.iterdir() if p.is_dir()}
    assert set(ALTERNATIVES) <= present, sorted(set(ALTERNATIVES) - present)
    assert (ALTERNATIVES_DIR / "single_file" / "hw1.py").is_file()


def load_api(code: Path, alias: str) -> types.SimpleNamespace:
    """The contract's names from a submission folder (an mlp/ package or hw1.py), imported
    under ``alias`` so that several submissions can live in one process."""
    package = code / "mlp"
    entry = package / "__init__.py" if package.is_dir() else code / "hw1.py"
    spec = importlib.util.spec_from_file_location(
        alias, entry, submodule_search_locations=[str(package)] if package.is_dir() else None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return types.SimpleNamespace(**{name: getattr(module, name) for name in CONTRACT})


def vectorisation_verdicts(api) -> list[list[str]]:
    """check() messages of every vectorisation case, REPEATS times over."""
    verdicts = []
    for _ in range(REPEATS):
        for case in VECTORISATION_CASES:
            got = {k: np.asarray(v, dtype=float)
                   for k, v in vectorisation.run(api, case.params).items()}
            verdicts.append(vectorisation.check(got, {}, case.params, Comparison()))
    return verdicts


@pytest.mark.parametrize("name", ["solution", *ALTERNATIVES])
def test_vectorised_code_is_never_flagged(name):
    code = SOLUTION_DIR if name == "solution" else ALTERNATIVES_DIR / name
    verdicts = vectorisation_verdicts(load_api(code, f"vectorised_{name}"))
    assert verdicts == [[]] * (REPEATS * len(VECTORISATION_CASES))


@pytest.mark.parametrize("mutant_id", ["loop_affine_per_sample", "loop_dW_per_sample"])
def test_a_loop_over_samples_is_flagged_every_time(mutant_id, tmp_path):
    mutant = next(m for m in MUTANTS if m.id == mutant_id)
    api = load_api(apply(mutant, tmp_path / mutant_id), f"looping_{mutant_id}")
    for messages in vectorisation_verdicts(api):
        assert len(messages) == 1 and messages[0].startswith("not vectorised: "), messages

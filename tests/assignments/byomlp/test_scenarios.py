"""The byomlp case families' own logic: finding parameters by shape and behaviour (the messages
when they cannot be found), and the case specs agreeing with the rubric."""
from __future__ import annotations

import tomllib
import types

import numpy as np
import pytest

from autograder.grade.rubric import load_rubric
from autograder.scenarios.toolkit import ContractError
from support import assignment, family

common = family("common", "byomlp")
LAYOUT = common.Layout((5, 7, 3), ("tanh", "logistic"), (None, None), True)


class Hidden:
    """A network that keeps its weights as a flat list of numbers: nothing to find."""

    def __init__(self, d, est_lossderiv):
        self.numbers = []

    def add_layer(self, m, f, fderiv, name=None):
        self.numbers += [0.1] * m


class WithDecoy:
    """Weights W (used) and a same-shaped non-zero decoy that forward never reads."""

    def __init__(self, d, est_lossderiv):
        self.d, self.W, self.b, self.decoy, self.f = d, [], [], [], []

    def add_layer(self, m, f, fderiv, name=None):
        prev = self.W[-1].shape[0] if self.W else self.d
        self.W.append(0.1 * np.random.randn(m, prev))
        self.decoy.append(np.ones((m, prev)))
        self.b.append(0.1 * np.random.randn(m))
        self.f.append(f)

    def forward(self, x, start=None, end=None):
        for W, b, f in zip(self.W, self.b, self.f):
            x = f(W @ x + b)
        return x


def test_a_layer_that_cannot_be_found_is_reported_with_what_was_looked_for():
    mlp = common.build(types.SimpleNamespace(MLP=Hidden), LAYOUT)
    with pytest.raises(ContractError) as caught:
        common.find_parameters(mlp, LAYOUT)
    message = str(caught.value)
    assert "layer 1 of 5 -> 7 -> 3" in message
    assert "a 2-D array of shape (7, 5) or (5, 7)" in message
    assert "holds no float arrays" in message


def test_the_array_forward_uses_is_the_weight_not_a_same_shaped_decoy():
    mlp = common.build(types.SimpleNamespace(MLP=WithDecoy), LAYOUT)
    found = common.find_parameters(mlp, LAYOUT)
    assert [layer.weights.where for layer in found] == ["mlp.W[0]", "mlp.W[1]"]
    assert not any(layer.transposed for layer in found)


def test_written_parameters_land_in_the_students_arrays_in_either_orientation():
    class Transposed(WithDecoy):
        def add_layer(self, m, f, fderiv, name=None):
            prev = self.b[-1].size if self.b else self.d
            self.W.append(0.1 * np.random.randn(prev, m))
            self.b.append(0.1 * np.random.randn(m))
            self.f.append(f)

        def forward(self, x, start=None, end=None):
            for W, b, f in zip(self.W, self.b, self.f):
                x = f(x @ W + b)
            return x

    mlp = common.build(types.SimpleNamespace(MLP=Transposed), LAYOUT)
    layers, values = common.install(mlp, LAYOUT, seed=3)
    assert all(layer.transposed for layer in layers)
    np.testing.assert_array_equal(mlp.W[0], values[0][0].T)
    W, b = layers[1].read()
    np.testing.assert_array_equal(W, values[1][0])
    np.testing.assert_array_equal(b, values[1][1])


def test_every_item_keeps_a_case_that_runs_no_other_items_code():
    spec = assignment("byomlp")
    rubric = load_rubric(spec.rubric_path)
    cases = []
    for suite in ("visible", "hidden"):
        cases += tomllib.loads((spec.cases_dir / f"{suite}.toml").read_text())["case"]
    automatic = {item.id for item in rubric.items if not item.manual}
    assert {case["item"] for case in cases} == automatic
    for item in automatic:
        assert any(c["item"] == item and not c["uses"] for c in cases), item
    for case in cases:
        sizes = case["params"].get("sizes")
        if sizes:   # distinct sizes: a weight's shape names its layer and its orientation
            assert len(set(sizes)) == len(sizes), case["name"]

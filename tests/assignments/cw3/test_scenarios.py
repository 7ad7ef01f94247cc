"""CW3's grading spec, in process: the case specs agree with the rubric, every case runs on the
solution, planted bugs fail exactly their own items with messages that name the tensor or the
rule, the items are isolated (one bug costs one item), the mutation catalogue is caught item by
item, and the alternative-correct submissions pass every case. The last tests grade the
solution and the alternatives end to end through the command line.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest

from autograder.compare import KEY_PATTERN, Comparison
from autograder.scenarios import get_family
from autograder.scenarios.toolkit import Partial

ROOT = Path(__file__).resolve().parents[3]
CW3 = ROOT / "solution" / "cw3"
GRADING = CW3 / "grading"
CW3_VECTOR_NAMES = tomllib.loads((GRADING / "assignment.toml").read_text())["comparison"][
    "vector_names"]
SCENARIOS = GRADING / "scenarios"
PACKAGE = "_grader_scenarios_cw3"
ALTERNATIVES = ROOT / "tests" / "alternatives" / "cw3"
CONTRACT = ("Linear", "ReLU", "Sigmoid", "CrossEntropyLoss", "MLP", "SGD")
SUBMODULES = ("layers", "losses", "model", "optimizer")

import cw3_mlp  # noqa: E402  (the reference solution; conftest.py puts it on sys.path)


def family(name: str) -> types.ModuleType:
    return get_family(SCENARIOS, PACKAGE, name)


common = family("common")


def load_cases() -> list[dict]:
    cases = []
    for suite in ("visible", "hidden"):
        data = tomllib.loads((GRADING / "cases" / f"{suite}.toml").read_text())
        cases += [{**case, "suite": suite} for case in data["case"]]
    return cases


CASES = load_cases()
CASE = {case["name"]: case for case in CASES}
RUBRIC = tomllib.loads((GRADING / "rubric.toml").read_text())
ITEMS = {item["id"]: item for item in RUBRIC["item"]}
AUTOMATIC = [i for i, item in ITEMS.items() if not item.get("manual")]


def make_api(**overrides) -> types.SimpleNamespace:
    """What the sandbox hands to ``run``: the solution's names, some replaced."""
    return types.SimpleNamespace(**{**{n: getattr(cw3_mlp, n) for n in CONTRACT}, **overrides})


def load_package(folder: Path, alias: str) -> types.SimpleNamespace:
    """The contract's names from a cw3_mlp/ folder (looked up in the submodules when its
    __init__ does not re-export them), imported under ``alias``."""
    spec = importlib.util.spec_from_file_location(alias, folder / "__init__.py",
                                                  submodule_search_locations=[str(folder)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    names = {}
    for name in CONTRACT:
        if hasattr(module, name):
            names[name] = getattr(module, name)
            continue
        for sub in SUBMODULES:
            submodule = importlib.import_module(f"{alias}.{sub}")
            if hasattr(submodule, name):
                names[name] = getattr(submodule, name)
                break
    return types.SimpleNamespace(**names)


def load_single_file(path: Path, alias: str) -> types.SimpleNamespace:
    spec = importlib.util.spec_from_file_location(alias, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return types.SimpleNamespace(**{name: getattr(module, name) for name in CONTRACT})


def as_stored(arrays: dict) -> dict[str, np.ndarray]:
    """What crosses from the worker: float64 arrays of at least one dimension (the npz writer
    stores a 0-d array as shape (1,))."""
    return {key: np.ascontiguousarray(np.asarray(value, dtype=float), dtype="<f8")
            for key, value in arrays.items()}


def run_case(api, case: dict) -> dict[str, np.ndarray]:
    """As the worker does it: run, then a float64 array for every value."""
    return as_stored(family(case["family"]).run(api, case["params"]))


def describe_exception(exc: BaseException) -> str:
    """As the worker reports it: a ContractError's message as it is, else with its type."""
    return str(exc) if getattr(exc, "plain_message", False) else f"{type(exc).__name__}: {exc}"


def grade_case(api, case: dict, expected: dict) -> list[str]:
    """Failure messages of one case, as the engine would give them (an exception is a failure,
    a Partial's arrays are still compared)."""
    module = family(case["family"])
    try:
        got, prefix = run_case(api, case), []
    except Partial as partial:
        got = as_stored(partial.partial_arrays)
        prefix = [describe_exception(partial.exc)]
    except Exception as exc:  # noqa: BLE001  (a planted bug may raise anything)
        return [describe_exception(exc)]
    check = getattr(module, "check", None)
    compare = Comparison(CW3_VECTOR_NAMES)
    messages = (check(got, expected, case["params"], compare) if check
                else common.compare_keys(got, expected, case["params"], compare))
    return prefix + messages


@pytest.fixture(scope="module")
def references() -> dict[str, dict]:
    return {case["name"]: run_case(make_api(), case) for case in CASES}


def failing(api, references, names=None) -> dict[str, list[str]]:
    return {case["name"]: messages for case in CASES
            if names is None or case["name"] in names
            if (messages := grade_case(api, case, references[case["name"]]))}


def scored_failures(failures: dict[str, list[str]]) -> set[str]:
    """Items that lose points once cases that run a failing item's code are excused."""
    failing_items = {CASE[name]["item"] for name in failures}
    return {CASE[name]["item"] for name in failures
            if not (set(CASE[name]["uses"]) & (failing_items - {CASE[name]["item"]}))}


def cases_of(item: str, **where) -> list[str]:
    return [c["name"] for c in CASES if c["item"] == item
            and all(c.get(k) == v for k, v in where.items())]


# ------------------------------------------------------------------------------ the spec files


def test_assignment_toml_describes_the_cw3_submission():
    from autograder.assignments import load_assignment
    assignment = load_assignment(GRADING, ROOT / "data" / "cw3", CW3)
    shape = assignment.shape
    assert (assignment.name, shape.package, shape.module) == ("cw3", "cw3_mlp", "cw3")
    assert shape.submodules == SUBMODULES
    assert set(shape.provided) == {"run.py", "trainer.py", "config.py", "data.py", "plots.py"}
    assert {(d.path, d.kind) for d in shape.deliverables} == {("cw3_mlp/outputs", "folder"),
                                                             ("report.pdf", "file")}
    provided = {p.name for p in (CW3 / "cw3_mlp").glob("*.py")} - {"__init__.py"}
    assert provided - set(shape.provided) == {f"{m}.py" for m in SUBMODULES}


def test_vector_names_cover_biases_and_nothing_else():
    compare = Comparison(CW3_VECTOR_NAMES)
    vectors = ["linear.b", "linear.grad_b", "layers[2].b@after_step_1", "sgd.velocities[0].v_b",
               "by_hand.layers[0].b@after_step_3", "layers[4].grad_b"]
    others = ["linear.W", "linear.grad_W", "dX", "logits", "loss", "dlogits", "relu.out",
              "layers[0].W@after_step_1", "sgd.velocities[0].v_W", "mlp.layers"]
    assert all(compare.is_vector(k) for k in vectors)
    assert not any(compare.is_vector(k) for k in others)


def test_rubric_is_the_courses():
    points = {i: item["points"] for i, item in ITEMS.items()}
    assert points == {"linear": 20, "relu": 10, "sigmoid": 10, "loss": 10, "model": 20,
                      "sgd_momentum": 15, "gradient_checks": 5, "report": 10,
                      "weight_decay": 10}
    assert RUBRIC["cap"] == 100
    assert sum(p for i, p in points.items() if not ITEMS[i].get("bonus")) == 100
    assert [i for i, item in ITEMS.items() if item.get("bonus")] == ["weight_decay"]
    assert [i for i, item in ITEMS.items() if item.get("manual")] == ["report"]
    assert RUBRIC["excuse_dependent_cases"] is True and RUBRIC["diagnose_known_mistakes"] is True
    from autograder.grade.rubric import load_rubric
    rubric = load_rubric(GRADING / "rubric.toml")
    assert [item.id for item in rubric.automatic] == AUTOMATIC


def test_case_specs_are_consistent():
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique across both suites"
    assert 40 <= len(CASES) <= 70
    families = {p.stem for p in SCENARIOS.glob("*.py")} - {"common"}
    for case in CASES:
        assert re.fullmatch(r"[a-z0-9_]+", case["name"]), case["name"]
        assert case["family"] in families, case["name"]
        assert case["item"] in AUTOMATIC, case["name"]
        assert set(case["uses"]) <= set(AUTOMATIC) - {case["item"]}, case["name"]
    for suite in ("visible", "hidden"):
        for item in AUTOMATIC:
            assert cases_of(item, suite=suite), f"{item} has no {suite} case"
            if item != "gradient_checks":
                assert [n for n in cases_of(item, suite=suite) if not CASE[n]["uses"]], \
                    f"every {suite} case of {item} runs other items' code"
    # A gradient check runs the code it checks: the case says so.
    targets = {"linear": {"linear"}, "relu": {"relu"}, "sigmoid": {"sigmoid"}, "loss": {"loss"}}
    for name in cases_of("gradient_checks"):
        params = CASE[name]["params"]
        wanted = targets.get(params["target"]) or {"model", "linear", "loss",
                                                   params["activation"]}
        assert set(CASE[name]["uses"]) == wanted, name


def test_every_family_documents_its_params():
    for path in SCENARIOS.glob("*.py"):
        if path.stem != "common":
            module = family(path.stem)
            assert module.__doc__ and "params" in module.__doc__, path.stem


# ------------------------------------------------------------------------------ the solution


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_every_case_runs_on_the_solution(name, references):
    case = CASE[name]
    arrays = references[name]
    assert arrays
    for key, value in arrays.items():
        assert KEY_PATTERN.match(key), key
        assert value.dtype == np.float64 and np.all(np.isfinite(value)), key
    # Deterministic, and the solution passes its own references (through `check`, if any).
    again = run_case(make_api(), case)
    assert all(np.array_equal(again[k], arrays[k]) for k in arrays) and again.keys() == \
        arrays.keys()
    assert grade_case(make_api(), case, arrays) == []


def test_gradient_checks_pass_clearly_on_the_solution(references):
    for name in cases_of("gradient_checks"):
        errors = {k: v.item() for k, v in references[name].items() if k.endswith(".rel_error")}
        assert errors and all(0 <= e < 1e-7 for e in errors.values()), (name, errors)
        assert all(references[name][k.removesuffix(".rel_error")].tolist() == [1.0]
                   for k in errors)


# ------------------------------------------------------------------------------ planted bugs


class ReluOneAtZero(cw3_mlp.ReLU):
    def forward(self, X):
        self.mask = X >= 0
        return np.maximum(X, 0.0)


class ReluFromGrad(cw3_mlp.ReLU):
    def backward(self, grad):
        return np.where(grad > 0, grad, 0.0)


class LinearOverwrites(cw3_mlp.Linear):
    def backward(self, grad):
        self.grad_W = self.X.T @ grad
        self.grad_b = grad.sum(axis=0)
        return grad @ self.W.T


class LinearWithoutGradients(cw3_mlp.Linear):
    def __init__(self, in_dim, out_dim):
        super().__init__(in_dim, out_dim)
        self.grad_W = None


class NaiveSigmoid(cw3_mlp.Sigmoid):
    def forward(self, X):
        self.out = 1.0 / (1.0 + np.exp(-X))
        return self.out


class ArrayLoss(cw3_mlp.CrossEntropyLoss):
    def forward(self, logits, labels):
        return np.array(super().forward(logits, labels))


class SummedLoss(cw3_mlp.CrossEntropyLoss):
    def forward(self, logits, labels):
        return super().forward(logits, labels) * len(labels)


class LinearWithoutBias(cw3_mlp.Linear):
    def forward(self, X):
        self.X = X
        return X @ self.W


class ActivationAtTheEnd(cw3_mlp.MLP):
    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        super().__init__(input_dim, hidden_dims, output_dim, activation)
        self.layers.append(type(self.layers[1])())


class BackwardFirstToLast(cw3_mlp.MLP):
    def backward(self, grad):
        for layer in self.layers:
            grad = layer.backward(grad)
        return grad


class ForgetfulVelocity(cw3_mlp.SGD):
    def step(self):
        if self.momentum > 0:
            self.velocities = [(np.zeros_like(l.W), np.zeros_like(l.b)) for l in self.layers]
        super().step()


class BiasesDecayed(cw3_mlp.SGD):
    def step(self):
        for layer in self.layers:
            layer.b -= self.lr * self.weight_decay * layer.b
        super().step()


class FirstLayerOnly(cw3_mlp.SGD):
    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(layers, lr, momentum, weight_decay)
        self.layers = self.layers[:1]
        self.velocities = self.velocities[:1]


def test_relu_derivative_at_zero_fails_relu_only(references):
    failures = failing(make_api(ReLU=ReluOneAtZero), references)
    assert {"relu_backward", "relu_many_zeros_3d"} <= set(failures)
    assert not {"relu_basic", "relu_large_inputs"} & set(failures), "forward cases: forward only"
    assert any(m.startswith("relu.dX:") for m in failures["relu_backward"])
    assert scored_failures(failures) == {"relu"}


def test_relu_masked_by_the_gradient_fails_relu_only(references):
    failures = failing(make_api(ReLU=ReluFromGrad), references)
    assert scored_failures(failures) == {"relu"}
    assert all(CASE[n]["item"] == "relu" or "relu" in CASE[n]["uses"] for n in failures)


def test_linear_that_does_not_accumulate(references):
    failures = failing(make_api(Linear=LinearOverwrites), references)
    assert "linear_backward" not in failures
    assert any(m.startswith("linear.grad_W (after backward 2):")
               for m in failures["linear_gradients_accumulate"])
    assert any("after two backward calls (they must add up)" in m
               for m in failures["gradcheck_linear"])
    assert scored_failures(failures) == {"linear"}


def test_a_missing_attribute_is_named(references):
    messages = failing(make_api(Linear=LinearWithoutGradients), references)["linear_forward"]
    assert messages == ["after Linear(5, 3), linear.grad_W must be an array "
                        "shaped like linear.W (5, 3); got None"]


def test_warnings_are_errors_naming_the_method(references):
    failures = failing(make_api(Sigmoid=NaiveSigmoid), references)
    assert set(failures) == {"sigmoid_large_inputs", "sigmoid_saturating_3d"}
    message = failures["sigmoid_large_inputs"][0]
    assert message.startswith("RuntimeWarning: overflow encountered in exp, in Sigmoid.forward")
    assert "Warnings count as errors" in message


def test_the_loss_must_be_a_python_float_where_the_case_says_so(references):
    failures = failing(make_api(CrossEntropyLoss=ArrayLoss), references)
    assert set(failures) == {"loss_basic", "loss_int32_labels"}
    assert failures["loss_basic"] == [
        "CrossEntropyLoss.forward must return the mean loss as a Python float "
        "(return float(...)); got an array of shape () and dtype float64"]


def test_a_summed_loss_is_off_by_the_batch_size(references):
    failures = failing(make_api(CrossEntropyLoss=SummedLoss), references)
    assert "loss_batch_of_one" not in failures and "loss_basic" in failures
    assert scored_failures(failures) == {"loss"}


def test_mlp_structure_and_wiring_messages(references):
    failures = failing(make_api(MLP=ActivationAtTheEnd), references)
    assert failures["model_structure_relu"][0] == (
        "mlp.layers: MLP(5, [6, 4], 3, activation='relu') must hold [Linear, ReLU, Linear, "
        "ReLU, Linear] (no activation after the last Linear); got [Linear, ReLU, Linear, ReLU, "
        "Linear, ReLU]")
    assert scored_failures(failures) == {"model"}
    failures = failing(make_api(MLP=BackwardFirstToLast), references)
    message = failures["model_backward_relu"][0]
    assert message.startswith("mlp.layers[0].backward received an array of shape (4, 3)")
    assert "last to first" in message and "grader's own Linear(5, 6)" in message
    assert scored_failures(failures) == {"model"}



class SigmoidBuildsRelu(cw3_mlp.MLP):
    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        super().__init__(input_dim, hidden_dims, output_dim, activation)
        self.layers = [cw3_mlp.ReLU() if isinstance(layer, cw3_mlp.Sigmoid) else layer
                       for layer in self.layers]


def test_the_wrong_activation_kind_is_named_by_position(references):
    # Both stand-ins compute softsign, so the kind is checked by name, not by the numbers.
    failures = failing(make_api(MLP=SigmoidBuildsRelu), references)
    assert failures["model_backward_sigmoid"] == [
        "MLP(4, [5], 3, activation='sigmoid'): mlp.layers[1] is a ReLU; "
        "activation='sigmoid' needs a Sigmoid after every hidden Linear"]
    assert scored_failures(failures) == {"model"}


def test_the_stand_in_layers_are_not_the_graded_layers():
    """common.py ships to students: its stand-ins must not be a working Linear, ReLU or
    Sigmoid (the handout build refuses solution lines; this pins the behaviour)."""
    rng = np.random.RandomState(0)
    W, b = rng.standard_normal((3, 2)), rng.standard_normal(2)
    probe = common.AffineProbe(W, b, "mlp.layers[0]")
    X, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    np.testing.assert_allclose(probe.forward(X), X @ W + b)
    np.testing.assert_allclose(probe.backward(G), G @ W.T)
    assert not hasattr(probe, "grad_W") and not hasattr(probe, "grad_b")
    assert np.array_equal(probe.received, G) and np.array_equal(probe.W, W)
    assert type(probe).__name__ == "Linear"
    for cls, name in ((common.ReluStandIn, "ReLU"), (common.SigmoidStandIn, "Sigmoid")):
        layer = cls("mlp.layers[1]")
        assert type(layer).__name__ == name
        x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
        y = layer.forward(x)
        np.testing.assert_allclose(y, x / (1.0 + np.abs(x)))
        np.testing.assert_allclose(layer.backward(np.ones_like(x)), 1.0 / (1.0 + np.abs(x)) ** 2)
        with pytest.raises(common.ContractError, match=f"grader's own stand-in for {name}"):
            layer.backward(np.ones((2, 5)))

def test_sgd_bugs_fail_sgd_momentum_only(references):
    failures = failing(make_api(SGD=ForgetfulVelocity), references)
    assert "sgd_plain_steps" not in failures and "sgd_momentum_steps" in failures
    assert any(m.startswith("layers[0].W (after step 2):") for m in failures["sgd_momentum_steps"])
    assert scored_failures(failures) == {"sgd_momentum"}
    failures = failing(make_api(SGD=FirstLayerOnly), references)
    message = failures["sgd_velocities_start_at_zero"][0]
    assert message.startswith("layers[2].W (after step 1):"), message
    assert "the first step with momentum must equal a plain step" in message, message
    assert scored_failures(failures) == {"sgd_momentum"}


def test_decayed_biases_fail_weight_decay_only(references):
    failures = failing(make_api(SGD=BiasesDecayed), references)
    assert set(cases_of("weight_decay")) == set(failures)
    assert failures["weight_decay_plain"][0].startswith("weight decay: after every step")
    assert failures["weight_decay_plain"][1].startswith("layers[0].b (after step 1):")


def test_a_do_nothing_step_earns_no_weight_decay(references):
    class Idle(cw3_mlp.SGD):
        def step(self):
            pass
    messages = grade_case(make_api(SGD=Idle), CASE["weight_decay_plain"],
                          references["weight_decay_plain"])
    assert "weight decay had no effect: every W after step 1 is the same as with " \
           "weight_decay=0" in messages


def test_gradient_check_messages_name_the_check(references):
    messages = grade_case(make_api(ReLU=ReluFromGrad), CASE["gradcheck_relu"],
                          references["gradcheck_relu"])
    assert len(messages) == 1
    assert messages[0].startswith("gradient check failed: ReLU: dL/dX returned by backward "
                                  "(inputs away from 0): relative error")


def test_snapshot_turns_junk_into_a_named_error():
    for junk, said in [(None, "got None"), ([np.zeros(2), np.zeros(3)], "a list of 2 items"),
                       (np.array([True]), "booleans"), ("x", "a str"),
                       (np.ones, "a method that was not called?")]:
        with pytest.raises(common.ContractError, match="^linear.grad_W: ") as info:
            common.snapshot(junk, "linear.grad_W")
        assert said in str(info.value)
    value = np.ones(3)
    copy = common.snapshot(value, "x")
    value[0] = 5.0
    assert copy[0] == 1.0


# ------------------------------------------------------------------------------ isolation


def outputs(api, names) -> dict[str, dict]:
    return {name: run_case(api, CASE[name]) for name in names}


ISOLATED = {  # item -> the cases that must not run that item's code
    "relu": [n for n in CASE if CASE[n]["item"] in ("model", "sgd_momentum", "weight_decay")
             and "relu" not in CASE[n]["uses"]],
    "linear": [n for n in CASE if CASE[n]["item"] in ("model", "sgd_momentum", "weight_decay")
               and "linear" not in CASE[n]["uses"]],
    "sgd_momentum": [n for n in CASE if CASE[n]["item"] == "weight_decay"
                     and not CASE[n]["uses"]],
}


@pytest.mark.parametrize("broken", [
    ("relu", {"ReLU": ReluFromGrad}), ("relu", {"ReLU": ReluOneAtZero}),
    ("linear", {"Linear": LinearOverwrites}),
    ("linear", {"Linear": LinearWithoutBias}),
])
def test_a_broken_layer_changes_no_model_or_sgd_output(broken, references):
    item, overrides = broken
    got = outputs(make_api(**overrides), ISOLATED[item])
    for name in ISOLATED[item]:
        assert got[name].keys() == references[name].keys(), name
        assert all(np.array_equal(got[name][k], references[name][k]) for k in got[name]), name


def test_weight_decay_cases_without_uses_ignore_step_bugs(references):
    for sgd in (FirstLayerOnly, ForgetfulVelocity):
        assert failing(make_api(SGD=sgd), references, ISOLATED["sgd_momentum"]) == {}


# ------------------------------------------------------------------------------ mutants


def mutation_catalogue():
    spec = importlib.util.spec_from_file_location("cw3_mutants", GRADING / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cw3_mutants"] = module
    spec.loader.exec_module(module)
    return module.MUTANTS


MUTANTS = mutation_catalogue()


def apply_mutant(mutant, dest: Path) -> Path:
    package = dest / "cw3_mlp"
    shutil.copytree(CW3 / "cw3_mlp", package, ignore=shutil.ignore_patterns("__pycache__"))
    path = package / mutant.file
    text = path.read_text()
    for old, new in mutant.edits:
        assert text.count(old) == 1, (mutant.id, old)
        text = text.replace(old, new)
    path.write_text(text)
    return package


def test_the_catalogue_is_well_formed():
    assert len(MUTANTS) >= 30
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        assert m.targets and m.targets <= set(AUTOMATIC), m.id
        assert m.description and m.category and m.edits, m.id
        assert m.file in {f"{s}.py" for s in SUBMODULES}, m.id
    aimed = {t for m in MUTANTS for t in m.targets}
    assert aimed == set(AUTOMATIC) - {"gradient_checks"}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutant_is_caught_by_its_items_only(mutant, references, tmp_path):
    api = load_package(apply_mutant(mutant, tmp_path), f"cw3_mutant_{mutant.id}")
    failures = failing(api, references)
    assert scored_failures(failures) == set(mutant.targets)
    seen = {CASE[n]["item"] for n in failures if CASE[n]["suite"] == "visible"}
    hidden_only = {"linear_backward_uses_first_input", "relu_mask_from_first_forward",
                   "model_activation_after_single_linear"}
    assert (mutant.targets <= seen) == (mutant.id not in hidden_only), seen


# ------------------------------------------------------------------------------ alternatives


ALTERNATIVE_APIS = {
    "classical_momentum": lambda: load_package(ALTERNATIVES / "classical_momentum" / "cw3_mlp",
                                               "cw3_alt_classical"),
    "row_bias": lambda: load_package(ALTERNATIVES / "row_bias" / "cw3_mlp", "cw3_alt_row_bias"),
    "unknown_activation_key_error": lambda: load_package(
        ALTERNATIVES / "unknown_activation_key_error" / "cw3_mlp", "cw3_alt_key_error"),
    "velocities_dict": lambda: load_package(ALTERNATIVES / "velocities_dict" / "cw3_mlp",
                                            "cw3_alt_velocities_dict"),
    "velocities_vW_vb": lambda: load_package(ALTERNATIVES / "velocities_vW_vb" / "cw3_mlp",
                                             "cw3_alt_velocities_vW_vb"),
    "single_file": lambda: load_single_file(ALTERNATIVES / "single_file" / "cw3.py",
                                            "cw3_alt_single_file"),
}


def test_the_alternatives_are_the_ones_described():
    assert sorted(p.name for p in ALTERNATIVES.iterdir() if p.is_dir()) == \
        sorted(ALTERNATIVE_APIS)
    assert (ALTERNATIVES / "single_file" / "cw3.py").is_file()
    assert not (ALTERNATIVES / "row_bias" / "cw3_mlp" / "__init__.py").read_text().count(
        "import"), "row_bias keeps an __init__ without re-exports"


@pytest.mark.parametrize("name", list(ALTERNATIVE_APIS))
def test_alternative_passes_every_case_in_process(name, references):
    assert failing(ALTERNATIVE_APIS[name](), references) == {}


# ------------------------------------------------------------------------------ end to end


def grade_cli(submission: Path, out: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submission),
                           "--assignment", "cw3", "--suite", "all", "--json", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["solution", *ALTERNATIVE_APIS])
def test_full_marks_end_to_end(name, tmp_path):
    if not (ROOT / "data" / "cw3" / "hidden" / "manifest.json").is_file():
        pytest.fail("no CW3 references: run `python -m autograder references --assignment cw3`")
    submission = CW3 if name == "solution" else ALTERNATIVES / name
    result = grade_cli(submission, tmp_path / "result.json")
    failed = [(item["id"], case["name"], case["message"]) for item in result["items"]
              for case in item["cases"] if not case["passed"]]
    assert failed == []
    automatic = [item for item in result["items"] if item["id"] != "report"]
    assert all(item["score"] == item["max_score"] for item in automatic)
    assert result["score"] == result["max_score"] == 100
    # The solution folder holds no outputs/ or report.pdf; nothing else may be flagged.
    assert [f for f in result["flags"] if not f.startswith("missing-deliverable:")] == []


# ------------------------------------------------------------------------------ fair partial credit
# Issue 16: a forward bug costs only the forward cases; a structure case does not grade the
# unknown-activation error; SGD is graded on what its velocities do, not where they live, and
# on the gradients the layers hold when step() runs.

class LinearWithoutBias(cw3_mlp.Linear):
    def forward(self, X):
        self.X = X
        return X @ self.W


class LeakyReluForward(cw3_mlp.ReLU):
    def forward(self, X):
        self.mask = X > 0
        return np.where(self.mask, X, 0.01 * X)


class SigmoidForwardOff(cw3_mlp.Sigmoid):
    def forward(self, X):
        self.out = super().forward(X) * 0.5   # a wrong output, cached for backward
        return self.out


class CapturesGradients(cw3_mlp.SGD):
    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(layers, lr, momentum, weight_decay)
        self.grads = [(layer.grad_W, layer.grad_b) for layer in self.layers]

    def step(self):
        live = [(layer.grad_W, layer.grad_b) for layer in self.layers]
        for layer, (grad_W, grad_b) in zip(self.layers, self.grads):
            layer.grad_W, layer.grad_b = grad_W, grad_b
        try:
            super().step()
        finally:
            for layer, (grad_W, grad_b) in zip(self.layers, live):
                layer.grad_W, layer.grad_b = grad_W, grad_b


@pytest.mark.parametrize("cls, item", [("Linear", "linear"), ("ReLU", "relu"),
                                       ("Sigmoid", "sigmoid")])
def test_a_forward_bug_costs_the_forward_cases_only(cls, item, references):
    broken = {"Linear": LinearWithoutBias, "ReLU": LeakyReluForward,
              "Sigmoid": SigmoidForwardOff}[cls]
    failures = failing(make_api(**{cls: broken}), references, cases_of(item))
    forward = {n for n in cases_of(item)
               if CASE[n]["params"].get("mode", CASE[n]["params"].get("stage")) == "forward"}
    assert set(failures) == forward, failures
    assert len(cases_of(item)) > len(forward) >= 2


def test_unknown_activation_is_a_case_of_its_own(references):
    structure = [n for n in cases_of("model") if CASE[n]["family"] == "mlp_structure"]
    assert not any("bad_activation" in CASE[n]["params"] for n in structure)
    assert [n for n in cases_of("model") if CASE[n]["family"] == "mlp_unknown_activation"] == \
        ["model_unknown_activation"]

    class Silent(cw3_mlp.MLP):
        def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
            super().__init__(input_dim, hidden_dims, output_dim,
                             activation if activation in ("relu", "sigmoid") else "relu")
    failures = failing(make_api(MLP=Silent), references)
    assert set(failures) == {"model_unknown_activation"}
    assert "it raised nothing" in failures["model_unknown_activation"][0]


def test_sgd_that_keeps_the_gradient_arrays_of_init_is_caught(references):
    failures = failing(make_api(SGD=CapturesGradients), references)
    assert scored_failures(failures) == {"sgd_momentum"}
    assert "sgd_plain_steps" in failures and "sgd_training_loop" in failures

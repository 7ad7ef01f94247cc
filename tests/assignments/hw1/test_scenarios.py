"""The case families and case specs: the solution matches itself on every case, the grader's
helpers do what they claim, planted bugs fail exactly the items they belong to (with a message
naming the tensor or rule), and alternative correct implementations pass everything."""
from __future__ import annotations

import re
import tomllib
import types
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

import mlp
from autograder.compare import KEY_PATTERN, Comparison
from support import HW1_CASES, RUBRIC, assignment, families, family as get_family

FAMILIES = families()


# hw1's comparison settings, as grading passes them to every check.
COMPARE = Comparison(assignment("hw1").vector_names)


def judged(family, got: dict, expected: dict, params: dict) -> list[str]:
    """The family's own check, else the plain comparison, as grading judges a case."""
    check = getattr(family, "check", None)
    return check(got, expected, params, COMPARE) if check else COMPARE.all(got, expected, params)
common, training_stats = get_family("common"), get_family("training_stats")
Partial, ProbeCriterion, Softsign = common.Partial, common.ProbeCriterion, common.Softsign

AUTOGRADER = Path(__file__).resolve().parent.parent / "autograder"
CONTRACT = ("Activation", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Criterion",
            "SoftmaxCrossEntropy", "BatchNorm", "random_normal_weight_init", "zeros_bias_init",
            "MLP", "get_training_stats")


def load_cases() -> list[dict]:
    cases = []
    for suite in ("visible", "hidden"):
        with open(HW1_CASES / f"{suite}.toml", "rb") as f:
            cases += [{**case, "suite": suite} for case in tomllib.load(f)["case"]]
    return cases


CASES = load_cases()
CASE_BY_NAME = {case["name"]: case for case in CASES}


def make_api(**overrides) -> types.SimpleNamespace:
    """The namespace the sandbox hands to ``run``: the solution's names, some replaced."""
    return types.SimpleNamespace(**{**{name: getattr(mlp, name) for name in CONTRACT}, **overrides})


def run_case(api, case: dict) -> dict[str, np.ndarray]:
    """As the worker does it: run, then np.asarray(v, dtype=float) for every value."""
    arrays = get_family(case["family"]).run(api, case["params"])
    return {key: np.asarray(value, dtype=float) for key, value in arrays.items()}


def grade_case(api, case: dict, expected: dict) -> list[str]:
    """Failure messages of one case (an exception is a failure; a Partial's arrays still count)."""
    family = get_family(case["family"])
    try:
        got = run_case(api, case)
    except Partial as partial:
        got = {k: np.asarray(v, dtype=float) for k, v in partial.partial_arrays.items()}
        prefix = [f"raised {type(partial.exc).__name__}: {partial.exc}"]
        return prefix + judged(family, got, expected, case["params"])
    except Exception as exc:  # noqa: BLE001  (a planted bug may raise anything)
        return [f"raised {type(exc).__name__}: {exc}"]
    return judged(family, got, expected, case["params"])


@pytest.fixture(scope="module")
def references() -> dict[str, dict]:
    return {case["name"]: run_case(make_api(), case) for case in CASES}


def failing_cases(api, references) -> dict[str, list[str]]:
    return {case["name"]: messages for case in CASES
            if (messages := grade_case(api, case, references[case["name"]]))}


# ------------------------------------------------------------------------------ case specs


def test_case_specs_are_consistent():
    with open(RUBRIC, "rb") as f:
        items = {item["id"] for item in tomllib.load(f)["item"]}
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "case names must be unique across both suites"
    for case in CASES:
        assert set(case) == {"name", "family", "item", "uses", "params", "suite"}, case["name"]
        assert case["family"] in FAMILIES, case["name"]
        assert case["item"] in items, case["name"]
        assert set(case["uses"]) <= items - {case["item"]}, case["name"]
    for item in items:
        for suite in ("visible", "hidden"):
            count = sum(c["item"] == item and c["suite"] == suite for c in CASES)
            assert count >= 2, f"{item} has {count} {suite} cases"


def test_every_item_keeps_an_isolated_case_in_each_suite():
    """Each rubric item has, in the visible and in the hidden suite, a case with ``uses = []``:
    one that runs no other item's code whose bugs could change its verdict, so an item is
    always graded on its own (and a policy that excuses dependent cases never leaves it with
    nothing)."""
    with open(RUBRIC, "rb") as f:
        items = [item["id"] for item in tomllib.load(f)["item"]]
    for item in items:
        for suite in ("visible", "hidden"):
            isolated = [c["name"] for c in CASES
                        if c["item"] == item and c["suite"] == suite and not c["uses"]]
            assert isolated, f"{item} has no {suite} case with uses = []"


def test_update_rule_cases_do_not_use_backward_or_batchnorm():
    """Momentum and weight decay are graded on the student's own gradients (or known ones), so
    neither a backward nor a BatchNorm bug can change their verdicts."""
    for case in CASES:
        if case["item"] in ("momentum", "weight_decay"):
            assert not set(case["uses"]) & {"hidden_backward", "batchnorm_train",
                                            "hidden_forward"}, case["name"]


def test_get_family_names_unknown_families():
    assert get_family("batchnorm") is FAMILIES["batchnorm"]
    with pytest.raises(KeyError, match="unknown case family 'nope'; known: activation"):
        get_family("nope")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_solution_matches_itself(case, references):
    got = references[case["name"]]
    again = run_case(make_api(), case)
    assert got.keys() == again.keys()
    for key, value in got.items():
        assert KEY_PATTERN.match(key), key
        assert value.ndim <= 4 and np.all(np.isfinite(value)), key
        assert np.array_equal(value, again[key]), f"{key} is not deterministic"
    assert grade_case(make_api(), case, got) == []


def test_every_item_grades_something_non_trivial(references):
    """No case compares only zeros, except zero_grads cases (whose point is the zeros)."""
    for case in CASES:
        if case["family"] != "mlp_zero_grads":
            assert any(np.any(v != 0) for v in references[case["name"]].values()), case["name"]


# ------------------------------------------------------------------------------ helpers


def test_grader_init_functions():
    np.random.seed(3)
    state = np.random.get_state()[1].copy()
    bias = common.bias_init(5)
    assert np.array_equal(np.random.get_state()[1], state), "bias_init must not touch np.random"
    assert bias.shape == (1, 5) and np.all(bias != 0)
    assert np.array_equal(bias, common.bias_init(5))
    np.random.seed(3)
    assert np.array_equal(common.weight_init(4, 2), np.random.RandomState(3).randn(4, 2))


def test_probe_criterion_gives_its_upstream_gradient_both_ways():
    upstream = np.arange(6.0).reshape(2, 3)
    probe = ProbeCriterion(upstream)
    x = np.ones((2, 3))
    assert np.array_equal(probe(x, "labels"), [3.0, 12.0])
    assert probe.labels == "labels" and probe.logits is x or np.array_equal(probe.logits, x)
    assert np.array_equal(probe.forward(2 * x, None), [6.0, 24.0])
    assert np.array_equal(probe.loss, [6.0, 24.0])
    gradient = probe.derivative()
    gradient *= 0  # an in-place update by the caller must not change the next answer
    assert np.array_equal(probe.derivative(), upstream)
    with pytest.raises(ValueError, match=r"shape \(3, 2\); expected the network output"):
        probe(np.ones((3, 2)), None)


def test_softsign_derivative_matches_finite_differences():
    x = np.linspace(-4, 4, 10)  # not 0, where |x| has a kink
    act = Softsign()
    act(x)
    h = 1e-6
    numeric = (Softsign()(x + h) - Softsign()(x - h)) / (2 * h)
    assert np.allclose(act.derivative(), numeric, rtol=1e-7, atol=1e-9)


def test_spread_inputs_plant_extremes_and_zeros():
    x = common.spread_inputs(common.case_rng(1), (8, 5), scale=1.0, extreme=1000.0, zeros=4)
    assert np.count_nonzero(x == 1000.0) >= 2 and np.count_nonzero(x == -1000.0) >= 2
    assert np.count_nonzero(x == 0.0) == 4


def test_linear_backward_is_the_mean_loss_gradient(references):
    params = CASE_BY_NAME["linear_backward"]["params"]
    x, _, upstream = common.mlp_batch(params, 0)
    got = references["linear_backward"]
    assert np.allclose(got["mlp.dW[0]"], x.T @ upstream / len(x), rtol=1e-12)
    assert np.allclose(got["mlp.db[0]"], upstream.mean(axis=0, keepdims=True), rtol=1e-12)


def test_hidden_backward_matches_finite_differences(references):
    """The probe's mean loss, differentiated numerically through the grader's network."""
    case = CASE_BY_NAME["hidden_backward_two_layers"]
    params = case["params"]
    x, labels, upstream = common.mlp_batch(params, 0)
    network = common.build_mlp(make_api(), params, ProbeCriterion(upstream))

    def mean_loss():
        return np.mean(np.sum(upstream * network.forward(x), axis=1))

    numeric = np.zeros_like(network.W[1])
    for index in np.ndindex(numeric.shape):
        saved = network.W[1][index]
        network.W[1][index] = saved + 1e-6
        plus = mean_loss()
        network.W[1][index] = saved - 1e-6
        minus = mean_loss()
        network.W[1][index] = saved
        numeric[index] = (plus - minus) / 2e-6
    assert np.allclose(references[case["name"]]["mlp.dW[1]"], numeric, rtol=1e-6, atol=1e-9)


def test_training_stats_references_are_the_analytic_values(references):
    for case in CASES:
        if case["family"] == "training_stats":
            stats = training_stats.expected_stats(training_stats.make_dataset(case["params"]))
            for key, value in stats.items():
                assert np.allclose(references[case["name"]][key], value, rtol=1e-12), key


def test_training_stats_check_rejects_tampered_records(references):
    case = CASE_BY_NAME["training_stats_calls"]
    got = dict(references[case["name"]])
    got["record.forward_sizes"] = got["record.forward_sizes"][:-1]
    assert "inconsistent" in training_stats.check(got, references[case["name"]], case["params"],
                                                  COMPARE)[0]
    del got["record.events"]
    messages = training_stats.check(got, references[case["name"]], case["params"], COMPARE)
    assert "did not finish" in messages[0]


def test_training_stats_check_survives_garbage_records(references):
    """The records come from the student's process: any content gives messages, never a crash."""
    case = CASE_BY_NAME["training_stats_calls"]
    expected = references[case["name"]]
    rng = np.random.default_rng(0)
    for trial in range(200):
        got = dict(expected)
        key = sorted(k for k in got if k.startswith("record."))[trial % 6]
        got[key] = rng.choice([0.0, 1.0, 4.0, -1.0, 2.5, np.nan, 1e300], size=rng.integers(0, 40))
        messages = training_stats.check(got, expected, case["params"], COMPARE)
        assert messages and all(isinstance(m, str) for m in messages)
    for key in (k for k in expected if k.startswith("record.")):
        got = {**expected, key: np.array(3.0)}
        assert "inconsistent" in training_stats.check(got, expected, case["params"], COMPARE)[0]


def test_a_case_that_stops_midway_hands_back_what_it_computed():
    class FailsOnSecondStep(mlp.MLP):
        steps = 0

        def step(self):
            self.steps += 1
            if self.steps == 2:
                raise RuntimeError("boom")
            super().step()

    case = CASE_BY_NAME["momentum_update_rule"]
    with pytest.raises(Partial) as caught:
        get_family("mlp_update_rule").run(make_api(MLP=FailsOnSecondStep), case["params"])
    assert str(caught.value.exc) == "boom"
    assert set(caught.value.partial_arrays) == {"mlp.W[0]@after_step_1", "mlp.b[0]@after_step_1",
                                                "mlp.W[1]@after_step_1", "mlp.b[1]@after_step_1"}


# ------------------------------------------------------------------------------ planted bugs


class SigmoidDerivativeReapplied(mlp.Sigmoid):
    def derivative(self):
        s = 1.0 / (1.0 + np.exp(-self.state))
        return s * (1.0 - s)


class TanhFromExp(mlp.Tanh):
    def forward(self, x):
        with np.errstate(all="ignore"):
            e = np.exp(2.0 * x)
            self.state = (e - 1.0) / (e + 1.0)
        return self.state


class ReLUDerivativeOneAtZero(mlp.ReLU):
    def forward(self, x):
        self.input = x
        return super().forward(x)

    def derivative(self):
        return (self.input >= 0).astype(float)


class LeakyReLUForgetsAlpha(mlp.LeakyReLU):
    def derivative(self):
        return (self.state > 0).astype(float)


class SoftmaxDerivativeOverBatch(mlp.SoftmaxCrossEntropy):
    def derivative(self):
        return super().derivative() / len(self.labels)


class SoftmaxWithoutLogSumExp(mlp.SoftmaxCrossEntropy):
    def forward(self, x, y):
        self.logits, self.labels = x, y
        with np.errstate(all="ignore"):
            self.sm = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
            self.loss = -(y * np.log(self.sm)).sum(axis=1)
        return self.loss


def uniform_weight_init(d0, d1):
    return np.random.rand(d0, d1)


class BackwardSumsInsteadOfMean(mlp.MLP):
    def backward(self, labels):
        super().backward(labels)
        n = labels.shape[0]
        self.dW = [g * n for g in self.dW]
        self.db = [g * n for g in self.db]
        for bn in self.bn_layers:
            bn.dgamma, bn.dbeta = bn.dgamma * n, bn.dbeta * n


class BackwardSkipsActivationDerivative(mlp.MLP):
    def backward(self, labels):
        self.criterion(self.output, labels)
        delta = self.criterion.derivative() / labels.shape[0]
        for i in reversed(range(self.nlayers)):
            if i < self.num_bn_layers:
                delta = self.bn_layers[i].backward(delta)
            self.dW[i] = self.layer_inputs[i].T @ delta
            self.db[i] = delta.sum(axis=0).reshape(self.b[i].shape)
            delta = delta @ self.W[i].T


class ForwardSkipsHiddenActivations(mlp.MLP):
    def forward(self, x):
        self.layer_inputs, h = [], x
        for i in range(self.nlayers):
            self.layer_inputs.append(h)
            h = h @ self.W[i] + self.b[i]
            if i < self.num_bn_layers:
                h = self.bn_layers[i](h, eval=not self.train_mode)
            if i == self.nlayers - 1:
                h = self.activations[i](h)
        self.output = h
        return h


class BatchNormAfterActivation(mlp.MLP):
    def forward(self, x):
        self.layer_inputs, h = [], x
        for i in range(self.nlayers):
            self.layer_inputs.append(h)
            h = self.activations[i](h @ self.W[i] + self.b[i])
            if i < self.num_bn_layers:
                h = self.bn_layers[i](h, eval=not self.train_mode)
        self.output = h
        return h


class VelocityForgotten(mlp.MLP):
    def step(self):
        for v in self.W_velocity + self.b_velocity + self.gamma_velocity + self.beta_velocity:
            v.fill(0.0)
        super().step()


class WeightDecayOnBiases(mlp.MLP):
    def step(self):
        self.db = [g + self.weight_decay * b for g, b in zip(self.db, self.b)]
        super().step()


class StepSkipsBatchNorm(mlp.MLP):
    def step(self):
        for i in range(self.nlayers):
            self.apply_momentum(self.W[i], self.W_velocity[i],
                                self.dW[i] + self.weight_decay * self.W[i])
            self.apply_momentum(self.b[i], self.b_velocity[i], self.db[i])


class ZeroGradsDoesNothing(mlp.MLP):
    def zero_grads(self):
        pass


class BatchNormTrainingForward(mlp.BatchNorm):
    """The solution's training forward with one step swapped for a classic mistake."""
    ddof, eps_outside, swap_alpha = 0, False, False

    def forward(self, x, eval=False):
        if eval:
            return super().forward(x, eval=True)
        self.x, self.mean = x, x.mean(axis=0, keepdims=True)
        self.var = x.var(axis=0, ddof=self.ddof, keepdims=True)
        std = np.sqrt(self.var) + self.eps if self.eps_outside else np.sqrt(self.var + self.eps)
        self.norm = (x - self.mean) / std
        self.out = self.gamma * self.norm + self.beta
        old = 1.0 - self.alpha if self.swap_alpha else self.alpha
        self.running_mean = old * self.running_mean + (1.0 - old) * self.mean
        self.running_var = old * self.running_var + (1.0 - old) * self.var
        return self.out


class BatchNormUnbiasedVariance(BatchNormTrainingForward):
    ddof = 1


class BatchNormEpsOutsideSqrt(BatchNormTrainingForward):
    eps_outside = True


class BatchNormAlphaSwapped(BatchNormTrainingForward):
    swap_alpha = True


class BatchNormEvalUsesBatchStatistics(mlp.BatchNorm):
    def forward(self, x, eval=False):
        return super().forward(x, eval=False)


class BatchNormBackwardIgnoresStatistics(mlp.BatchNorm):
    def backward(self, delta):
        super().backward(delta)
        return delta * self.gamma / np.sqrt(self.var + self.eps)


def training_loop(*, reshuffle=True, shuffle=True, drop_last=False, mean_of_means=False,
                  call_train=True, backward_on_validation=False, separate_shuffles=False,
                  use_test=False, zero_grads=True, permutation=False, validate_in_batches=False,
                  validate=True, call_eval=True, extra_training_pass=False, batch_extra=0,
                  half_validation=False, step=True):
    """A get_training_stats with one protocol choice switchable (defaults: the contract)."""

    def get_training_stats(network, dset, nepochs, batch_size):
        (trainx, trainy), (valx, valy), (testx, testy) = dset
        if half_validation:
            valx, valy = valx[:len(valx) // 2], valy[:len(valy) // 2]
        batch_size += batch_extra
        n = len(trainx)
        stats = np.zeros((4, nepochs))
        order = np.arange(n)
        if not reshuffle:
            np.random.shuffle(order)
        for epoch in range(nepochs):
            if reshuffle and shuffle:
                order = np.random.permutation(n) if permutation else np.arange(n)
                if not permutation:
                    np.random.shuffle(order)
            labels_order = order
            if separate_shuffles:
                labels_order = order.copy()
                np.random.shuffle(labels_order)
            if call_train or epoch == 0:
                network.train()
            losses, mistakes, means = 0.0, 0, []
            stop = n - n % batch_size if drop_last else n
            for start in range(0, stop, batch_size):
                x = trainx[order[start:start + batch_size]]
                y = trainy[labels_order[start:start + batch_size]]
                if zero_grads:
                    network.zero_grads()
                out = network.forward(x)
                network.backward(y)
                if step:
                    network.step()
                losses += network.criterion.loss.sum()
                means.append(network.criterion.loss.mean())
                mistakes += np.sum(out.argmax(1) != y.argmax(1))
            stats[0, epoch] = np.mean(means) if mean_of_means else losses / n
            stats[1, epoch] = mistakes / n
            if call_eval:
                network.eval()
            if extra_training_pass:
                network.forward(trainx)
            chunks = range(0, len(valx), batch_size) if validate_in_batches else [0]
            chunks = chunks if validate else []
            val_losses, val_mistakes = [], 0
            for start in chunks:
                end = start + batch_size if validate_in_batches else len(valx)
                out = network.forward(valx[start:end])
                val_losses.append(network.criterion(out, valy[start:end]))
                val_mistakes += np.sum(out.argmax(1) != valy[start:end].argmax(1))
                if backward_on_validation:
                    network.backward(valy[start:end])
            if use_test:
                network.forward(testx)
            stats[2, epoch] = np.concatenate(val_losses).mean() if val_losses else 0.0
            stats[3, epoch] = val_mistakes / len(valx)
        return tuple(stats)

    return get_training_stats


@dataclass
class Bug:
    name: str
    overrides: dict
    items: set          # the items whose cases may fail (cases that use them may fail too)
    expect: str         # a failure message must contain this
    must_fail: set = field(default_factory=set)  # default: all of `items`
    visible: bool = True  # a visible case of its items catches it (students can see it)

    def __post_init__(self):
        self.must_fail = self.must_fail or set(self.items)


BUGS = [
    Bug("sigmoid_derivative_reapplied", {"Sigmoid": SigmoidDerivativeReapplied}, {"sigmoid"},
        "Sigmoid.derivative: "),
    Bug("tanh_from_exp_overflows", {"Tanh": TanhFromExp}, {"tanh"},
        "Tanh.forward: 4 of 35 NaN or inf where finite values were expected"),
    Bug("relu_derivative_one_at_zero", {"ReLU": ReLUDerivativeOneAtZero}, {"relu"},
        "ReLU.derivative: 5 of 30 values differ"),
    Bug("leaky_relu_forgets_alpha", {"LeakyReLU": LeakyReLUForgetsAlpha}, {"leaky_relu"},
        "LeakyReLU.derivative: "),
    Bug("softmax_derivative_over_batch", {"SoftmaxCrossEntropy": SoftmaxDerivativeOverBatch},
        {"softmax_cross_entropy"}, "SoftmaxCrossEntropy.derivative: "),
    Bug("softmax_without_log_sum_exp", {"SoftmaxCrossEntropy": SoftmaxWithoutLogSumExp},
        {"softmax_cross_entropy"}, "SoftmaxCrossEntropy.forward: "),
    Bug("uniform_weights", {"random_normal_weight_init": uniform_weight_init}, {"initializers"},
        "W: "),
    Bug("backward_sums_instead_of_mean", {"MLP": BackwardSumsInsteadOfMean},
        {"linear_classifier", "hidden_backward", "batchnorm_train"}, "mlp.dW[0]: "),
    Bug("backward_skips_activation_derivative", {"MLP": BackwardSkipsActivationDerivative},
        {"hidden_backward"}, "mlp.dW[0]: "),
    Bug("forward_skips_hidden_activations", {"MLP": ForwardSkipsHiddenActivations},
        {"hidden_forward", "hidden_backward"}, "mlp.forward: "),
    Bug("batchnorm_after_activation", {"MLP": BatchNormAfterActivation},
        {"batchnorm_train", "batchnorm_inference"}, "mlp.forward: "),
    Bug("velocity_forgotten", {"MLP": VelocityForgotten}, {"momentum"},
        "mlp.W[0] (after step 2): "),
    Bug("weight_decay_on_biases", {"MLP": WeightDecayOnBiases}, {"weight_decay"},
        "mlp.b[0] (after step 1): "),
    Bug("step_skips_batchnorm", {"MLP": StepSkipsBatchNorm}, {"momentum"},
        "mlp.bn_layers[0].gamma (after step 1): "),
    Bug("zero_grads_does_nothing", {"MLP": ZeroGradsDoesNothing},
        {"linear_classifier", "batchnorm_train"}, "mlp.dW[0]: "),
    Bug("batchnorm_unbiased_variance", {"BatchNorm": BatchNormUnbiasedVariance},
        {"batchnorm_train", "batchnorm_inference"}, "bn.forward: "),
    Bug("batchnorm_eps_outside_sqrt", {"BatchNorm": BatchNormEpsOutsideSqrt},
        {"batchnorm_train", "batchnorm_inference"}, "bn.forward: ", {"batchnorm_train"}),
    Bug("batchnorm_alpha_swapped", {"BatchNorm": BatchNormAlphaSwapped},
        {"batchnorm_train", "batchnorm_inference"}, "bn.running_mean (after batch 1): "),
    Bug("batchnorm_eval_uses_batch_statistics", {"BatchNorm": BatchNormEvalUsesBatchStatistics},
        {"batchnorm_inference"}, "bn.forward (eval mode): "),
    Bug("batchnorm_backward_ignores_statistics",
        {"BatchNorm": BatchNormBackwardIgnoresStatistics}, {"batchnorm_train"}, "bn.backward: "),
    Bug("training_shuffles_once", {"get_training_stats": training_loop(reshuffle=False)},
        {"training_stats"}, "epoch 2 used the same sample order as epoch 1"),
    Bug("training_never_shuffles", {"get_training_stats": training_loop(shuffle=False)},
        {"training_stats"}, "epoch 1 trained on the samples in their stored order"),
    Bug("training_drops_last_batch", {"get_training_stats": training_loop(drop_last=True)},
        {"training_stats"}, "epoch 1: 3 of 23 training samples were not used (the last, "
                            "smaller batch of 3 is missing)"),
    Bug("training_loss_mean_of_batch_means",
        {"get_training_stats": training_loop(mean_of_means=True)}, {"training_stats"},
        "training_loss: 3 of 3 values differ"),
    Bug("training_stays_in_eval_mode", {"get_training_stats": training_loop(call_train=False)},
        {"training_stats"}, "epoch 2: training batches ran in eval mode: call mlp.train()"),
    Bug("training_backward_on_validation",
        {"get_training_stats": training_loop(backward_on_validation=True)}, {"training_stats"},
        "backward() was called on validation data"),
    Bug("training_shuffles_labels_separately",
        {"get_training_stats": training_loop(separate_shuffles=True)}, {"training_stats"},
        "the labels passed to backward() are not the labels of the samples"),
    Bug("training_uses_test_split", {"get_training_stats": training_loop(use_test=True)},
        {"training_stats"}, "the test split was passed to forward()"),
    Bug("training_without_zero_grads", {"get_training_stats": training_loop(zero_grads=False)},
        {"training_stats"}, "backward() was called without zero_grads()"),
]


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_planted_bug_fails_its_items_only(bug, references):
    failing = failing_cases(make_api(**bug.overrides), references)
    allowed = {case["name"] for case in CASES
               if case["item"] in bug.items or bug.items & set(case["uses"])}
    assert set(failing) <= allowed, f"unrelated cases failed: {sorted(set(failing) - allowed)}"
    for item in bug.must_fail:
        caught = [name for name in failing if CASE_BY_NAME[name]["item"] == item]
        assert caught, f"no {item} case caught {bug.name}"
    messages = [message for messages in failing.values() for message in messages]
    assert any(bug.expect in message for message in messages), messages[:5]
    if bug.visible:
        assert any(CASE_BY_NAME[name]["suite"] == "visible"
                   and CASE_BY_NAME[name]["item"] in bug.items for name in failing)


def test_training_stats_groups_fail_separately(references):
    """Each training_stats case checks one group of rules, so one mistake costs one group."""
    failing = failing_cases(make_api(get_training_stats=training_loop(reshuffle=False)),
                            references)
    assert {CASE_BY_NAME[n]["params"].get("checks", ["all"])[0] for n in failing} <= {"shuffle",
                                                                                       "all"}
    assert "training_stats_shuffle" in failing and "training_stats_values" not in failing


@pytest.mark.parametrize("flags, group, text", [
    ({"validate": False}, "batches", "expected 3 epochs, each training on every batch and then "
                                     "evaluating the validation set once: the validation set "
                                     "was never passed to forward()"),
    ({"call_eval": False}, "modes", "epoch 1: validation ran in train mode: call mlp.eval()"),
    ({"extra_training_pass": True}, "calls", "a forward() on training data was not followed by "
                                             "backward() and step()"),
    ({"batch_extra": 1}, "batches", "epoch 1: batch sizes were [6, 6, 6, 5]; expected [5, 5, 5, "
                                    "5, 3] (batches of batch_size=5, the last one smaller)"),
    ({"half_validation": True}, "batches", "epoch 1: the validation pass covered 5 of 11 "
                                           "validation samples: evaluate every validation sample "
                                           "exactly once"),
    ({"step": False}, "calls", "a training batch had forward() and backward() but no step()"),
])
def test_training_stats_rules_explain_themselves(flags, group, text, references):
    case = CASE_BY_NAME[f"training_stats_{group}"]
    messages = grade_case(make_api(get_training_stats=training_loop(**flags)), case,
                          references[case["name"]])
    assert any(message.startswith(text) for message in messages), messages


def test_training_stats_needs_four_results():
    case = CASE_BY_NAME["training_stats_values"]
    with pytest.raises(ValueError, match="must return four arrays"):
        get_family("training_stats").run(
            make_api(get_training_stats=lambda *args: (1.0, 2.0)), case["params"])
    with pytest.raises(ValueError, match="must return four arrays"):
        get_family("training_stats").run(
            make_api(get_training_stats=lambda *args: None), case["params"])


# -------------------------------------------------------------------------- fair to student code


def test_snapshot_copies_now_and_names_junk():
    value = np.arange(3.0)
    copy = common.snapshot(value, "X.forward")
    value[:] = -1.0
    assert np.array_equal(copy, [0.0, 1.0, 2.0]) and copy.dtype == np.float64
    assert np.array_equal(common.snapshot([[1, 2]], "x"), [[1.0, 2.0]])
    assert common.snapshot(True, "flag") == 1.0
    for junk, got in ((None, "got None"), ("1.5", "got a str"), ({}, "got a dict of 0 items"),
                      ([np.zeros(2), np.zeros(3)], "got a list of 2 items"),
                      (object(), "got an object"),
                      (np.array([{"a": 1}], dtype=object), "got an array of shape (1,)")):
        with pytest.raises(common.ContractError, match=rf"^ReLU.forward: expected an array of "
                                                       rf"numbers, {re.escape(got)}$"):
            common.snapshot(junk, "ReLU.forward")
    with pytest.raises(common.ContractError, match="W: the array is too large"):
        common.snapshot(np.broadcast_to(1.0, (100_000, 1_000)), "W")


class ReLUDerivativeInPlace(mlp.ReLU):
    """A real 2019 submission: derivative() overwrites self.state, which forward() returned."""

    def derivative(self):
        self.state[self.state > 0.0] = 1.0
        return self.state


def test_in_place_derivative_costs_only_its_side_effect_case(references):
    failing = failing_cases(make_api(ReLU=ReLUDerivativeInPlace), references)
    assert failing == {"relu_derivative_keeps_forward_output": [
        "ReLU.derivative() changed, in place, the array forward() returned (self.state is that "
        "same array): forward's values were right, but derivative() must return a new array "
        "and leave self.state alone"]}


def test_side_effect_case_blames_forward_when_forward_is_wrong(references):
    class ReLUWrongForward(mlp.ReLU):
        def forward(self, x):
            self.state = np.abs(x)
            return self.state

    case = CASE_BY_NAME["relu_derivative_keeps_forward_output"]
    messages = grade_case(make_api(ReLU=ReLUWrongForward), case, references[case["name"]])
    assert messages[0].startswith("ReLU.forward: ")
    assert not any("in place" in m for m in messages)


class GradientListsBuiltByBackward(mlp.MLP):
    """dW is None until backward() makes it (zero_grads() rebuilds it)."""
    empty = None

    def initialize_parameters(self, hiddens, weight_init_fn, bias_init_fn):
        super().initialize_parameters(hiddens, weight_init_fn, bias_init_fn)
        self.dW = self.empty

    def backward(self, labels):
        self.dW = [np.zeros_like(W) for W in self.W]
        super().backward(labels)

    def zero_grads(self):
        self.dW = [np.zeros_like(W) for W in self.W]
        super().zero_grads()


@pytest.mark.parametrize("empty, got", [(None, "got None"), ([], "got a list of 0 items"),
                                        ((), "got a tuple of 0 items")])
def test_contract_messages_name_the_attribute(empty, got, references):
    network = type("Net", (GradientListsBuiltByBackward,), {"empty": empty})
    failing = failing_cases(make_api(MLP=network), references)
    # Only the zero_grads cases that own the constructor contract (linear_classifier's) fail:
    # the update-rule and BatchNorm cases inject their own gradient lists (issue 16).
    assert set(failing) == {name for name, case in CASE_BY_NAME.items()
                            if case["family"] == "mlp_zero_grads"
                            and case["params"].get("constructor_contract", True)}
    assert {CASE_BY_NAME[name]["item"] for name in failing} == {"linear_classifier"}
    assert failing["linear_zero_grads"] == [
        f"raised ContractError: after MLP(...), mlp.dW must be a list of 1 arrays shaped like "
        f"mlp.W; {got}"]


def test_contract_messages_give_the_shape_expected():
    params = CASE_BY_NAME["hidden_backward_two_layers"]["params"]  # 7-6-5-4
    network = common.build_mlp(make_api(), params, ProbeCriterion(np.zeros((5, 4))))
    common.check_layer_lists(network, params, ("W", "b", "dW", "db"))
    network.dW[1] = np.zeros((5, 6))
    with pytest.raises(common.ContractError, match=re.escape(
            "after MLP(...), mlp.dW[1] has shape (5, 6); expected (6, 5) like mlp.W[1]")):
        common.check_layer_lists(network, params, ("dW",))
    network.dW[1] = np.zeros((6, 5))
    network.db[2] = np.zeros(4)  # the other form of b[2]'s (1, 4): allowed
    common.check_layer_lists(network, params, ("W", "b", "dW", "db"))
    network.db[2] = np.zeros((4, 1))
    with pytest.raises(common.ContractError, match=re.escape(
            "mlp.db[2] has shape (4, 1); expected (1, 4) or (4,) like mlp.b[2]")):
        common.check_layer_lists(network, params, ("db",))
    network.W[0] = network.W[0].T
    with pytest.raises(common.ContractError, match=re.escape(
            "mlp.W[0] has shape (6, 7); expected (7, 6) (inputs, outputs) of layer 0")):
        common.check_layer_lists(network, params, ("W",))
    network.b[1] = None
    with pytest.raises(common.ContractError, match=re.escape(
            "mlp.b[1] must be an array of shape (1, 5) or (5,); got None")):
        common.check_layer_lists(network, params, ("b",))


def test_bn_layers_contract_is_checked_before_the_grader_sets_gamma():
    class NoBatchNormObjects(mlp.MLP):
        def initialize_parameters(self, hiddens, weight_init_fn, bias_init_fn):
            super().initialize_parameters(hiddens, weight_init_fn, bias_init_fn)
            self.bn_layers = []

    case = CASE_BY_NAME["mlp_bn_forward"]
    with pytest.raises(common.ContractError, match=re.escape(
            "after MLP(...), mlp.bn_layers must be a list of 1 BatchNorm objects "
            "(num_bn_layers=1); got a list of 0 items")):
        get_family("mlp_forward").run(make_api(MLP=NoBatchNormObjects), case["params"])


def loop_with(edit_line):
    """The contract's training loop with one batch line changed by ``edit_line(mlp, y)``."""
    def get_training_stats(network, dset, nepochs, batch_size):
        (trainx, trainy), (valx, valy), _ = dset
        for _ in range(nepochs):
            network.train()
            for start in range(0, len(trainx), batch_size):
                network.zero_grads()
                network.forward(trainx[start:start + batch_size])
                edit_line(network, trainy[start:start + batch_size])
                network.step()
        return np.zeros((4, nepochs))
    return get_training_stats


def test_training_loop_unpacking_backward_is_told_it_returns_nothing():
    def unpack(network, y):
        loss, error = network.backward(y)

    case = CASE_BY_NAME["training_stats_values"]
    with pytest.raises(TypeError) as caught:
        get_family("training_stats").run(make_api(get_training_stats=loop_with(unpack)),
                                         case["params"])
    assert str(caught.value).startswith(
        "backward() returns nothing in the handout's MLP; compute the loss and error from "
        "mlp.criterion / the forward output instead")

    def add(network, y):
        network.zero_grads() + 1

    with pytest.raises(TypeError, match=r"^zero_grads\(\) returns nothing in the handout's MLP"):
        get_family("training_stats").run(make_api(get_training_stats=loop_with(add)),
                                         case["params"])


def test_training_loop_using_other_attributes_is_told_the_interface():
    case = CASE_BY_NAME["training_stats_values"]
    for use, name, offered in (
            (lambda network: network.my_helper(), "mlp.my_helper",
             ("train()", "eval()", "zero_grads()", "forward(x)", "backward(labels) returning "
              "nothing", "step()", "mlp.criterion")),
            (lambda network: network.criterion.sm, "mlp.criterion.sm",
             ("mlp.criterion(out, labels)", ".loss", ".derivative()"))):
        def line(network, y, use=use):
            network.backward(y)
            use(network)

        with pytest.raises(AttributeError) as caught:
            get_family("training_stats").run(make_api(get_training_stats=loop_with(line)),
                                             case["params"])
        message = str(caught.value)
        assert message.startswith(f"get_training_stats used {name}, which the grader's "), message
        assert "RecordingMLP" not in message and "FakeCriterion" not in message
        assert all(text in message for text in offered), message
    assert not hasattr(training_stats.RecordingMLP(np.zeros((2, 2))), "bn_layers")


class BatchNormGradientsSwapped(mlp.BatchNorm):
    def backward(self, delta):
        dx = super().backward(delta)
        self.dgamma, self.dbeta = self.dbeta, self.dgamma
        return dx


class BackwardRaises(mlp.MLP):
    def backward(self, labels):
        raise ValueError("shapes (4,3) and (4,4) not aligned")


class BackwardGivesNaN(mlp.MLP):
    def backward(self, labels):
        super().backward(labels)
        self.dW[0] = self.dW[0] * np.nan


class ZeroGradsResetsVelocity(mlp.MLP):
    def zero_grads(self):
        super().zero_grads()
        for v in self.W_velocity + self.b_velocity + self.gamma_velocity + self.beta_velocity:
            v.fill(0.0)


@pytest.mark.parametrize("overrides", [
    {"BatchNorm": BatchNormGradientsSwapped}, {"BatchNorm": BatchNormUnbiasedVariance},
    {"MLP": BackwardRaises}, {"MLP": BackwardGivesNaN}, {"MLP": BackwardSumsInsteadOfMean},
    {"MLP": BackwardSkipsActivationDerivative}, {"MLP": ZeroGradsDoesNothing},
], ids=["bn_gradients_swapped", "bn_unbiased_variance", "backward_raises", "backward_nan",
        "backward_sums", "backward_skips_derivative", "zero_grads_does_nothing"])
def test_training_steps_grade_the_update_rule_on_the_students_own_gradients(overrides,
                                                                            references):
    """Whatever backward() and BatchNorm give, step() applying the rule passes every
    momentum and weight decay case."""
    failing = failing_cases(make_api(**overrides), references)
    assert not {n for n in failing if CASE_BY_NAME[n]["item"] in ("momentum", "weight_decay")}


def test_training_steps_say_which_gradient_the_rule_was_given(references):
    case = CASE_BY_NAME["momentum_training"]
    messages = grade_case(make_api(MLP=ZeroGradsResetsVelocity), case, references[case["name"]])
    assert messages[0].startswith("mlp.W[0] (after step 2): ")
    assert messages[0].endswith(
        "(expected from v = momentum * v - lr * g; p = p + v, with p = mlp.W[0] before the step "
        "and g = your own mlp.dW[0] at that step)")
    both = make_api(MLP=type("Both", (ZeroGradsResetsVelocity, BackwardRaises), {}))
    messages = grade_case(both, case, references[case["name"]])
    assert "and g = the mlp.dW[0] the grader wrote at that step" in messages[0]
    class NothingHappens(mlp.MLP):  # all-zero gradients must not make a no-op step() pass
        def backward(self, labels):
            pass

        def step(self):
            pass

    messages = grade_case(make_api(MLP=NothingHappens), case, references[case["name"]])
    assert messages[0].startswith("mlp.W[0] (after step 1): ")
    decay = CASE_BY_NAME["weight_decay_momentum"]
    messages = grade_case(make_api(MLP=WeightDecayOnBiases), decay, references[decay["name"]])
    assert messages == [m for m in messages if m.startswith("mlp.b[")] and messages


def test_training_steps_check_survives_bad_records(references):
    """Records come from the student's process: NaN, wrong shapes or missing keys give
    messages, never a crash."""
    case = CASE_BY_NAME["momentum_training_bn"]
    expected, family = references[case["name"]], get_family("mlp_training_steps")
    got = dict(expected)
    got["mlp.dW[0]@step_1"] = got["mlp.dW[0]@step_1"] * np.nan
    assert family.check(got, expected, case["params"], COMPARE) == [
        "mlp.W[0] (after step 1): step() cannot be checked: mlp.dW[0] holds NaN or inf at step "
        "1 (right after backward())"]
    got = dict(expected)
    got["mlp.bn_layers[0].dgamma@step_2"] = np.zeros(7)
    assert "has shape (7,)" in family.check(got, expected, case["params"], COMPARE)[0]
    got = {k: v for k, v in expected.items() if not k.endswith("step_3")}
    messages = family.check(got, expected, case["params"], COMPARE)
    assert messages[0].endswith("missing (the case stopped before producing it)")
    rng = np.random.default_rng(1)
    for trial in range(100):
        got = dict(expected)
        key = sorted(got)[trial % len(got)]
        got[key] = rng.choice([0.0, np.nan, np.inf, 1e300], size=rng.integers(0, 6))
        messages = family.check(got, expected, case["params"], COMPARE)
        assert all(isinstance(m, str) for m in messages)


def test_weight_decay_is_graded_apart_from_momentum(references):
    case = CASE_BY_NAME["weight_decay_matches_decayed_gradient"]
    assert grade_case(make_api(MLP=VelocityForgotten), case, references[case["name"]]) == []
    messages = grade_case(make_api(MLP=WeightDecayOnBiases), case, references[case["name"]])
    assert messages and messages[0].startswith("mlp.b[0] (after step 1): ")
    assert messages[0].endswith("(expected: what your own step() gives with weight_decay=0 and "
                                "the same mlp.db[0]: weight decay changes the gradients of the "
                                "weights W only, not of b, gamma or beta)")


# ------------------------------------------------------------------------------ alternatives


class BiasVectorMLP(mlp.MLP):
    """Keeps every bias as an (n,) vector."""

    def initialize_parameters(self, hiddens, weight_init_fn, bias_init_fn):
        super().initialize_parameters(hiddens, weight_init_fn, bias_init_fn)
        self.b = [b.reshape(-1) for b in self.b]
        self.db = [np.zeros_like(b) for b in self.b]
        self.b_velocity = [np.zeros_like(b) for b in self.b]


class TorchStyleMomentumMLP(mlp.MLP):
    """buffer = momentum * buffer + g; p -= lr * buffer (PyTorch's SGD): the same trajectory."""

    def apply_momentum(self, param, velocity, grad):
        velocity *= self.momentum
        velocity += grad
        param -= self.lr * velocity


class LongFormBatchNorm(mlp.BatchNorm):
    """One-pass variance and the step-by-step chain rule through mean and var."""

    def forward(self, x, eval=False):
        if eval:
            return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) \
                + self.beta
        self.x = x
        self.mean = np.sum(x, axis=0, keepdims=True) / len(x)
        self.var = np.sum(x * x, axis=0, keepdims=True) / len(x) - self.mean ** 2
        self.norm = (x - self.mean) * (self.var + self.eps) ** -0.5
        self.out = self.norm * self.gamma + self.beta
        self.running_mean = self.running_mean * self.alpha + self.mean * (1 - self.alpha)
        self.running_var = self.running_var * self.alpha + self.var * (1 - self.alpha)
        return self.out

    def backward(self, delta):
        n = len(delta)
        centred = self.x - self.mean
        dnorm = delta * self.gamma
        dvar = np.sum(dnorm * centred, axis=0, keepdims=True) * -0.5 * (self.var + self.eps) ** -1.5
        dmean = (-np.sum(dnorm, axis=0, keepdims=True) / np.sqrt(self.var + self.eps)
                 - 2.0 / n * dvar * np.sum(centred, axis=0, keepdims=True))
        self.dgamma = np.sum(delta * self.norm, axis=0, keepdims=True)
        self.dbeta = np.sum(delta, axis=0, keepdims=True)
        return dnorm / np.sqrt(self.var + self.eps) + dvar * 2.0 * centred / n + dmean / n


class SigmoidFromTanh(mlp.Sigmoid):
    def forward(self, x):
        self.state = 0.5 * (1.0 + np.tanh(0.5 * x))
        return self.state


class TanhFromSigmoid(mlp.Tanh):
    def forward(self, x):
        s = mlp.Sigmoid()(2.0 * x)
        self.state = 2.0 * s - 1.0
        return self.state


class SoftmaxFromLogSumExp(mlp.SoftmaxCrossEntropy):
    def forward(self, x, y):
        self.logits, self.labels = x, y
        top = np.max(x, axis=1)
        log_sum = top + np.log(np.sum(np.exp(x - top[:, None]), axis=1))
        self.sm = np.exp(x - log_sum[:, None])
        self.loss = log_sum - np.sum(y * x, axis=1)
        return self.loss


def normal_weight_init(d0, d1):
    return np.random.normal(0.0, 1.0, size=(d0, d1))


def vector_zeros(d):
    return np.zeros(d)


ALTERNATIVES = {
    "bias_vectors": {"MLP": BiasVectorMLP},
    "torch_style_momentum": {"MLP": TorchStyleMomentumMLP},
    "long_form_batchnorm": {"BatchNorm": LongFormBatchNorm},
    "sigmoid_from_tanh": {"Sigmoid": SigmoidFromTanh},
    "tanh_from_sigmoid": {"Tanh": TanhFromSigmoid},
    "softmax_from_log_sum_exp": {"SoftmaxCrossEntropy": SoftmaxFromLogSumExp},
    "normal_and_vector_initializers": {"random_normal_weight_init": normal_weight_init,
                                       "zeros_bias_init": vector_zeros},
    "permutation_and_batched_validation": {
        "get_training_stats": training_loop(permutation=True, validate_in_batches=True)},
}


@pytest.mark.parametrize("name", ALTERNATIVES)
def test_alternative_correct_code_passes_every_case(name, references):
    assert failing_cases(make_api(**ALTERNATIVES[name]), references) == {}

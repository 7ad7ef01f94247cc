"""hw1's oracle, which the generic tests/test_reference_oracle.py runs on every saved case: the
SAVED reference tensors (data/hw1/*/) checked against oracles that are not the solution (issue
5, item 5). Every case's inputs are rebuilt from its params with the scenario helpers, then

* finite differences, always: forward values from textbook formulas evaluated in extended
  precision (np.longdouble), every derivative and gradient by central differences of those
  formulas, and parameter trajectories from finite-difference gradients;
* PyTorch autograd and torch.optim.SGD, when torch imports (each torch test skips otherwise).

Families with nothing to derive are checked for what they must hold: zero_grads cases are zeros,
vectorisation references report no excess growth.
"""
from __future__ import annotations

import types

import numpy as np
import pytest

from support import family

activation, batchnorm = family("activation"), family("batchnorm")
softmax_cross_entropy, stats_family = family("softmax_cross_entropy"), family("training_stats")
_common = family("common")
bias_init, case_rng, layer_sizes = _common.bias_init, _common.case_rng, _common.layer_sizes
mlp_batch, set_affine, write_gradients = _common.mlp_batch, _common.set_affine, _common.write_gradients

LD = np.longdouble
EPS = 1e-8
# Families with nothing to derive: what their check holds them to instead.
REASONS = {"mlp_zero_grads": "the reference must be zeros",
           "vectorisation": "a timing, not a tensor: the reference reports no growth"}


def assert_close(name, got, oracle, rtol=1e-6, atol=1e-8):
    """The saved array against the oracle, with the grader's shape of tolerance (compare.py)."""
    got = np.asarray(got, dtype=float)
    oracle = np.asarray(oracle, dtype=float).reshape(got.shape)
    scale = max(1.0, float(np.max(np.abs(oracle), initial=0.0)))
    np.testing.assert_allclose(got, oracle, rtol=rtol, atol=atol * scale, err_msg=name)


def central_difference(f, x: np.ndarray, h: float) -> np.ndarray:
    """d f / d x for scalar f of the array x (extended precision), one entry at a time."""
    x = np.array(x, dtype=LD)
    grad = np.zeros(x.shape, dtype=LD)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + h
        up = f(x)
        x[index] = saved - h
        down = f(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * h)
    return grad


# ------------------------------------------------------------------ activations, loss, init

def activation_oracle(name: str, alpha: float):
    """Textbook forward in extended precision (exp of 1e3 is finite in long double)."""
    return {"Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
            "Tanh": lambda x: (np.exp(2 * x) - 1) / (np.exp(2 * x) + 1),
            "ReLU": lambda x: np.where(x > 0, x, LD(0)),
            "LeakyReLU": lambda x: np.where(x > 0, x, LD(alpha) * x)}[name]


def activation_references_match_finite_differences(case):
    p, ref = case.params, case.reference()
    name, x = p["cls"], activation.make_inputs(p).astype(LD)
    f = activation_oracle(name, float(p.get("alpha", 0.01)))
    out = f(x)
    assert_close(f"{name}.forward", ref[f"{name}.forward"], out)
    assert_close(f"{name}.state", ref[f"{name}.state"], out)
    smooth = np.tanh if name == "Tanh" else f  # e^2x of 2e3 +/- h loses the difference
    h = LD(1e-7)
    derivative = (smooth(x + h) - smooth(x - h)) / (2 * h)
    if name == "ReLU":  # the contract's convention at the kink
        derivative = np.where(x == 0, LD(0), derivative)
    assert_close(f"{name}.derivative", ref[f"{name}.derivative"], derivative, atol=1e-8)


def sce_oracle(logits, labels):
    """Per-sample losses and softmax in extended precision."""
    x = logits.astype(LD)
    top = x.max(axis=1, keepdims=True)
    log_z = top + np.log(np.exp(x - top).sum(axis=1, keepdims=True))
    return -(labels * (x - log_z)).sum(axis=1), np.exp(x - log_z)


def softmax_cross_entropy_references_match_finite_differences(case):
    ref = case.reference()
    logits, labels = softmax_cross_entropy.make_inputs(case.params)
    loss, sm = sce_oracle(logits, labels)
    assert_close("forward", ref["SoftmaxCrossEntropy.forward"], loss)
    assert_close("sm", ref["SoftmaxCrossEntropy.sm"], sm)
    derivative = np.stack([central_difference(lambda row: sce_oracle(row, labels[n:n + 1])[0][0],
                                              logits[n:n + 1].astype(LD), 1e-6)[0]
                           for n in range(len(logits))])
    assert_close("derivative", ref["SoftmaxCrossEntropy.derivative"], derivative, atol=1e-7)


def initializer_references_are_the_seeded_standard_normal(case):
    p, ref = case.params, case.reference()
    expected = np.random.RandomState(p["seed"]).standard_normal((p["d0"], p["d1"]))
    assert np.array_equal(ref["W"], expected)
    assert ref["b"].size == p["d1"] and not np.any(ref["b"])


# ------------------------------------------------------------------ BatchNorm

def bn_forward(x, gamma, beta):
    """Training-mode BatchNorm in extended precision: out, mean, biased var, norm."""
    mean = x.mean(axis=0, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=0, keepdims=True)
    norm = (x - mean) / np.sqrt(var + EPS)
    return gamma * norm + beta, mean, var, norm


def bn_affine(params: dict) -> tuple[np.ndarray, np.ndarray]:
    layer = types.SimpleNamespace(gamma=np.ones((1, int(params["fan_in"]))))
    set_affine(layer, case_rng(params["seed"], stream=99))
    return layer.gamma, layer.beta


def batchnorm_references_match_finite_differences(case):
    p, ref = case.params, case.reference()
    alpha = LD(p.get("alpha", 0.9))
    gamma, beta = (v.astype(LD) for v in bn_affine(p))
    running_mean, running_var = np.zeros_like(gamma), np.ones_like(gamma)
    for step in range(int(p.get("steps", 0))):
        _, mean, var, _ = bn_forward(batchnorm.make_batch(p, 1 + step).astype(LD), gamma, beta)
        running_mean = alpha * running_mean + (1 - alpha) * mean
        running_var = alpha * running_var + (1 - alpha) * var
        if p["mode"] == "running":
            assert_close("running_mean", ref[f"bn.running_mean@after_batch_{step + 1}"],
                         running_mean)
            assert_close("running_var", ref[f"bn.running_var@after_batch_{step + 1}"],
                         running_var)
    x = batchnorm.make_batch(p, 0).astype(LD)
    out, mean, var, norm = bn_forward(x, gamma, beta)
    if p["mode"] == "forward":
        assert_close("bn.forward", ref["bn.forward"], out)
    elif p["mode"] == "attributes":
        for key, value in (("bn.mean", mean), ("bn.var", var), ("bn.norm", norm)):
            assert_close(key, ref[key], value)
    elif p["mode"] == "inference":
        eval_out = gamma * (x - running_mean) / np.sqrt(running_var + EPS) + beta
        assert_close("eval forward", ref["bn.forward@eval_mode"], eval_out)
        assert_close("running_mean", ref["bn.running_mean@after_eval_forward"], running_mean)
        assert_close("running_var", ref["bn.running_var@after_eval_forward"], running_var)
    elif p["mode"] == "backward":
        delta = case_rng(p["seed"], stream=77).standard_normal(x.shape).astype(LD)
        objective = {"x": lambda v: np.sum(delta * bn_forward(v, gamma, beta)[0]),
                     "gamma": lambda v: np.sum(delta * bn_forward(x, v, beta)[0]),
                     "beta": lambda v: np.sum(delta * bn_forward(x, gamma, v)[0])}
        for key, at in (("bn.backward", "x"), ("bn.dgamma", "gamma"), ("bn.dbeta", "beta")):
            start = {"x": x, "gamma": gamma, "beta": beta}[at]
            assert_close(key, ref[key], central_difference(objective[at], start, 1e-8),
                         rtol=1e-5, atol=1e-7)


def batchnorm_references_match_torch(case):
    torch = pytest.importorskip("torch")
    p, ref = case.params, case.reference()
    if p["mode"] not in ("forward", "backward", "attributes"):
        pytest.skip("torch keeps an unbiased running variance; the running statistics are "
                    "checked against the finite-difference oracle")
    gamma, beta = (torch.tensor(v.reshape(-1), requires_grad=True) for v in bn_affine(p))
    x = torch.tensor(batchnorm.make_batch(p, 0), requires_grad=True)
    out = torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True, eps=EPS)
    if p["mode"] == "forward":
        assert_close("bn.forward", ref["bn.forward"], out.detach().numpy())
    elif p["mode"] == "attributes":
        assert_close("bn.mean", ref["bn.mean"], x.detach().mean(0).numpy())
        assert_close("bn.var", ref["bn.var"], x.detach().var(0, unbiased=False).numpy())
    else:
        delta = torch.tensor(case_rng(p["seed"], stream=77).standard_normal(tuple(x.shape)))
        (out * delta).sum().backward()
        assert_close("bn.backward", ref["bn.backward"], x.grad.numpy())
        assert_close("bn.dgamma", ref["bn.dgamma"], gamma.grad.numpy())
        assert_close("bn.dbeta", ref["bn.dbeta"], beta.grad.numpy())


# ------------------------------------------------------------------ the MLP

ACTIVATIONS = {"Identity": lambda z: z, "Softsign": lambda z: z / (1 + np.abs(z)),
               "Sigmoid": lambda z: 1 / (1 + np.exp(-z)), "Tanh": np.tanh,
               "ReLU": lambda z: np.where(z > 0, z, 0 * z)}


class Net:
    """The case's network as plain arrays: W, b per layer; gamma, beta (and running statistics)
    per BatchNorm layer. ``forward`` is written from the contract, not from the solution."""

    def __init__(self, params: dict, dtype=LD):
        sizes = layer_sizes(params)
        np.random.seed(int(params["seed"]))
        self.params = params
        self.weights = {}
        for i in range(len(sizes) - 1):
            self.weights[f"mlp.W[{i}]"] = np.random.randn(sizes[i], sizes[i + 1]).astype(dtype)
            self.weights[f"mlp.b[{i}]"] = bias_init(sizes[i + 1]).astype(dtype)
        rng = case_rng(params["seed"], stream=99)
        self.n_bn = int(params.get("num_bn_layers", 0))
        self.running = []
        for i in range(self.n_bn):
            layer = types.SimpleNamespace(gamma=np.ones((1, sizes[i + 1])))
            set_affine(layer, rng)
            self.weights[f"mlp.bn_layers[{i}].gamma"] = layer.gamma.astype(dtype)
            self.weights[f"mlp.bn_layers[{i}].beta"] = layer.beta.astype(dtype)
            self.running.append([np.zeros((1, sizes[i + 1]), dtype), np.ones((1, sizes[i + 1]),
                                                                             dtype)])
        self.names = params.get("activations") or ["Identity"] * (len(sizes) - 1)

    def forward(self, x, weights=None, train=True, update_running=False):
        w = self.weights if weights is None else weights
        h = x.astype(LD)
        for i, name in enumerate(self.names):
            z = h @ w[f"mlp.W[{i}]"] + w[f"mlp.b[{i}]"]
            if i < self.n_bn:
                gamma, beta = w[f"mlp.bn_layers[{i}].gamma"], w[f"mlp.bn_layers[{i}].beta"]
                if train:
                    z, mean, var, _ = bn_forward(z, gamma, beta)
                    if update_running:
                        r = self.running[i]
                        r[0], r[1] = 0.9 * r[0] + 0.1 * mean, 0.9 * r[1] + 0.1 * var
                else:
                    mean, var = self.running[i]
                    z = gamma * (z - mean) / np.sqrt(var + EPS) + beta
            h = ACTIVATIONS[name](z)
        return h

    def mean_loss(self, x, labels, upstream, weights=None):
        out = self.forward(x, weights)
        if self.params.get("criterion", "probe") == "probe":
            return np.mean(np.sum(upstream * out, axis=1))
        return np.mean(sce_oracle(out, labels)[0])

    def gradients(self, x, labels, upstream) -> dict[str, np.ndarray]:
        grads = {}
        for key, value in self.weights.items():
            def loss(v, key=key):
                return self.mean_loss(x, labels, upstream, {**self.weights, key: v})
            grads[key] = central_difference(loss, value, 1e-7)
        return grads


def gradient_key(key: str) -> str:
    """mlp.W[0] -> mlp.dW[0]; mlp.bn_layers[0].gamma -> mlp.bn_layers[0].dgamma."""
    head, _, last = key.rpartition(".")
    return f"{head}.d{last}"


def mlp_forward_references_match_the_oracle_network(case):
    p, ref = case.params, case.reference()
    net = Net(p)
    for k in range(int(p.get("warmup", 0))):
        net.forward(mlp_batch(p, 1 + k)[0], update_running=True)
    for i, (mean, var) in enumerate(net.running if p.get("warmup") else []):
        for when in ("after_training_batches",) + (("after_eval_forward",) if p.get("eval")
                                                    else ()):
            assert_close("running_mean", ref[f"mlp.bn_layers[{i}].running_mean@{when}"], mean)
            assert_close("running_var", ref[f"mlp.bn_layers[{i}].running_var@{when}"], var)
    x = mlp_batch(p, 0)[0]
    key = "mlp.forward" + ("@eval_mode" if p.get("eval") else "")
    assert_close(key, ref[key], net.forward(x, train=not p.get("eval")))


def mlp_backward_references_match_finite_differences(case):
    ref = case.reference()
    x, labels, upstream = mlp_batch(case.params, 0)
    net = Net(case.params)
    for key, grad in net.gradients(x, labels, upstream).items():
        assert_close(gradient_key(key), ref[gradient_key(key)], grad, rtol=1e-5, atol=1e-7)


def zero_grads_references_are_zeros(case):
    ref = case.reference()
    assert ref and all(not np.any(value) for value in ref.values())


def momentum_oracle(params: dict, steps: int, gradients_at) -> list[dict]:
    """Parameters after each step of v <- m v - lr g; p <- p + v (weight decay on W only)."""
    net = Net(params)
    lr, m, wd = (LD(params.get(k, d)) for k, d in (("lr", 0.1), ("momentum", 0.0),
                                                   ("weight_decay", 0.0)))
    velocity = {key: np.zeros_like(value) for key, value in net.weights.items()}
    history = []
    for step in range(steps):
        grads = gradients_at(net, step)
        for key, value in net.weights.items():
            g = grads[key] + (wd * value if ".W[" in key else 0)
            velocity[key] = m * velocity[key] - lr * g
            net.weights[key] = value + velocity[key]
        history.append(dict(net.weights))
    return history


def known_gradients(params: dict, step: int) -> dict[str, np.ndarray]:
    """The gradients the update-rule cases write, drawn by the scenario helper."""
    net = Net(params, dtype=float)
    holder = types.SimpleNamespace(
        W=[net.weights[f"mlp.W[{i}]"] for i in range(len(net.names))],
        b=[net.weights[f"mlp.b[{i}]"] for i in range(len(net.names))],
        dW=[None] * len(net.names), db=[None] * len(net.names),
        bn_layers=[types.SimpleNamespace(gamma=net.weights[f"mlp.bn_layers[{i}].gamma"],
                                         beta=net.weights[f"mlp.bn_layers[{i}].beta"])
                   for i in range(net.n_bn)])
    write_gradients(holder, params, step)
    grads = {}
    for i in range(len(net.names)):
        grads[f"mlp.W[{i}]"], grads[f"mlp.b[{i}]"] = holder.dW[i], holder.db[i]
    for i, layer in enumerate(holder.bn_layers):
        grads[f"mlp.bn_layers[{i}].gamma"] = layer.dgamma
        grads[f"mlp.bn_layers[{i}].beta"] = layer.dbeta
    return grads


def assert_trajectory(ref: dict, history: list[dict], rtol=1e-6, atol=1e-8):
    for step, weights in enumerate(history, 1):
        for key, value in weights.items():
            assert_close(f"{key} after step {step}", ref[f"{key}@after_step_{step}"], value,
                         rtol=rtol, atol=atol)


def update_rule_references_follow_classical_momentum(case):
    p = case.params
    history = momentum_oracle(p, int(p["steps"]), lambda net, step: known_gradients(p, step))
    assert_trajectory(case.reference(), history)


def training_step_references_follow_finite_difference_gradients(case):
    p = case.params
    history = momentum_oracle(p, int(p["steps"]),
                              lambda net, step: net.gradients(*mlp_batch(p, step)))
    assert_trajectory(case.reference(), history, rtol=1e-5, atol=1e-7)


def training_stats_references_are_the_statistics_of_the_fixed_model(case):
    p, ref = case.params, case.reference()
    if "training_loss" not in ref:
        pytest.skip("this case checks the protocol only")
    data = stats_family.make_dataset(p)
    for prefix, (x, y) in (("training", data.train), ("validation", data.val)):
        logits = x[:, 1:].astype(LD) @ data.weights.astype(LD)
        loss = np.mean(0.5 * np.sum((logits - y) ** 2, axis=1))
        error = np.mean(np.argmax(logits, axis=1) != np.argmax(y, axis=1))
        assert_close(f"{prefix}_loss", ref[f"{prefix}_loss"], np.full(p["nepochs"], loss))
        assert_close(f"{prefix}_error", ref[f"{prefix}_error"], np.full(p["nepochs"], error))


def vectorisation_references_report_no_growth(case):
    ref = case.reference()
    assert np.array_equal(ref["timing.batch_sizes"],
                          [case.params["small_batch"], case.params["large_batch"]])
    assert np.array_equal(ref["timing.excess_exponent"], [0.0])


# ------------------------------------------------------------------ PyTorch autograd

def torch_net(torch, params: dict):
    """The case's network as float64 leaf tensors, and its mean loss on a batch."""
    net = Net(params, dtype=float)
    leaves = {k: torch.tensor(np.asarray(v, dtype=float), requires_grad=True)
              for k, v in net.weights.items()}
    F = torch.nn.functional
    acts = {"Identity": lambda z: z, "Softsign": F.softsign, "Sigmoid": torch.sigmoid,
            "Tanh": torch.tanh, "ReLU": torch.relu}

    def mean_loss(x, labels, upstream):
        h = torch.tensor(x)
        for i, name in enumerate(net.names):
            z = h @ leaves[f"mlp.W[{i}]"] + leaves[f"mlp.b[{i}]"]
            if i < net.n_bn:
                z = F.batch_norm(z, None, None, leaves[f"mlp.bn_layers[{i}].gamma"].reshape(-1),
                                 leaves[f"mlp.bn_layers[{i}].beta"].reshape(-1), training=True,
                                 eps=EPS)
            h = acts[name](z)
        if params.get("criterion", "probe") == "probe":
            return (torch.tensor(upstream) * h).sum(dim=1).mean()
        return F.cross_entropy(h, torch.tensor(labels.argmax(axis=1)), reduction="mean")

    return leaves, mean_loss


def mlp_backward_references_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    ref = case.reference()
    leaves, mean_loss = torch_net(torch, case.params)
    mean_loss(*mlp_batch(case.params, 0)).backward()
    for key, leaf in leaves.items():
        assert_close(gradient_key(key), ref[gradient_key(key)], leaf.grad.numpy())


def training_step_references_match_torch_sgd(case):
    torch = pytest.importorskip("torch")
    p, ref = case.params, case.reference()
    leaves, mean_loss = torch_net(torch, p)
    decayed = [v for k, v in leaves.items() if ".W[" in k]
    plain = [v for k, v in leaves.items() if ".W[" not in k]
    optimiser = torch.optim.SGD([{"params": decayed, "weight_decay": p.get("weight_decay", 0.0)},
                                 {"params": plain, "weight_decay": 0.0}],
                                lr=p.get("lr", 0.1), momentum=p.get("momentum", 0.0))
    for step in range(int(p["steps"])):
        optimiser.zero_grad()
        mean_loss(*mlp_batch(p, step)).backward()
        optimiser.step()
        for key, leaf in leaves.items():
            assert_close(f"{key} after step {step + 1}", ref[f"{key}@after_step_{step + 1}"],
                         leaf.detach().numpy())


def activation_references_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    p, ref = case.params, case.reference()
    F = torch.nn.functional
    fn = {"Sigmoid": torch.sigmoid, "Tanh": torch.tanh, "ReLU": torch.relu,
          "LeakyReLU": lambda v: F.leaky_relu(v, float(p.get("alpha", 0.01)))}[p["cls"]]
    x = torch.tensor(activation.make_inputs(p), requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert_close("forward", ref[f"{p['cls']}.forward"], out.detach().numpy())
    # torch's ReLU derivative at 0 is 0, as the contract says
    assert_close("derivative", ref[f"{p['cls']}.derivative"], x.grad.numpy())


def softmax_cross_entropy_references_match_torch_autograd(case):
    torch = pytest.importorskip("torch")
    ref = case.reference()
    logits, labels = softmax_cross_entropy.make_inputs(case.params)
    x = torch.tensor(logits, requires_grad=True)
    losses = torch.nn.functional.cross_entropy(x, torch.tensor(labels.argmax(axis=1)),
                                               reduction="none")
    losses.sum().backward()
    assert_close("forward", ref["SoftmaxCrossEntropy.forward"], losses.detach().numpy())
    assert_close("sm", ref["SoftmaxCrossEntropy.sm"], torch.softmax(x, 1).detach().numpy())
    assert_close("derivative", ref["SoftmaxCrossEntropy.derivative"], x.grad.numpy())


# ------------------------------------------------------------------ what the generic suite runs

# family -> the checks every one of its cases gets (each raises AssertionError, or skips).
CHECKS = {
    "activation": [activation_references_match_finite_differences,
                   activation_references_match_torch_autograd],
    "softmax_cross_entropy": [softmax_cross_entropy_references_match_finite_differences,
                              softmax_cross_entropy_references_match_torch_autograd],
    "initializers": [initializer_references_are_the_seeded_standard_normal],
    "batchnorm": [batchnorm_references_match_finite_differences,
                  batchnorm_references_match_torch],
    "mlp_forward": [mlp_forward_references_match_the_oracle_network],
    "mlp_backward": [mlp_backward_references_match_finite_differences,
                     mlp_backward_references_match_torch_autograd],
    "mlp_zero_grads": [zero_grads_references_are_zeros],
    "mlp_update_rule": [update_rule_references_follow_classical_momentum],
    "mlp_training_steps": [training_step_references_follow_finite_difference_gradients,
                           training_step_references_match_torch_sgd],
    "training_stats": [training_stats_references_are_the_statistics_of_the_fixed_model],
    "vectorisation": [vectorisation_references_report_no_growth],
}

"""uva_dl1's oracle, which the generic tests/test_reference_oracle.py runs on every saved case:
the SAVED reference arrays (data/uva_dl1/{visible,hidden}/*.npz) recomputed without the
solution, by PyTorch in float64: autograd for every gradient, torch's own
F.batch_norm / F.leaky_relu / softmax for the forward passes, and the oracle's own Table 1
network (built here, not imported) for the ConvNet.

Inputs are rebuilt from each case's params exactly as the family's ``run`` draws them, with the
family's own helpers (case_rng streams, common.grader_linear, away_from_zero, one_hot,
cross_entropy.make_inputs, bn_function.inputs). The saved arrays are compared with the
grader's own rule (rtol 1e-6, atol_scale 1e-8); flags, sizes and zeros bit for bit. Every
case must hold exactly the keys the oracle makes. Without torch, every check skips.
"""
from __future__ import annotations

import numpy as np
import pytest

from autograder.compare import compare_arrays
from autograder.scenarios.toolkit import case_rng
from support import family

common = family("common", "uva_dl1")
cross_entropy_family = family("cross_entropy", "uva_dl1")
bn_function_family = family("bn_function", "uva_dl1")
convnet_family = family("convnet", "uva_dl1")
linear_family = family("linear_module", "uva_dl1")

RTOL, ATOL_SCALE = 1e-6, 1e-8
TABLE_1 = [("conv", 64), ("pool",), ("conv", 128), ("pool",), ("conv", 256), ("conv", 256),
           ("pool",), ("conv", 512), ("conv", 512), ("pool",), ("conv", 512), ("conv", 512),
           ("pool",)]


class Exact:
    def __init__(self, value):
        self.value = np.asarray(value, dtype=float)


def assert_matches(case, expected: dict) -> None:
    saved = case.reference()
    assert set(saved) == set(expected), (
        f"{case.name}: the reference holds {sorted(set(saved) - set(expected))} that the oracle "
        f"does not make, and lacks {sorted(set(expected) - set(saved))}")
    failures = []
    for key in sorted(expected):
        got, want = np.asarray(saved[key], dtype=float), expected[key]
        exact = isinstance(want, Exact)
        want = want.value if exact else np.asarray(want, dtype=float)
        if want.size == got.size and want.shape != got.shape and want.ndim <= 1:
            want = want.reshape(got.shape)       # a 0-d array is stored as shape (1,)
        if exact:
            if got.shape != want.shape or not np.array_equal(got, want):
                failures.append(f"{key}: {got.tolist()} is not exactly {want.tolist()}")
            continue
        message = compare_arrays(key, got, want, rtol=RTOL, atol_scale=ATOL_SCALE)
        if message:
            failures.append(message)
    assert not failures, f"{case.name}: saved reference differs from the oracle:\n" + \
        "\n".join(failures)


def torch_or_skip():
    return pytest.importorskip("torch")


def t(torch, array, grad=False):
    return torch.tensor(np.asarray(array, dtype=float), dtype=torch.float64, requires_grad=grad)


def n(tensor) -> np.ndarray:
    return tensor.detach().numpy().copy()


# ------------------------------------------------------------------ NumPy modules

def linear_oracle(case):
    p = case.params
    fan_in, fan_out = int(p["in_features"]), int(p["out_features"])
    if p["mode"] == "init":
        saved = case.reference()
        spread = np.ravel(saved["linear.init.weight_spread"])
        assert abs(spread[0] - 1.0) <= linear_family.SPREAD_TOLERANCE, spread
        assert abs(spread[1]) <= linear_family.MEAN_TOLERANCE, spread
        assert_matches(case, {"linear.init.weight_spread": Exact(spread),
                              "linear.init.bias": Exact(np.zeros(fan_out)),
                              "linear.init.grad_weight": Exact(np.zeros((fan_out, fan_in))),
                              "linear.init.grad_bias": Exact(np.zeros(fan_out))})
        return
    torch = torch_or_skip()
    rng = case_rng(p["seed"])
    weight, bias = common.grader_linear(rng, fan_in, fan_out)
    x = rng.standard_normal((int(p["batch"]), fan_in))
    W, b, X = t(torch, weight, True), t(torch, bias, True), t(torch, x, True)
    out = torch.nn.functional.linear(X, W, b)
    if p["mode"] == "forward":
        return assert_matches(case, {"linear.out": n(out)})
    dout = rng.standard_normal((int(p["batch"]), fan_out))
    (out * t(torch, dout)).sum().backward()
    assert_matches(case, {"linear.dx": n(X.grad), "linear.grad_weight": n(W.grad),
                          "linear.grad_bias": n(b.grad)})


def leaky_relu_oracle(case):
    torch = torch_or_skip()
    p = case.params
    rng = case_rng(p["seed"])
    shape = tuple(p["shape"])
    X = t(torch, common.away_from_zero(rng, shape), True)
    out = torch.nn.functional.leaky_relu(X, float(p["neg_slope"]))
    if p["stage"] == "forward":
        return assert_matches(case, {"leaky_relu.out": n(out)})
    (out * t(torch, rng.standard_normal(shape))).sum().backward()
    assert_matches(case, {"leaky_relu.dx": n(X.grad)})


def softmax_oracle(case):
    torch = torch_or_skip()
    p = case.params
    rng = case_rng(p["seed"])
    shape = (int(p["batch"]), int(p["classes"]))
    X = t(torch, rng.standard_normal(shape) * float(p.get("scale", 1.0)), True)
    out = torch.softmax(X, dim=1)
    if p["stage"] == "forward":
        return assert_matches(case, {"softmax.out": n(out)})
    (out * t(torch, rng.standard_normal(shape))).sum().backward()
    assert_matches(case, {"softmax.dx": n(X.grad)})


def cross_entropy_oracle(case):
    torch = torch_or_skip()
    x, y = cross_entropy_family.make_inputs(case.params)
    X = t(torch, x, True)
    # nll_loss of log x against the labels: torch's own mean cross entropy of probabilities.
    loss = torch.nn.functional.nll_loss(torch.log(X), torch.tensor(np.argmax(y, axis=1)))
    if case.params["stage"] == "forward":
        return assert_matches(case, {"cross_entropy.loss": np.array([loss.item()])})
    loss.backward()
    assert_matches(case, {"cross_entropy.dx": n(X.grad)})


def mlp_numpy_oracle(case):
    p = case.params
    dims = [int(p["n_inputs"]), *map(int, p["n_hidden"]), int(p["n_classes"])]
    pairs = list(zip(dims[:-1], dims[1:]))
    if p["mode"] == "structure":
        return assert_matches(case, {"mlp_numpy.layer_sizes": Exact(np.array(pairs))})
    torch = torch_or_skip()
    rng = case_rng(p["seed"])
    params = [tuple(t(torch, a, True) for a in common.grader_linear(rng, a, b))
              for a, b in pairs]
    h = t(torch, rng.standard_normal((int(p["batch"]), dims[0])) * 2.0)
    for index, (W, b) in enumerate(params):
        h = torch.nn.functional.linear(h, W, b)
        if index < len(params) - 1:
            h = torch.nn.functional.leaky_relu(h, float(p["neg_slope"]))
    out = torch.softmax(h, dim=1)
    if p["mode"] == "forward":
        return assert_matches(case, {"mlp_numpy.out": n(out)})
    (out * t(torch, rng.standard_normal((int(p["batch"]), dims[-1])))).sum().backward()
    expected = {}
    for index, (W, b) in enumerate(params):
        expected[f"mlp_numpy.grad_weight[{index}]"] = n(W.grad)
        expected[f"mlp_numpy.grad_bias[{index}]"] = n(b.grad)
    assert_matches(case, expected)


# ------------------------------------------------------------------ PyTorch parts

def mlp_pytorch_oracle(case):
    p = case.params
    dims = [int(p["n_inputs"]), *map(int, p["n_hidden"]), int(p["n_classes"])]
    pairs = list(zip(dims[:-1], dims[1:]))
    if p["mode"] == "structure":
        return assert_matches(case, {"mlp_pytorch.linear_sizes": Exact(np.array(pairs))})
    torch = torch_or_skip()
    rng = case_rng(p["seed"])
    params = [tuple(t(torch, a) for a in common.grader_linear(rng, a, b)) for a, b in pairs]
    h = t(torch, rng.standard_normal((int(p["batch"]), dims[0])) * 2.0)
    for index, (W, b) in enumerate(params):
        h = torch.nn.functional.linear(h, W, b)
        if index < len(params) - 1:
            h = torch.nn.functional.leaky_relu(h, float(p["neg_slope"]))
    assert_matches(case, {"mlp_pytorch.logits": n(h)})


def batchnorm_oracle(case):
    """bn_autograd and bn_module: torch's own F.batch_norm with the batch's statistics."""
    p = case.params
    label = case.family
    batch, neurons = int(p["batch"]), int(p["neurons"])
    if p["mode"] == "init":
        return assert_matches(case, {f"{label}.init.gamma": Exact(np.ones(neurons)),
                                     f"{label}.init.beta": Exact(np.zeros(neurons))})
    if p["mode"] == "shape_check":
        return assert_matches(case, {f"{label}.raised_on_wrong_shape": Exact(np.ones(3))})
    torch = torch_or_skip()
    rng = case_rng(p["seed"])
    gamma = t(torch, rng.uniform(0.5, 2.0, neurons), True)
    beta = t(torch, rng.standard_normal(neurons), True)
    x = t(torch, rng.standard_normal((batch, neurons)) * 3.0 + rng.standard_normal(neurons) * 2.0,
          True)
    g = t(torch, rng.standard_normal((batch, neurons)))
    out = torch.nn.functional.batch_norm(x, None, None, gamma, beta, training=True,
                                         eps=float(p.get("eps", 1e-5)))
    (out * g).sum().backward()
    expected = {f"{label}.out": n(out), f"{label}.grad_input": n(x.grad),
                f"{label}.grad_gamma": n(gamma.grad), f"{label}.grad_beta": n(beta.grad)}
    if label == "bn_module":
        expected["bn_module.called_the_function"] = Exact([1.0])
    assert_matches(case, expected)


def bn_function_oracle(case):
    p = case.params
    if p["mode"] == "gradcheck":
        return assert_matches(case, {"bn_function.gradcheck_passed": Exact([1.0])})
    torch = torch_or_skip()
    x, gamma, beta, g = bn_function_family.inputs(p)
    needs = [bool(v) for v in p["needs"]]
    tensors = [t(torch, a, need) for a, need in zip((x, gamma, beta), needs)]
    out = torch.nn.functional.batch_norm(tensors[0], None, None, tensors[1], tensors[2],
                                         training=True, eps=float(p["eps"]))
    (out * t(torch, g)).sum().backward()
    expected = {"bn_function.out": n(out),
                "bn_function.returned_none": Exact([float(not need) for need in needs])}
    for name, tensor, need in zip(bn_function_family.NAMES, tensors, needs):
        if need:
            expected[f"bn_function.grad_{name}"] = n(tensor.grad)
    assert_matches(case, expected)


def table_1_network(torch, channels: int, classes: int):
    """The oracle's own ConvNet: Table 1 written out, convolutions and the linear layer
    registered in network order, then every BatchNorm (the order the family fills them in)."""
    nn = torch.nn
    convs, norms, widths = [], [], channels
    for entry in TABLE_1:
        if entry[0] == "conv":
            convs.append(nn.Conv2d(widths, entry[1], 3, 1, 1))
            norms.append(nn.BatchNorm2d(entry[1]))
            widths = entry[1]
    return convs, norms, nn.Linear(512, classes)


def convnet_oracle(case):
    p = case.params
    if p["mode"] == "structure":
        convs = [(a, b, 3, 3, 1, 1, 1, 1) for a, b in zip(
            [int(p["n_channels"]), 64, 128, 256, 256, 512, 512, 512],
            [64, 128, 256, 256, 512, 512, 512, 512])]
        return assert_matches(case, {
            "convnet.conv": Exact(convs), "convnet.batchnorm": Exact([[w] for _, w, *_ in convs]),
            "convnet.pool": Exact([[3, 2, 1]] * 5),
            "convnet.linear": Exact([[512, int(p["n_classes"])]])})
    torch = torch_or_skip()
    rng = case_rng(p["seed"])
    convs, norms, linear = table_1_network(torch, int(p["n_channels"]), int(p["n_classes"]))
    with torch.no_grad():
        for layer in [*convs, linear]:
            fan_in = layer.weight[0].numel()
            layer.weight.copy_(torch.from_numpy(rng.standard_normal(layer.weight.numel())
                                                * np.sqrt(2.0 / fan_in)).reshape(layer.weight.shape))
            layer.bias.copy_(torch.from_numpy(rng.standard_normal(layer.bias.numel()) * 0.1))
        for norm in norms:
            norm.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, norm.weight.numel())))
            norm.bias.copy_(torch.from_numpy(rng.standard_normal(norm.bias.numel()) * 0.1))
    for module in [*convs, *norms, linear]:
        module.double()
    h = t(torch, rng.standard_normal((int(p["batch"]), int(p["n_channels"]), 32, 32)))
    pool = torch.nn.MaxPool2d(3, 2, 1)
    conv_index = 0
    with torch.no_grad():
        for entry in TABLE_1:
            if entry[0] == "conv":
                h = torch.relu(norms[conv_index](convs[conv_index](h)))
                conv_index += 1
            else:
                h = pool(h)
        logits = linear(h.flatten(1))
    assert_matches(case, {"convnet.logits": n(logits)})


CHECKS = {"linear_module": [linear_oracle], "leaky_relu": [leaky_relu_oracle],
          "softmax": [softmax_oracle], "cross_entropy": [cross_entropy_oracle],
          "numpy_mlp": [mlp_numpy_oracle], "torch_mlp": [mlp_pytorch_oracle],
          "bn_autograd": [batchnorm_oracle], "bn_module": [batchnorm_oracle],
          "bn_function": [bn_function_oracle], "convnet": [convnet_oracle]}
REASONS: dict[str, str] = {}

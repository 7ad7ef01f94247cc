"""CW3's oracle, which the generic tests/test_reference_oracle.py runs on every saved case: the
SAVED reference arrays (data/cw3/{visible,hidden}/*.npz) checked against oracles that are not
the solution (issue 12).

Every case's inputs are rebuilt from its params exactly as the family's ``run`` builds them,
with the family's own helpers (the case_rng streams, common.grader_weights and nonzero_bias,
activation.make_inputs, cross_entropy.make_inputs, sgd.build_layers and known_gradients; the
few draws a ``run`` makes inline are repeated here in its order, in ``*_inputs`` below). The
weights an MLP gets after np.random.seed(seed) come from the contract: the handout's provided
Linear.__init__, W = randn(in, out) * sqrt(2 / in), b = 0, Linear layers built first to last.
The expected arrays are then recomputed twice, neither time with the solution:

* always: the contract's formulas (the handout docstrings) in extended precision
  (np.longdouble), every gradient array by central differences of those formulas, and
  parameter trajectories by the momentum recurrence u <- mu u - lr g, p <- p + u (weight decay
  g = grad_W + lam W on weights only);
* when torch imports: float64 autograd for the forward and backward passes and torch.optim.SGD
  for the trajectories (each torch test skips cleanly otherwise).

The saved arrays are compared with the grader's own rule (autograder.compare.compare_arrays,
rtol 1e-6, atol_scale 1e-8, biases (n,) or (1, n) alike), and bit for bit where the reference
is a copy (gradients the grader writes, zeros, weights that must not move, layer codes). For
every case the oracle yields exactly the keys the reference holds, so an array added to a
family cannot go unchecked; a family added without an oracle in CHECKS or a reason in REASONS
fails the generic suite's coverage test.
"""
from __future__ import annotations

import types

import numpy as np
import pytest

from autograder.compare import Comparison, compare_arrays
from autograder.scenarios.toolkit import case_rng
from support import assignment, family

CW3 = assignment("cw3")
common = family("common", "cw3")
activation_family = family("activation", "cw3")
cross_entropy_family = family("cross_entropy", "cw3")
sgd_family = family("sgd", "cw3")
sgd_setup_family = family("sgd_setup", "cw3")
gradient_checks_family = family("gradient_checks", "cw3")

LD = np.longdouble
H = 1e-6            # central-difference step (extended precision)
RTOL, ATOL_SCALE = 1e-6, 1e-8   # the kit's tolerance (autograder/compare.py)

# Families whose references are not recomputed here, and why (each is checked for what it
# must hold instead, below).
REASONS = {
    "gradient_checks": "its arrays are pass/fail flags and relative errors of the student's own "
                       "analytic gradient against central differences of the student's own "
                       "forward; there is nothing to recompute without the code under test. "
                       "Checked instead: every check the target implies is there, passed, and "
                       "has a relative error in [0, LIMIT] on the solution",
}


class Exact:
    """An expected array that the reference must hold bit for bit (a copy, not a result)."""

    def __init__(self, value):
        self.value = np.asarray(value, dtype=float)


def assert_matches(case, saved: dict, expected: dict, source: str) -> None:
    """Every saved array against the oracle's, with the grader's comparison."""
    assert set(saved) == set(expected), (
        f"{case.name}: the reference holds {sorted(set(saved) - set(expected))} that the "
        f"{source} oracle does not make, and lacks {sorted(set(expected) - set(saved))}")
    failures = []
    compare = Comparison(CW3.vector_names)
    for key in sorted(expected):
        got, want = np.asarray(saved[key], dtype=float), expected[key]
        if isinstance(want, Exact):
            want = want.value
            if want.ndim == 0 and got.size == 1:
                want = want.reshape(got.shape)
            if got.shape != want.shape and compare.is_vector(key) and got.size == want.size:
                want = want.reshape(got.shape)
            if got.shape != want.shape or not np.array_equal(got, want):
                failures.append(f"{key}: not bit for bit the expected copy "
                                f"(shape {got.shape}, expected {want.shape})")
            continue
        want = np.asarray(want, dtype=float)
        if want.ndim == 0 and got.size == 1:     # a 0-d array is stored as shape (1,)
            want = want.reshape(got.shape)
        message = compare_arrays(key, got, want, rtol=RTOL, atol_scale=ATOL_SCALE,
                                 vector_ok=compare.is_vector(key))
        if message:
            failures.append(message)
    assert not failures, (f"{case.name}: saved reference differs from the {source} oracle:\n"
                          + "\n".join(failures))


def central_difference(f, x, h: float = H) -> np.ndarray:
    """d f / d x for a scalar f of the array x, one entry at a time, in extended precision."""
    x = np.array(x, dtype=LD)
    grad = np.zeros(x.shape, dtype=LD)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + LD(h)
        up = f(x)
        x[index] = saved - LD(h)
        down = f(x)
        x[index] = saved
        grad[index] = (up - down) / (2 * LD(h))
    return grad


def ld(*arrays):
    return tuple(np.asarray(a, dtype=LD) for a in arrays)


# ------------------------------------------------------------------ inputs, as families make them

class ProvidedLinear:
    """The handout's provided Linear.__init__ (no forward or backward): He-initialised W from
    np.random, zero b and zero gradients. What sgd.build_layers needs to build its layers."""

    def __init__(self, in_dim, out_dim):
        self.W = np.random.randn(in_dim, out_dim) * np.sqrt(2 / in_dim)
        self.b = np.zeros(out_dim)
        self.grad_W = np.zeros_like(self.W)
        self.grad_b = np.zeros_like(self.b)


CONTRACT_API = types.SimpleNamespace(Linear=ProvidedLinear, ReLU=type("ReLU", (), {}),
                                     Sigmoid=type("Sigmoid", (), {}))


def linear_inputs(p: dict):
    """linear_layer.run's draws, in its order: W, b, X, X2, G, G2 (case_rng stream 0)."""
    rng = case_rng(p["seed"])
    in_dim, out_dim, batch = int(p["in_dim"]), int(p["out_dim"]), int(p["batch"])
    W, b = common.grader_weights(rng, in_dim, out_dim)
    scale = float(p.get("input_scale", 1.0))
    X = rng.standard_normal((batch, in_dim)) * scale
    X2 = rng.standard_normal((batch, in_dim)) * scale
    G = rng.standard_normal((batch, out_dim))
    G2 = rng.standard_normal((batch, out_dim))
    return W, b, X, X2, G, G2


def activation_inputs(p: dict):
    """activation.run's X (its make_inputs) and upstream gradient G (stream 1)."""
    X = activation_family.make_inputs(p)
    return X, case_rng(p["seed"], 1).standard_normal(X.shape)


def sgd_layers(p: dict):
    """The family's own layers (sgd.build_layers) with the handout's provided Linear.__init__:
    the list SGD is given and the positions of the layers that have a W (the contract's rule)."""
    layers, _ = sgd_family.build_layers(CONTRACT_API, p)
    return layers, [i for i, layer in enumerate(layers) if hasattr(layer, "W")]


def mlp_sizes(p: dict) -> list[int]:
    return [int(p["input_dim"]), *(int(h) for h in p["hidden_dims"]), int(p["output_dim"])]


def he_weights(p: dict) -> list[np.ndarray]:
    """The W of every Linear of MLP(...) after np.random.seed(seed), per the contract."""
    rs = np.random.RandomState(int(p["seed"]))
    sizes = mlp_sizes(p)
    return [rs.randn(a, b) * np.sqrt(2 / a) for a, b in zip(sizes[:-1], sizes[1:])]


def passes_inputs(p: dict):
    """mlp_passes.run: the MLP's W and zero b (copied into the probes), X and G (stream 11)."""
    Ws = he_weights(p)
    bs = [np.zeros(W.shape[1]) for W in Ws]
    rng = case_rng(p["seed"], 11)
    X = rng.standard_normal((int(p["batch"]), int(p["input_dim"]))) * float(p.get("input_scale",
                                                                                   1.0))
    G = rng.standard_normal((int(p["batch"]), int(p["output_dim"])))
    return Ws, bs, X, G


def end_to_end_inputs(p: dict):
    """mlp_end_to_end.run: the MLP's W, then from stream 20 a non-zero b per Linear, X and G."""
    Ws = he_weights(p)
    rng = case_rng(p["seed"], 20)
    bs = [common.nonzero_bias(rng, W.shape[1]) for W in Ws]
    X = rng.standard_normal((int(p["batch"]), int(p["input_dim"]))) * float(p.get("input_scale",
                                                                                   1.0))
    G = rng.standard_normal((int(p["batch"]), int(p["output_dim"])))
    return Ws, bs, X, G


# ------------------------------------------------------------------ extended-precision formulas

def sigmoid_ld(x):
    return 1 / (1 + np.exp(-x))     # exp(1e3) is finite in long double


def relu_ld(x):
    return np.where(x > 0, x, LD(0))


def softsign_ld(x):
    return x / (1 + np.abs(x))


ACT_LD = {"ReLU": relu_ld, "Sigmoid": sigmoid_ld, "relu": relu_ld, "sigmoid": sigmoid_ld}


def cross_entropy_rows(logits, labels):
    """Per-sample losses log sum_k exp(x_k) - x_label (log-sum-exp, extended precision)."""
    x = np.asarray(logits, dtype=LD)
    top = x.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(x - top).sum(axis=1))
    return log_z - x[np.arange(len(x)), np.asarray(labels, dtype=np.int64)]


def mlp_chain(Ws, bs, act):
    """[affine, act, affine, ..., affine] as functions of extended-precision arrays."""
    chain = []
    for k, (W, b) in enumerate(zip(ld(*Ws), ld(*bs))):
        chain.append(lambda h, W=W, b=b: h @ W + b)
        if k < len(Ws) - 1:
            chain.append(act)
    return chain


def run_chain(chain, h, start: int = 0):
    for layer in chain[start:]:
        h = layer(h)
    return h


def momentum_ld(p: dict, steps: int, weight_decay: float = 0.0) -> list[dict]:
    """W and b of every kept layer after each step of u <- mu u - lr g, p <- p + u with
    g = grad_W + lam W for weights and g = grad_b for biases, on the family's known gradients."""
    layers, positions = sgd_layers(p)
    lr, mu, lam = LD(float(p["lr"])), LD(float(p.get("momentum", 0.0))), LD(weight_decay)
    values = {(i, n): np.asarray(getattr(layers[i], n), dtype=LD)
              for i in positions for n in ("W", "b")}
    velocity = {key: np.zeros_like(v) for key, v in values.items()}
    history = []
    for step in range(1, steps + 1):
        grads = sgd_family.known_gradients(p, layers, positions, step)
        for (i, n), value in values.items():
            g = np.asarray(grads[(i, f"grad_{n}")], dtype=LD) + (lam * value if n == "W" else 0)
            velocity[(i, n)] = mu * velocity[(i, n)] - lr * g
            values[(i, n)] = value + velocity[(i, n)]
        history.append(dict(values))
    return history


def trajectory_keys(history, prefix: str = "") -> dict:
    return {f"{prefix}layers[{i}].{n}@after_step_{step}": value
            for step, values in enumerate(history, 1) for (i, n), value in values.items()}


def known_gradient_keys(p: dict, steps: int) -> dict:
    """The gradients the family writes before each step; step must leave them as written."""
    layers, positions = sgd_layers(p)
    return {f"layers[{i}].{name}@after_step_{step}": Exact(value)
            for step in range(1, steps + 1)
            for (i, name), value in sgd_family.known_gradients(p, layers, positions,
                                                               step).items()}


# ------------------------------------------------------------------ finite-difference oracles

def linear_fd(p: dict) -> dict:
    W, b, X, X2, G, G2 = linear_inputs(p)
    Wl, bl, Xl, X2l, Gl, G2l = ld(W, b, X, X2, G, G2)

    def objective(pairs, what):
        """sum over (x, g) of sum(g * (x W + b)) as a function of W, b or x (one pair)."""
        if what == "W":
            return lambda v: sum(np.sum(g * (x @ v + bl)) for x, g in pairs)
        if what == "b":
            return lambda v: sum(np.sum(g * (x @ Wl + v)) for x, g in pairs)
        (_, g), = pairs
        return lambda v: np.sum(g * (v @ Wl + bl))

    mode = p["mode"]
    expected = {"linear.out": Xl @ Wl + bl}
    if mode == "forward":
        return expected
    if mode in ("backward", "latest_input"):   # latest_input: backward uses X, not the first X2
        pairs = [(Xl, Gl)]
        expected["linear.dX"] = central_difference(objective(pairs, "X"), Xl)
        expected["linear.grad_W"] = central_difference(objective(pairs, "W"), Wl)
        expected["linear.grad_b"] = central_difference(objective(pairs, "b"), bl)
        return expected
    second = X2l if p.get("refresh_input") else Xl
    if p.get("refresh_input"):
        expected["linear.out@second_batch"] = X2l @ Wl + bl
    pairs = [(Xl, Gl), (second, G2l)]
    for step in (1, 2):
        done = pairs[:step]      # gradients accumulate: the gradient of the summed objective
        expected[f"linear.dX@backward_{step}"] = central_difference(
            objective(pairs[step - 1:step], "X"), pairs[step - 1][0])
        expected[f"linear.grad_W@after_backward_{step}"] = central_difference(
            objective(done, "W"), Wl)
        expected[f"linear.grad_b@after_backward_{step}"] = central_difference(
            objective(done, "b"), bl)
    expected["linear.W@after_backward_2"] = Exact(W)
    expected["linear.b@after_backward_2"] = Exact(b)
    return expected


def activation_fd(p: dict) -> dict:
    cls, label = p["cls"], p["cls"].lower()
    X, G = activation_inputs(p)
    x, g = ld(X, G)
    f = ACT_LD[cls]
    # The function is elementwise, so the central difference of sum(G * f(X)) in x[i] is
    # G[i] (f(x[i] + h) - f(x[i] - h)) / 2h: all entries at once.
    derivative = (f(x + LD(H)) - f(x - LD(H))) / (2 * LD(H))
    if cls == "ReLU":        # the contract's convention at the kink: ReLU'(0) = 0
        derivative = np.where(x == 0, LD(0), derivative)
    return by_stage(p, {f"{label}.out": f(x), f"{label}.dX": g * derivative})


def by_stage(p: dict, arrays: dict) -> dict:
    """A forward case records only forward's output; a backward case both."""
    return {k: v for k, v in arrays.items() if p["stage"] == "backward" or k.endswith(".out")}


def cross_entropy_fd(p: dict) -> dict:
    logits, labels = cross_entropy_family.make_inputs(p)
    n = len(logits)
    x = np.asarray(logits, dtype=LD)

    def row_loss(r):    # rows are independent: d(mean)/d(row r) = d(loss of row r)/d(row r) / N
        return lambda row: cross_entropy_rows(row, labels[r:r + 1])[0]

    grad = np.stack([central_difference(row_loss(r), x[r:r + 1], 1e-5)[0] for r in range(n)]) / n
    expected = {"loss": np.mean(cross_entropy_rows(x, labels)), "dlogits": grad}
    if int(p.get("backward_calls", 1)) == 2:
        expected["dlogits@second_backward_call"] = grad
    return expected


def sgd_fd(p: dict) -> dict:
    mode = p["mode"]
    if mode == "zero_grad":
        layers, positions = sgd_layers(p)
        expected = {}
        for i in positions:
            for name in ("W", "b"):
                value = getattr(layers[i], name)
                expected[f"layers[{i}].{name}@after_zero_grad"] = Exact(value)
                expected[f"layers[{i}].grad_{name}@after_zero_grad"] = Exact(np.zeros_like(value))
        return expected
    steps = int(p["steps"])
    # loop: zero_grad() then the known gradients added into zeros: the same gradients as steps
    expected = trajectory_keys(momentum_ld(p, steps))
    if mode == "steps":
        expected.update(known_gradient_keys(p, steps))
    return expected


def sgd_setup_oracle(p: dict) -> dict:
    """Two momentum steps from zero velocities on the family's known gradients."""
    return trajectory_keys(momentum_ld(p, sgd_setup_family.STEPS))


def unknown_activation_oracle(p: dict) -> dict:
    """The solution refuses every unknown name (ValueError)."""
    return {f"mlp.unknown_activation[{name}]": Exact(np.array(1.0))
            for name in p["bad_activations"]}


def weight_decay_fd(p: dict) -> dict:
    steps, lam = int(p["steps"]), float(p["weight_decay"])
    decayed = momentum_ld(p, steps, lam)
    expected = {**trajectory_keys(decayed), **known_gradient_keys(p, steps)}
    if p["mode"] == "consistent":
        # by_hand: SGD without decay handed grad_W + lam W: the same trajectory, exactly
        expected.update(trajectory_keys(decayed, "by_hand."))
        expected.update(trajectory_keys(momentum_ld(p, steps), "no_decay."))
    return expected


def mlp_structure_oracle(p: dict) -> dict:
    act = {"relu": common.RELU, "sigmoid": common.SIGMOID}[p["activation"]]
    n_hidden = len(p["hidden_dims"])
    kinds = [k for _ in range(n_hidden) for k in (common.LINEAR, act)] + [common.LINEAR]
    expected = {"mlp.layers": Exact(np.array(kinds, dtype=float)),
                "mlp.shared_activations": Exact(np.array(0.0))}
    for k, W in enumerate(he_weights(p)):
        expected[f"layers[{2 * k}].W"] = W
        expected[f"layers[{2 * k}].b"] = Exact(np.zeros(W.shape[1]))
    return expected


def chain_gradients_fd(chain, x, g, layer_outputs: bool):
    """L = sum(g * chain(x)): dL/dx and, with layer_outputs, dL/d(output of each layer)."""
    def loss_from(start):
        return lambda h: np.sum(g * run_chain(chain, h, start))

    result = {"dX": central_difference(loss_from(0), x)}
    if layer_outputs:
        h = x
        for i, layer in enumerate(chain):
            h = layer(h)
            result[f"layers[{i}].backward_grad"] = central_difference(loss_from(i + 1), h)
    return result


def mlp_passes_fd(p: dict) -> dict:
    Ws, bs, X, G = passes_inputs(p)
    x, g = ld(X, G)
    chain = mlp_chain(Ws, bs, softsign_ld)      # the family's stand-ins: affine and softsign
    expected = {"logits": run_chain(chain, x)}
    if p["mode"] == "backward":
        expected.update(chain_gradients_fd(chain, x, g, layer_outputs=True))
    return expected


def mlp_end_to_end_fd(p: dict) -> dict:
    Ws, bs, X, G = end_to_end_inputs(p)
    x, g = ld(X, G)
    act = ACT_LD[p["activation"]]
    expected = {"logits": run_chain(mlp_chain(Ws, bs, act), x)}
    expected.update(chain_gradients_fd(mlp_chain(Ws, bs, act), x, g, layer_outputs=False))
    for k in range(len(Ws)):
        def loss_of(v, k=k, name="W"):
            Wk = [*Ws[:k], v, *Ws[k + 1:]] if name == "W" else Ws
            bk = [*bs[:k], v, *bs[k + 1:]] if name == "b" else bs
            return np.sum(g * run_chain(mlp_chain(Wk, bk, act), x))

        expected[f"layers[{2 * k}].grad_W"] = central_difference(loss_of, Ws[k])
        expected[f"layers[{2 * k}].grad_b"] = central_difference(
            lambda v, k=k: loss_of(v, k, "b"), bs[k])
    return expected


FD_ORACLES = {"linear_layer": linear_fd, "activation": activation_fd,
              "cross_entropy": cross_entropy_fd, "sgd": sgd_fd, "sgd_setup": sgd_setup_oracle,
              "weight_decay": weight_decay_fd, "mlp_structure": mlp_structure_oracle,
              "mlp_unknown_activation": unknown_activation_oracle,
              "mlp_passes": mlp_passes_fd, "mlp_end_to_end": mlp_end_to_end_fd}


# ------------------------------------------------------------------ torch oracles (float64)

def linear_torch(torch, p: dict) -> dict:
    W, b, X, X2, G, G2 = linear_inputs(p)
    Wt, bt = (torch.tensor(v, requires_grad=True) for v in (W, b))

    def forward(x):
        xt = torch.tensor(x, requires_grad=True)
        return xt, torch.nn.functional.linear(xt, Wt.T, bt)

    def backward(xt, out, g):
        """out.backward(g): W.grad and b.grad accumulate, as the contract's Linear does."""
        xt.grad = None
        out.backward(torch.tensor(g), retain_graph=True)
        return xt.grad.numpy().copy()

    xt, out = forward(X)
    expected = {"linear.out": out.detach().numpy()}
    mode = p["mode"]
    if mode == "forward":
        return expected
    if mode in ("backward", "latest_input"):
        expected["linear.dX"] = backward(xt, out, G)
        expected["linear.grad_W"], expected["linear.grad_b"] = Wt.grad.numpy(), bt.grad.numpy()
        return expected
    for step, g in ((1, G), (2, G2)):
        if step == 2 and p.get("refresh_input"):
            xt, out = forward(X2)
            expected["linear.out@second_batch"] = out.detach().numpy()
        expected[f"linear.dX@backward_{step}"] = backward(xt, out, g)
        expected[f"linear.grad_W@after_backward_{step}"] = Wt.grad.numpy().copy()
        expected[f"linear.grad_b@after_backward_{step}"] = bt.grad.numpy().copy()
    expected["linear.W@after_backward_2"] = Exact(Wt.detach().numpy())
    expected["linear.b@after_backward_2"] = Exact(bt.detach().numpy())
    return expected


def activation_torch(torch, p: dict) -> dict:
    cls, label = p["cls"], p["cls"].lower()
    X, G = activation_inputs(p)
    xt = torch.tensor(X, requires_grad=True)
    out = {"ReLU": torch.relu, "Sigmoid": torch.sigmoid}[cls](xt)   # torch: ReLU'(0) = 0
    out.backward(torch.tensor(G))
    return by_stage(p, {f"{label}.out": out.detach().numpy(), f"{label}.dX": xt.grad.numpy()})


def cross_entropy_torch(torch, p: dict) -> dict:
    logits, labels = cross_entropy_family.make_inputs(p)
    xt = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(xt, torch.tensor(labels.astype(np.int64)),
                                             reduction="mean")
    loss.backward()
    expected = {"loss": np.array(loss.item()), "dlogits": xt.grad.numpy()}
    if int(p.get("backward_calls", 1)) == 2:
        expected["dlogits@second_backward_call"] = xt.grad.numpy()
    return expected


def torch_trajectory(torch, p: dict, steps: int, weight_decay: float = 0.0,
                     by_hand: bool = False) -> list[dict]:
    """torch.optim.SGD on the family's known gradients: weight decay on the W group only, or
    (by_hand) no decay but grad_W + lam W handed in as the gradient."""
    layers, positions = sgd_layers(p)
    leaves = {(i, n): torch.tensor(np.array(getattr(layers[i], n)), requires_grad=True)
              for i in positions for n in ("W", "b")}
    groups = [{"params": [v for (_, n), v in leaves.items() if n == "W"],
               "weight_decay": 0.0 if by_hand else weight_decay},
              {"params": [v for (_, n), v in leaves.items() if n == "b"], "weight_decay": 0.0}]
    optimiser = torch.optim.SGD(groups, lr=float(p["lr"]), momentum=float(p.get("momentum", 0.0)))
    history = []
    for step in range(1, steps + 1):
        grads = sgd_family.known_gradients(p, layers, positions, step)
        for (i, name), g in grads.items():
            leaf = leaves[(i, name[5:])]
            if by_hand and name == "grad_W":
                g = g + weight_decay * leaf.detach().numpy()
            leaf.grad = torch.tensor(g)
        optimiser.step()
        history.append({key: leaf.detach().numpy().copy() for key, leaf in leaves.items()})
    return history


def sgd_torch(torch, p: dict) -> dict:
    if p["mode"] == "zero_grad":
        layers, positions = sgd_layers(p)
        leaves = {(i, n): torch.tensor(np.array(getattr(layers[i], n)), requires_grad=True)
                  for i in positions for n in ("W", "b")}
        optimiser = torch.optim.SGD(list(leaves.values()), lr=float(p["lr"]),
                                    momentum=float(p.get("momentum", 0.0)))
        grads = sgd_family.known_gradients(p, layers, positions, 0)
        for (i, name), g in grads.items():
            leaves[(i, name[5:])].grad = torch.tensor(g)
        optimiser.zero_grad(set_to_none=False)
        expected = {}
        for (i, n), leaf in leaves.items():
            expected[f"layers[{i}].{n}@after_zero_grad"] = Exact(leaf.detach().numpy())
            expected[f"layers[{i}].grad_{n}@after_zero_grad"] = Exact(leaf.grad.numpy())
        return expected
    steps = int(p["steps"])
    expected = trajectory_keys(torch_trajectory(torch, p, steps))
    if p["mode"] == "steps":
        expected.update(known_gradient_keys(p, steps))
    return expected


def weight_decay_torch(torch, p: dict) -> dict:
    steps, lam = int(p["steps"]), float(p["weight_decay"])
    expected = {**trajectory_keys(torch_trajectory(torch, p, steps, lam)),
                **known_gradient_keys(p, steps)}
    if p["mode"] == "consistent":
        expected.update(trajectory_keys(torch_trajectory(torch, p, steps, lam, by_hand=True),
                                        "by_hand."))
        expected.update(trajectory_keys(torch_trajectory(torch, p, steps), "no_decay."))
    return expected


def torch_chain(torch, Ws, bs, act, X, G, layer_outputs: bool):
    """The MLP as float64 leaves; L = sum(G * logits) backpropagated by autograd."""
    W_leaves = [torch.tensor(W, requires_grad=True) for W in Ws]
    b_leaves = [torch.tensor(np.asarray(b), requires_grad=True) for b in bs]
    xt = torch.tensor(X, requires_grad=True)
    h, outputs = xt, []
    for k, (W, b) in enumerate(zip(W_leaves, b_leaves)):
        h = h @ W + b
        outputs.append(h)
        if k < len(Ws) - 1:
            h = act(h)
            outputs.append(h)
    for out in outputs:
        out.retain_grad()
    (torch.tensor(G) * h).sum().backward()
    expected = {"logits": h.detach().numpy(), "dX": xt.grad.numpy()}
    if layer_outputs:
        expected.update({f"layers[{i}].backward_grad": out.grad.numpy()
                         for i, out in enumerate(outputs)})
    else:
        for k, (W, b) in enumerate(zip(W_leaves, b_leaves)):
            expected[f"layers[{2 * k}].grad_W"] = W.grad.numpy()
            expected[f"layers[{2 * k}].grad_b"] = b.grad.numpy()
    return expected


def mlp_passes_torch(torch, p: dict) -> dict:
    Ws, bs, X, G = passes_inputs(p)
    expected = torch_chain(torch, Ws, bs, torch.nn.functional.softsign, X, G,
                           layer_outputs=True)
    if p["mode"] == "forward":
        expected = {"logits": expected["logits"]}
    return expected


def mlp_end_to_end_torch(torch, p: dict) -> dict:
    Ws, bs, X, G = end_to_end_inputs(p)
    act = {"relu": torch.relu, "sigmoid": torch.sigmoid}[p["activation"]]
    return torch_chain(torch, Ws, bs, act, X, G, layer_outputs=False)


# sgd_setup (two steps of the sgd family's trajectory), mlp_structure (NumPy's seeded He weights,
# layer codes) and mlp_unknown_activation (what was raised)
# have nothing for torch to compute: their finite-difference-side oracle is the whole check.
TORCH_ORACLES = {"linear_layer": linear_torch, "activation": activation_torch,
                 "cross_entropy": cross_entropy_torch, "sgd": sgd_torch,
                 "weight_decay": weight_decay_torch, "mlp_passes": mlp_passes_torch,
                 "mlp_end_to_end": mlp_end_to_end_torch}


# ------------------------------------------------------------------ the tests

def reference_matches_extended_precision_oracle(case):
    assert_matches(case, case.reference(), FD_ORACLES[case.family](case.params),
                   "finite-difference")


def reference_matches_torch(case):
    torch = pytest.importorskip("torch")
    assert_matches(case, case.reference(), TORCH_ORACLES[case.family](torch, case.params),
                   "torch")


def gradient_check_names(p: dict) -> set[str]:
    """The checks gradient_checks must record for its target (its module docstring)."""
    target = p["target"]
    if target == "linear":
        return {f"linear.{name}" for name in ("dX", "grad_W", "grad_b", "grad_W_accumulated",
                                               "grad_b_accumulated")}
    if target in ("relu", "sigmoid"):
        return {f"{target}.dX"}
    if target == "loss":
        return {"loss.dlogits"}
    n_linear = len(p["hidden_dims"]) + 1
    return {"mlp.dX"} | {f"mlp.layers[{2 * k}].{name}" for k in range(n_linear)
                         for name in ("grad_W", "grad_b")}


def gradient_check_references_all_pass(case):
    ref = case.reference()
    names = gradient_check_names(case.params)
    assert set(ref) == {f"gradcheck.{n}" for n in names} | {f"gradcheck.{n}.rel_error"
                                                             for n in names}
    for name in sorted(names):
        assert np.array_equal(np.ravel(ref[f"gradcheck.{name}"]), [1.0]), name
        error = float(np.ravel(ref[f"gradcheck.{name}.rel_error"])[0])
        assert 0.0 <= error <= gradient_checks_family.LIMIT, (name, error)


# ------------------------------------------------------------------ what the generic suite runs

# family -> the checks every one of its cases gets (each raises AssertionError, or skips).
CHECKS = {family_name: [reference_matches_extended_precision_oracle]
          + ([reference_matches_torch] if family_name in TORCH_ORACLES else [])
          for family_name in FD_ORACLES}
CHECKS["gradient_checks"] = [gradient_check_references_all_pass]

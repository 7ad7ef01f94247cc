"""The reference solution against PyTorch autograd and torch.optim.SGD (skipped without torch)."""
import numpy as np
import pytest

import mlp

torch = pytest.importorskip("torch")
F = torch.nn.functional


def t64(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


TORCH_ACTIVATIONS = {
    "Sigmoid": torch.sigmoid,
    "Tanh": torch.tanh,
    "ReLU": torch.relu,
    "LeakyReLU": lambda x: F.leaky_relu(x, 0.01),
}


@pytest.mark.parametrize("shape", [(1, 1), (4, 6), (50, 3)])
@pytest.mark.parametrize("name", sorted(TORCH_ACTIVATIONS))
def test_activation_matches_autograd(name, shape):
    rng = np.random.default_rng(len(name) * 10 + shape[0])
    x = 4.0 * rng.standard_normal(shape)
    x.flat[0] = 0.0  # the kink: ReLU's derivative at 0 is 0, LeakyReLU's is alpha
    upstream = rng.standard_normal(shape)
    act = getattr(mlp, name)()
    out = act(x)
    tx = t64(x, grad=True)
    tout = TORCH_ACTIVATIONS[name](tx)
    tout.backward(t64(upstream))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(upstream * act.derivative(), tx.grad.numpy(), rtol=1e-12,
                               atol=1e-15)


def test_sigmoid_extreme_inputs_match_torch():
    x = np.array([[-1000.0, -745.0, -300.0, -30.0, 0.0, 30.0, 300.0, 1000.0]])
    np.testing.assert_allclose(mlp.Sigmoid()(x), torch.sigmoid(t64(x)).numpy(), rtol=1e-14,
                               atol=1e-300)  # sigmoid(-745) is subnormal: torch flushes it


@pytest.mark.parametrize("shape, scale", [((1, 3), 1.0), ((8, 10), 3.0), ((5, 4), 1e4)])
def test_softmax_cross_entropy_matches_autograd(shape, scale):
    rng = np.random.default_rng(shape[0])
    x = scale * rng.standard_normal(shape)
    labels = rng.integers(0, shape[1], shape[0])
    crit = mlp.SoftmaxCrossEntropy()
    loss = crit(x, np.eye(shape[1])[labels])
    tx = t64(x, grad=True)
    tloss = F.cross_entropy(tx, torch.tensor(labels), reduction="none")
    tloss.sum().backward()
    np.testing.assert_allclose(loss, tloss.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(crit.sm, torch.softmax(t64(x), 1).numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(crit.derivative(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(4, 3), (32, 7)])
def test_batchnorm_matches_autograd(shape):
    rng = np.random.default_rng(shape[0])
    x = 3.0 * rng.standard_normal(shape) + 2.0
    x[:, 0] = 1.7  # a constant feature
    gamma, beta = rng.standard_normal((1, shape[1])), rng.standard_normal((1, shape[1]))
    upstream = rng.standard_normal(shape)
    bn = mlp.BatchNorm(shape[1], alpha=0.8)
    bn.gamma, bn.beta = gamma.copy(), beta.copy()
    out = bn(x)
    dx = bn.backward(upstream)

    tx, tg, tb = t64(x, True), t64(gamma[0], True), t64(beta[0], True)
    running_mean, running_var = torch.zeros(shape[1], dtype=torch.float64), torch.ones(
        shape[1], dtype=torch.float64)
    tout = F.batch_norm(tx, running_mean, running_var, tg, tb, training=True, momentum=0.2,
                        eps=1e-8)
    tout.backward(t64(upstream))
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    # the constant feature's dgamma is rounding noise (norm ~ 1e-13) in both
    np.testing.assert_allclose(bn.dgamma[0], tg.grad.numpy(), rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(bn.dbeta[0], tb.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean[0], running_mean.numpy(), rtol=1e-12)
    # torch's running variance uses the unbiased estimate; the contract uses the biased one.
    n = shape[0]
    np.testing.assert_allclose(bn.running_var[0] - 0.8,
                               (running_var.numpy() - 0.8) * (n - 1) / n, rtol=1e-12, atol=1e-15)


class TorchTwin:
    """The same network in torch (float64), built from an mlp.MLP's current parameters."""

    def __init__(self, network, activation, momentum, weight_decay, lr):
        self.network = network
        self.activation = activation
        self.W = [t64(W, True) for W in network.W]
        self.b = [t64(np.reshape(b, -1), True) for b in network.b]
        self.gamma = [t64(bn.gamma[0], True) for bn in network.bn_layers]
        self.beta = [t64(bn.beta[0], True) for bn in network.bn_layers]
        self.optimizer = torch.optim.SGD(
            [{"params": self.W, "weight_decay": weight_decay},
             {"params": self.b + self.gamma + self.beta, "weight_decay": 0.0}],
            lr=lr, momentum=momentum)

    def loss(self, x, labels):
        h = t64(x)
        for i in range(self.network.nlayers):
            h = h @ self.W[i] + self.b[i]
            if i < self.network.num_bn_layers:
                h = F.batch_norm(h, None, None, self.gamma[i], self.beta[i], training=True,
                                 eps=1e-8)
            if i < self.network.nlayers - 1:
                h = self.activation(h)
        return F.cross_entropy(h, torch.tensor(labels.argmax(axis=1)), reduction="mean")

    def train_step(self, x, labels):
        self.optimizer.zero_grad()
        self.loss(x, labels).backward()
        self.optimizer.step()


def build(sizes, activation, num_bn_layers, momentum, weight_decay, lr=0.05, seed=0):
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    hiddens = sizes[1:-1]
    return mlp.MLP(sizes[0], sizes[-1], hiddens,
                   [activation() for _ in hiddens] + [mlp.Identity()],
                   mlp.random_normal_weight_init, lambda d: 0.1 * rng.standard_normal((1, d)),
                   mlp.SoftmaxCrossEntropy(), lr=lr, momentum=momentum,
                   num_bn_layers=num_bn_layers, weight_decay=weight_decay)


@pytest.mark.parametrize("num_bn_layers", [0, 2])
def test_mlp_gradients_match_autograd(num_bn_layers):
    network = build([10, 8, 6, 4], mlp.Sigmoid, num_bn_layers, 0.0, 0.0)
    twin = TorchTwin(network, torch.sigmoid, 0.0, 0.0, 0.05)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 10)), np.eye(4)[rng.integers(0, 4, 16)]
    network.forward(x)
    network.backward(y)
    twin.loss(x, y).backward()
    for i in range(network.nlayers):
        np.testing.assert_allclose(network.dW[i], twin.W[i].grad.numpy(), rtol=1e-9, atol=1e-13)
        np.testing.assert_allclose(network.db[i][0], twin.b[i].grad.numpy(), rtol=1e-9,
                                   atol=1e-13)
    for i, bn in enumerate(network.bn_layers):
        np.testing.assert_allclose(bn.dgamma[0], twin.gamma[i].grad.numpy(), rtol=1e-9)
        np.testing.assert_allclose(bn.dbeta[0], twin.beta[i].grad.numpy(), rtol=1e-9)


@pytest.mark.parametrize("momentum, weight_decay, num_bn_layers, activation", [
    (0.0, 0.0, 0, "Tanh"),
    (0.9, 0.0, 0, "Sigmoid"),
    (0.9, 0.01, 2, "ReLU"),
    (0.5, 0.1, 1, "Tanh"),
])
def test_momentum_trajectory_matches_torch_sgd(momentum, weight_decay, num_bn_layers,
                                               activation):
    """torch keeps buf = m * buf + g and does p -= lr * buf; the contract keeps
    v = m * v - lr * g and does p += v. With a constant lr, v = -lr * buf at every step, so
    the parameter trajectories are the same."""
    lr = 0.05
    network = build([7, 9, 6, 3], getattr(mlp, activation), num_bn_layers, momentum,
                    weight_decay, lr)
    twin = TorchTwin(network, getattr(torch, activation.lower()), momentum, weight_decay, lr)
    rng = np.random.default_rng(4)
    initial = np.copy(network.W[0])
    for _ in range(6):
        x, y = rng.standard_normal((12, 7)), np.eye(3)[rng.integers(0, 3, 12)]
        network.zero_grads()
        network.forward(x)
        network.backward(y)
        network.step()
        twin.train_step(x, y)
    assert np.abs(network.W[0] - initial).max() > 1e-3  # the weights really moved
    for i in range(network.nlayers):
        np.testing.assert_allclose(network.W[i], twin.W[i].detach().numpy(), rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(np.reshape(network.b[i], -1), twin.b[i].detach().numpy(),
                                   rtol=1e-9, atol=1e-12)
    for i, bn in enumerate(network.bn_layers):
        np.testing.assert_allclose(bn.gamma[0], twin.gamma[i].detach().numpy(), rtol=1e-9)
        np.testing.assert_allclose(bn.beta[0], twin.beta[i].detach().numpy(), rtol=1e-9,
                                   atol=1e-12)

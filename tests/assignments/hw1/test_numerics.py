"""Forward values, numerical robustness and the MLP's bookkeeping (no finite differences)."""
import numpy as np
import pytest

import mlp

RAISE = dict(over="raise", divide="raise", invalid="raise")  # underflow to 0 is fine


@pytest.mark.parametrize("name", ["Sigmoid", "Tanh", "ReLU", "LeakyReLU"])
def test_activations_survive_huge_inputs(name):
    x = np.array([[-1e3, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1e3]])
    act = getattr(mlp, name)()
    with np.errstate(**RAISE):
        out = act(x)
        deriv = act.derivative()
    assert out.shape == deriv.shape == x.shape
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(deriv))
    assert act.state is out


def test_sigmoid_and_tanh_values():
    x = np.linspace(-30, 30, 13).reshape(13, 1)
    np.testing.assert_allclose(mlp.Sigmoid()(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    sig = mlp.Sigmoid()
    assert sig(np.array([[-1e3, 1e3]])).tolist() == [[0.0, 1.0]]
    np.testing.assert_allclose(mlp.Tanh()(x), np.tanh(x), rtol=1e-15)


def test_softmax_cross_entropy_with_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [3.0, 1.0, 0.2]])
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    crit = mlp.SoftmaxCrossEntropy()
    with np.errstate(**RAISE):
        loss = crit(x, y)
        deriv = crit.derivative()
    expected_last = -np.log(np.exp(0.2) / np.exp([3.0, 1.0, 0.2]).sum())
    np.testing.assert_allclose(loss, [2e4, np.log(3.0), expected_last], rtol=1e-12)
    np.testing.assert_allclose(crit.sm.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(deriv[0], [1.0, -1.0, 0.0], atol=1e-300)
    assert crit.logits is x and crit.labels is y and crit.loss is loss
    assert loss.shape == (3,)


def test_batchnorm_forward_statistics_and_running_averages():
    rng = np.random.default_rng(0)
    bn = mlp.BatchNorm(3, alpha=0.75)
    for attr in ("mean", "var", "gamma", "dgamma", "beta", "dbeta", "running_mean",
                 "running_var"):
        assert getattr(bn, attr).shape == (1, 3), attr
    assert bn.eps == 1e-8
    x1, x2 = rng.standard_normal((10, 3)) * 2 + 1, rng.standard_normal((6, 3))
    out = bn(x1)
    np.testing.assert_allclose(bn.mean, x1.mean(0, keepdims=True))
    np.testing.assert_allclose(bn.var, x1.var(0, keepdims=True))  # biased
    np.testing.assert_allclose(bn.norm, (x1 - bn.mean) / np.sqrt(bn.var + 1e-8))
    assert bn.x is x1 and bn.out is out
    bn(x2)
    np.testing.assert_allclose(bn.running_mean[0], 0.25 * (0.75 * x1.mean(0) + x2.mean(0)))
    np.testing.assert_allclose(bn.running_var[0],
                               0.75 * (0.75 + 0.25 * x1.var(0)) + 0.25 * x2.var(0))


def test_batchnorm_eval_uses_running_statistics_and_changes_nothing():
    rng = np.random.default_rng(1)
    bn = mlp.BatchNorm(4)
    bn.gamma, bn.beta = rng.random((1, 4)) + 0.5, rng.standard_normal((1, 4))
    bn(rng.standard_normal((8, 4)))
    snapshot = {k: np.copy(v) for k, v in vars(bn).items() if isinstance(v, np.ndarray)}
    x = rng.standard_normal((5, 4))
    out = bn(x, eval=True)
    expected = bn.gamma * (x - bn.running_mean) / np.sqrt(bn.running_var + 1e-8) + bn.beta
    np.testing.assert_allclose(out, expected)
    for name, value in snapshot.items():
        np.testing.assert_array_equal(getattr(bn, name), value, err_msg=name)


def test_batchnorm_constant_feature_and_batch_of_one_are_finite():
    bn = mlp.BatchNorm(2)
    with np.errstate(**RAISE):
        out = bn(np.array([[0.1, 5.0], [0.1, -5.0], [0.1, 1.0]]))
        dx = bn.backward(np.ones((3, 2)))
        one = bn(np.array([[2.0, 3.0]]))
        dx_one = bn.backward(np.array([[1.0, -1.0]]))
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(dx))
    np.testing.assert_allclose(out[:, 0], 0.0, atol=1e-10)
    np.testing.assert_array_equal(one, bn.beta)
    np.testing.assert_array_equal(dx_one, 0.0)


def test_initializers():
    np.random.seed(3)
    W = mlp.random_normal_weight_init(4, 7)
    np.random.seed(3)
    np.testing.assert_array_equal(W, np.random.randn(4, 7))
    b = mlp.zeros_bias_init(5)
    assert b.shape == (1, 5) and b.dtype == np.float64 and not b.any()


def recording_inits(calls):
    def weight_init(d0, d1):
        calls.append(("W", d0, d1))
        return np.full((d0, d1), float(len(calls)))

    def bias_init(d):
        calls.append(("b", d))
        return np.full(d, float(len(calls)))  # flat (d,) on purpose
    return weight_init, bias_init


def test_mlp_construction_order_shapes_and_attributes():
    calls = []
    weight_init, bias_init = recording_inits(calls)
    acts = [mlp.ReLU(), mlp.ReLU(), mlp.Identity()]
    crit = mlp.SoftmaxCrossEntropy()
    net = mlp.MLP(5, 3, [4, 6], acts, weight_init, bias_init, crit, lr=0.1, momentum=0.5,
                  num_bn_layers=1, weight_decay=0.01)
    assert calls == [("W", 5, 4), ("b", 4), ("W", 4, 6), ("b", 6), ("W", 6, 3), ("b", 3)]
    assert [W.shape for W in net.W] == [(5, 4), (4, 6), (6, 3)]
    assert [b.shape for b in net.b] == [(4,), (6,), (3,)]
    assert [dW.shape for dW in net.dW] == [(5, 4), (4, 6), (6, 3)]
    assert [db.shape for db in net.db] == [(4,), (6,), (3,)]
    assert net.W[1][0, 0] == 3.0 and net.b[2][0] == 6.0
    assert net.train_mode is True and net.bn is True and net.num_bn_layers == 1
    assert net.nlayers == 3 and net.input_size == 5 and net.output_size == 3
    assert net.activations is acts and net.criterion is crit
    assert (net.lr, net.momentum, net.weight_decay) == (0.1, 0.5, 0.01)
    assert len(net.bn_layers) == 1 and net.bn_layers[0].gamma.shape == (1, 4)
    net.eval()
    assert net.train_mode is False
    net.train()
    assert net.train_mode is True
    plain = mlp.MLP(5, 3, [], [mlp.Identity()], mlp.random_normal_weight_init,
                    mlp.zeros_bias_init, crit, lr=0.1)
    assert plain.nlayers == 1 and plain.bn is False and plain.bn_layers == []


def small_net(momentum=0.0, num_bn_layers=0, seed=0):
    np.random.seed(seed)
    return mlp.MLP(4, 3, [5], [mlp.Sigmoid(), mlp.Identity()], mlp.random_normal_weight_init,
                   mlp.zeros_bias_init, mlp.SoftmaxCrossEntropy(), lr=0.1, momentum=momentum,
                   num_bn_layers=num_bn_layers)


def test_mlp_forward_is_the_composition_of_its_layers():
    net = small_net(num_bn_layers=1)
    x = np.random.default_rng(0).standard_normal((6, 4))
    z = x @ net.W[0] + net.b[0]
    norm = (z - z.mean(0)) / np.sqrt(z.var(0) + 1e-8)
    expected = (1 / (1 + np.exp(-norm))) @ net.W[1] + net.b[1]
    np.testing.assert_allclose(net.forward(x), expected, rtol=1e-12)
    running = np.copy(net.bn_layers[0].running_mean)
    net.eval()
    net.forward(x)
    np.testing.assert_array_equal(net.bn_layers[0].running_mean, running)


def test_zero_grads_and_momentum_steps():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((7, 4)), np.eye(3)[rng.integers(0, 3, 7)]
    net = small_net(momentum=0.9, num_bn_layers=1)
    W0 = np.copy(net.W[0])
    net.forward(x)
    net.backward(y)
    g1 = np.copy(net.dW[0])
    net.step()  # velocities start at zero
    np.testing.assert_allclose(net.W[0], W0 - 0.1 * g1, rtol=1e-14)
    net.zero_grads()
    for grad in net.dW + net.db + [net.bn_layers[0].dgamma, net.bn_layers[0].dbeta]:
        assert not grad.any()
    W1 = np.copy(net.W[0])
    net.forward(x)
    net.backward(y)
    g2 = np.copy(net.dW[0])
    net.step()
    np.testing.assert_allclose(net.W[0], W1 + 0.9 * (-0.1 * g1) - 0.1 * g2, rtol=1e-13)
    net.zero_grads()
    net.step()  # zero gradient: momentum alone keeps moving the weights
    assert not np.allclose(net.W[0], W1 + 0.9 * (-0.1 * g1) - 0.1 * g2)


def test_mlp_batch_of_one_with_batchnorm_and_huge_inputs_raises_no_warning():
    net = small_net(num_bn_layers=1)
    with np.errstate(**RAISE):
        out = net.forward(np.array([[1e3, -1e3, 5.0, 0.0]]))
        net.backward(np.array([[0.0, 1.0, 0.0]]))
        net.step()
    assert np.all(np.isfinite(out))
    assert all(np.all(np.isfinite(W)) for W in net.W)

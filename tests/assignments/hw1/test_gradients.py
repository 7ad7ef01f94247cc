"""Every gradient of the reference solution against central finite differences."""
import zlib

import numpy as np
import pytest

import mlp
from tools.gradcheck import (check_activation, check_batchnorm, check_batchnorm_at,
                             check_criterion, check_mlp, numerical_gradient, relative_error)

TOL = 1e-6
SHAPES = [(1, 1), (1, 9), (7, 5), (32, 3)]


def test_numerical_gradient_of_a_known_function():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    numeric = numerical_gradient(lambda: np.sum(np.sin(x) * x), x)
    np.testing.assert_allclose(numeric, np.cos(x) * x + np.sin(x), rtol=1e-8)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(3), -np.ones(3)) == pytest.approx(2.0)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", ["Sigmoid", "Tanh", "ReLU", "LeakyReLU"])
def test_activation_derivative(name, shape):
    # A fixed seed per case: str hashes change between processes, and an unlucky draw (a tanh
    # input far in the tail, alone in a 1x1 batch) leaves finite differences mostly rounding.
    rng = np.random.default_rng(zlib.crc32(f"{name}{shape}".encode()))
    errors = check_activation(getattr(mlp, name)(), shape, rng)
    assert errors["d/dx"] < TOL


def test_identity_derivative_is_one():
    act = mlp.Identity()
    x = np.arange(6.0).reshape(2, 3)
    assert act(x) is x and act.derivative() == 1.0


@pytest.mark.parametrize("alpha", [0.01, 0.2])
def test_leaky_relu_alpha(alpha):
    act = mlp.LeakyReLU(alpha)
    out = act(np.array([[-2.0, 0.0, 3.0]]))
    np.testing.assert_array_equal(out, [[-2.0 * alpha, 0.0, 3.0]])
    np.testing.assert_array_equal(act.derivative(), [[alpha, alpha, 1.0]])


def test_relu_derivative_is_zero_at_zero():
    act = mlp.ReLU()
    act(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(act.derivative(), [[0.0, 0.0, 1.0]])
    assert act.derivative().dtype == np.float64


@pytest.mark.parametrize("shape", [(1, 2), (6, 4), (20, 10)])
def test_softmax_cross_entropy_derivative(shape):
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    assert check_criterion(mlp.SoftmaxCrossEntropy(), shape, rng)["d/dx"] < TOL


def test_squared_error_derivative():
    rng = np.random.default_rng(5)
    crit = mlp.SquaredError()
    x, y = rng.standard_normal((4, 6)), rng.random((4, 6))
    crit(x, y)
    numeric = numerical_gradient(lambda: np.sum(crit(x, y)), x)
    assert relative_error(crit.derivative(), numeric) < TOL


@pytest.mark.parametrize("shape", [(3, 1), (5, 3), (40, 8)])
def test_batchnorm_gradients(shape):
    rng = np.random.default_rng(shape[0] + 7 * shape[1])
    errors = check_batchnorm(mlp.BatchNorm(shape[1]), shape, rng)
    assert max(errors.values()) < TOL, errors


def test_batchnorm_gradients_with_a_constant_feature():
    rng = np.random.default_rng(11)
    bn = mlp.BatchNorm(3)
    bn.gamma = np.array([[1.5, 0.7, -0.4]])
    x = rng.standard_normal((6, 3))
    x[:, 1] = 0.3  # var = 0: norm = 0 and eps alone sets the scale 1/sqrt(eps) = 1e4
    upstream = rng.standard_normal((6, 3))
    # The function varies on the scale sqrt(eps) = 1e-4 in x, so the step must be far smaller.
    errors = check_batchnorm_at(bn, x, upstream, h=1e-9)
    assert max(errors.values()) < TOL, errors


def test_batchnorm_batch_of_one_has_zero_input_gradient():
    bn = mlp.BatchNorm(4)
    x = np.array([[1.0, -2.0, 3.0, 0.5]])
    upstream = np.array([[0.3, -1.0, 2.0, 0.1]])
    out = bn(x)
    np.testing.assert_array_equal(out, bn.beta + 0 * x)  # norm = 0 exactly
    dx = bn.backward(upstream)
    np.testing.assert_array_equal(dx, np.zeros_like(x))
    np.testing.assert_array_equal(bn.dbeta, upstream)
    np.testing.assert_array_equal(bn.dgamma, np.zeros_like(x))
    errors = check_batchnorm_at(bn, x, upstream)
    assert max(errors.values()) < TOL, errors


def make_mlp(sizes, activation, num_bn_layers=0, bias_shape="row", seed=0, **kwargs):
    np.random.seed(seed)
    rng = np.random.default_rng(seed + 100)
    if bias_shape == "row":
        def bias_init(d):
            return rng.standard_normal((1, d))
    else:
        def bias_init(d):
            return rng.standard_normal(d)
    hiddens = sizes[1:-1]
    return mlp.MLP(sizes[0], sizes[-1], hiddens,
                   [activation() for _ in hiddens] + [mlp.Identity()],
                   lambda d0, d1: np.random.randn(d0, d1) / np.sqrt(d0), bias_init,
                   mlp.SoftmaxCrossEntropy(), lr=0.1, num_bn_layers=num_bn_layers, **kwargs)


def batch(rng, n, n_in, n_out):
    return rng.standard_normal((n, n_in)), np.eye(n_out)[rng.integers(0, n_out, n)]


@pytest.mark.parametrize("sizes, activation, num_bn_layers, bias_shape", [
    ([5, 3], mlp.Sigmoid, 0, "row"),
    ([6, 7, 4], mlp.Tanh, 0, "flat"),
    ([6, 7, 5, 4], mlp.Sigmoid, 0, "row"),
    ([6, 7, 5, 4], mlp.ReLU, 1, "row"),
    ([6, 7, 5, 4], mlp.Tanh, 2, "flat"),
    ([8, 9, 6, 5, 3], mlp.LeakyReLU, 3, "row"),
])
def test_mlp_gradients_of_the_mean_loss(sizes, activation, num_bn_layers, bias_shape):
    network = make_mlp(sizes, activation, num_bn_layers, bias_shape)
    x, y = batch(np.random.default_rng(len(sizes)), 9, sizes[0], sizes[-1])
    for i in range(network.nlayers):
        assert network.b[i].shape == ((1, sizes[i + 1]) if bias_shape == "row"
                                      else (sizes[i + 1],))
    errors = check_mlp(network, x, y)
    assert max(errors.values()) < TOL, errors
    for i in range(network.nlayers):
        assert network.dW[i].shape == network.W[i].shape
        assert network.db[i].shape == network.b[i].shape
    for i in range(num_bn_layers):  # a bias followed by BatchNorm cannot change the output
        assert np.abs(network.db[i]).max() < 1e-12


def test_mlp_gradient_is_of_the_mean_not_the_sum():
    network = make_mlp([4, 3, 2], mlp.Sigmoid)
    x, y = batch(np.random.default_rng(0), 10, 4, 2)
    network.forward(x)
    network.backward(y)
    one_sample = [np.copy(g) for g in network.dW]
    network.forward(np.repeat(x, 3, axis=0))
    network.backward(np.repeat(y, 3, axis=0))
    for single, tripled in zip(one_sample, network.dW):
        np.testing.assert_allclose(tripled, single, rtol=1e-12)


def test_weight_decay_step_follows_the_penalised_gradient():
    wd, lr = 0.03, 0.1
    network = make_mlp([5, 4, 3], mlp.Tanh, num_bn_layers=1, weight_decay=wd)
    x, y = batch(np.random.default_rng(2), 8, 5, 3)

    def penalised_loss():
        return (np.mean(network.criterion(network.forward(x), y))
                + 0.5 * wd * sum(np.sum(W * W) for W in network.W))

    numeric_W = [numerical_gradient(penalised_loss, W) for W in network.W]
    before = [np.copy(p) for p in network.W + network.b]
    bn = network.bn_layers[0]
    gamma_before, beta_before = np.copy(bn.gamma), np.copy(bn.beta)
    network.zero_grads()
    network.forward(x)
    network.backward(y)
    db = [np.copy(g) for g in network.db]
    network.step()
    for W_old, W_new, numeric in zip(before, network.W, numeric_W):
        assert relative_error((W_old - W_new) / lr, numeric) < TOL
    for b_old, b_new, grad in zip(before[network.nlayers:], network.b, db):
        np.testing.assert_allclose(b_new, b_old - lr * grad, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(bn.gamma, gamma_before - lr * bn.dgamma, rtol=1e-13)
    np.testing.assert_allclose(bn.beta, beta_before - lr * bn.dbeta, rtol=1e-13, atol=1e-15)

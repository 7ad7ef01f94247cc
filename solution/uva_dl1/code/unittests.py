"""Provided: numerical gradient checks of the modules, in the spirit of the course's own
unittests.py. Run them from this folder: ``python -m unittest unittests``.

Each analytic gradient (a module's backward) is compared with central differences of its
forward pass, in float64, on random inputs. They catch many mistakes, not all: a LeakyReLU is
tried with a non-zero slope here, and the bias gradient is checked; passing them is necessary,
not sufficient.
"""
import unittest

import numpy as np

from modules import CrossEntropyModule, LeakyReLUModule, LinearModule, SoftMaxModule

STEP = 1e-6


def numerical_gradient(f, x, dout):
    """d sum(f(x) * dout) / dx by central differences; ``f`` must not keep state that
    changes the result."""
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        saved = x[index]
        x[index] = saved + STEP
        up = np.sum(f(x) * dout)
        x[index] = saved - STEP
        down = np.sum(f(x) * dout)
        x[index] = saved
        grad[index] = (up - down) / (2 * STEP)
    return grad


def relative_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


class TestLosses(unittest.TestCase):

    def test_cross_entropy_gradient(self):
        rng = np.random.RandomState(0)
        for _ in range(5):
            batch, classes = rng.randint(2, 8), rng.randint(3, 9)
            x = np.exp(rng.randn(batch, classes))
            x /= x.sum(axis=1, keepdims=True)
            y = np.eye(classes)[rng.randint(classes, size=batch)]
            module = CrossEntropyModule()
            analytic = module.backward(x, y)
            numeric = numerical_gradient(lambda v: module.forward(v, y), x.copy(), 1.0)
            self.assertLess(relative_error(analytic, numeric), 1e-5)

    def test_cross_entropy_is_the_mean_over_the_batch(self):
        x = np.array([[0.5, 0.5], [0.25, 0.75]])
        y = np.array([[1.0, 0.0], [0.0, 1.0]])
        expected = -(np.log(0.5) + np.log(0.75)) / 2
        self.assertAlmostEqual(CrossEntropyModule().forward(x, y), expected, places=12)


class TestLayers(unittest.TestCase):

    def test_linear_backward(self):
        rng = np.random.RandomState(1)
        for _ in range(5):
            batch, fan_in, fan_out = rng.randint(2, 6), rng.randint(2, 9), rng.randint(2, 9)
            layer = LinearModule(fan_in, fan_out)
            layer.params['weight'] = rng.randn(*layer.params['weight'].shape)
            layer.params['bias'] = rng.randn(*layer.params['bias'].shape)
            x, dout = rng.randn(batch, fan_in), rng.randn(batch, fan_out)
            layer.forward(x)
            dx = layer.backward(dout)
            self.assertLess(relative_error(dx, numerical_gradient(layer.forward, x.copy(),
                                                                   dout)), 1e-5)
            for key in ('weight', 'bias'):
                def with_param(value, key=key):
                    saved = layer.params[key]
                    layer.params[key] = value
                    out = layer.forward(x)
                    layer.params[key] = saved
                    return out
                numeric = numerical_gradient(with_param, layer.params[key].copy(), dout)
                self.assertLess(relative_error(layer.grads[key], numeric), 1e-5, key)

    def test_leaky_relu_backward(self):
        rng = np.random.RandomState(2)
        for slope in (0.0, 0.02, 0.3):
            x = rng.uniform(0.1, 2.0, (4, 6)) * rng.choice([-1.0, 1.0], (4, 6))
            dout = rng.randn(4, 6)
            module = LeakyReLUModule(slope)
            module.forward(x)
            dx = module.backward(dout)
            self.assertLess(relative_error(dx, numerical_gradient(module.forward, x.copy(),
                                                                   dout)), 1e-5, slope)

    def test_softmax_backward(self):
        rng = np.random.RandomState(3)
        for _ in range(5):
            x, dout = rng.randn(4, 6), rng.randn(4, 6)
            module = SoftMaxModule()
            module.forward(x)
            dx = module.backward(dout)
            self.assertLess(relative_error(dx, numerical_gradient(module.forward, x.copy(),
                                                                   dout)), 1e-5)


class TestBatchNorm(unittest.TestCase):
    """Part 3 against torch.autograd.gradcheck, in float64 (skipped without PyTorch)."""

    def setUp(self):
        try:
            import torch
        except ImportError:
            self.skipTest("PyTorch is not installed")
        self.torch = torch

    def test_autograd_module_normalises_each_neuron(self):
        from custom_batchnorm import CustomBatchNormAutograd
        torch = self.torch
        x = torch.randn(16, 5, dtype=torch.float64) * 3 + 2
        out = CustomBatchNormAutograd(5).double()(x)
        self.assertTrue(torch.allclose(out.mean(0), torch.zeros(5, dtype=torch.float64),
                                       atol=1e-8))
        self.assertTrue(torch.allclose(out.var(0, unbiased=False),
                                       torch.ones(5, dtype=torch.float64), atol=1e-3))

    def test_manual_function_gradcheck(self):
        from custom_batchnorm import CustomBatchNormManualFunction
        torch = self.torch
        for needs in ((True, True, True), (True, False, True), (False, True, False)):
            inputs = [torch.randn(*shape, dtype=torch.float64, requires_grad=need)
                      for shape, need in zip(((6, 4), (4,), (4,)), needs)]
            self.assertTrue(torch.autograd.gradcheck(
                lambda *t: CustomBatchNormManualFunction.apply(*t, 1e-5), tuple(inputs)), needs)


if __name__ == '__main__':
    unittest.main()

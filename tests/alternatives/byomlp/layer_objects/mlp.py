"""Alternative: one Layer object per layer (with __slots__), weights `weight`, bias `bias`,
gradients `weight_grad` and `bias_grad`, remembered values on the layer; zero_grad rebinds
fresh arrays and step rebinds the parameters (new arrays each time)."""
import numpy as np


class Layer:
    __slots__ = ("weight", "bias", "f", "fderiv", "name", "weight_grad", "bias_grad",
                 "inputs", "pre")

    def __init__(self, n_in, n_out, f, fderiv, name):
        self.weight = 0.1 * np.random.randn(n_out, n_in)
        self.bias = 0.1 * np.random.randn(n_out)
        self.f, self.fderiv, self.name = f, fderiv, name
        self.weight_grad = np.zeros((n_out, n_in))
        self.bias_grad = np.zeros(n_out)
        self.inputs = None
        self.pre = None

    def run(self, h):
        self.inputs = h
        self.pre = self.weight @ h + self.bias
        return self.f(self.pre)


class MLP:
    def __init__(self, d, est_lossderiv):
        self.d = d
        self.est_lossderiv = est_lossderiv
        self.layers = []

    def add_layer(self, m, f, fderiv, name=None):
        n_in = self.layers[-1].bias.size if self.layers else self.d
        self.layers.append(Layer(n_in, m, f, fderiv, name))

    def forward(self, x, start=None, end=None):
        running = start is None
        h = x
        for layer in self.layers:
            if not running and layer.name == start:
                running = True
            if running:
                h = layer.run(h)
                if end is not None and layer.name == end:
                    break
        return h

    def backward(self, x, y):
        out = self.forward(x)
        grad = self.est_lossderiv(out, y)
        last = self.layers[-1]
        if last.fderiv is not None:
            grad = grad * last.fderiv(last.pre)
        for i in reversed(range(len(self.layers))):
            layer = self.layers[i]
            layer.weight_grad = layer.weight_grad + np.outer(grad, layer.inputs)
            layer.bias_grad = layer.bias_grad + grad
            if i > 0:
                below = self.layers[i - 1]
                grad = (layer.weight.T @ grad) * below.fderiv(below.pre)

    def step(self, alpha):
        for layer in self.layers:
            layer.weight = layer.weight - alpha * layer.weight_grad
            layer.bias = layer.bias - alpha * layer.bias_grad

    def zero_grad(self):
        for layer in self.layers:
            layer.weight_grad = np.zeros(layer.weight.shape)
            layer.bias_grad = np.zeros(layer.bias.shape)

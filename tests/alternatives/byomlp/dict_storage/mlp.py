"""Alternative: every parameter in one dict keyed "W0", "b0", "W1", ...; gradients in another
dict with the same keys; the layer functions and names in lists of their own."""
import numpy as np


class MLP:
    def __init__(self, d, est_lossderiv):
        self.d = d
        self.est_lossderiv = est_lossderiv
        self.params = {}
        self.grads = {}
        self.functions = []
        self.names = []
        self.cache = {}

    def add_layer(self, m, f, fderiv, name=None):
        k = len(self.functions)
        prev = self.d if k == 0 else self.params[f"W{k - 1}"].shape[0]
        self.params[f"W{k}"] = np.random.randn(m, prev) * 0.1
        self.params[f"b{k}"] = np.random.randn(m) * 0.1
        self.grads[f"W{k}"] = np.zeros((m, prev))
        self.grads[f"b{k}"] = np.zeros(m)
        self.functions.append((f, fderiv))
        self.names.append(name)

    def _span(self, start, end):
        first = self.names.index(start) if start is not None else 0
        last = self.names.index(end) if end is not None else len(self.names) - 1
        return range(first, last + 1)

    def forward(self, x, start=None, end=None):
        h = x
        for k in self._span(start, end):
            self.cache[("h", k)] = h
            a = self.params[f"W{k}"].dot(h) + self.params[f"b{k}"]
            self.cache[("a", k)] = a
            h = self.functions[k][0](a)
        return h

    def backward(self, x, y):
        y_est = self.forward(x)
        delta = self.est_lossderiv(y_est, y)
        top = len(self.names) - 1
        if self.functions[top][1] is not None:
            delta = delta * self.functions[top][1](self.cache[("a", top)])
        for k in range(top, -1, -1):
            self.grads[f"W{k}"] += delta[:, None] * self.cache[("h", k)][None, :]
            self.grads[f"b{k}"] += delta
            if k:
                delta = self.params[f"W{k}"].T.dot(delta) * self.functions[k - 1][1](
                    self.cache[("a", k - 1)])

    def step(self, alpha):
        for key in self.params:
            self.params[key] -= alpha * self.grads[key]

    def zero_grad(self):
        for key in self.grads:
            self.grads[key] = np.zeros_like(self.grads[key])

"""Alternative: parameters in lists W and b, gradients in separate lists created lazily (None
until the first backward), functions in lists f and fderiv, names in a dict name -> index."""
import numpy as np


class MLP:
    def __init__(self, d, est_lossderiv):
        self.d = d
        self.est_lossderiv = est_lossderiv
        self.W, self.b = [], []
        self.dW, self.db = [], []
        self.f, self.fderiv = [], []
        self.index = {}

    def add_layer(self, m, f, fderiv, name=None):
        prev = self.d if not self.W else len(self.b[-1])
        self.W.append(0.1 * np.random.randn(m, prev))
        self.b.append(0.1 * np.random.randn(m))
        self.dW.append(None)
        self.db.append(None)
        self.f.append(f)
        self.fderiv.append(fderiv)
        if name is not None:
            self.index[name] = len(self.W) - 1

    def forward(self, x, start=None, end=None):
        lo = self.index[start] if start is not None else 0
        hi = self.index[end] if end is not None else len(self.W) - 1
        self.inputs, self.pre = {}, {}
        for k in range(lo, hi + 1):
            self.inputs[k] = x
            self.pre[k] = self.W[k] @ x + self.b[k]
            x = self.f[k](self.pre[k])
        return x

    def _add(self, grads, k, value):
        grads[k] = value.copy() if grads[k] is None else grads[k] + value

    def backward(self, x, y):
        y_est = self.forward(x)
        last = len(self.W) - 1
        g = self.est_lossderiv(y_est, y)
        if self.fderiv[last]:
            g = g * self.fderiv[last](self.pre[last])
        for k in range(last, -1, -1):
            self._add(self.dW, k, np.outer(g, self.inputs[k]))
            self._add(self.db, k, g)
            if k:
                g = self.W[k].T @ g * self.fderiv[k - 1](self.pre[k - 1])

    def step(self, alpha):
        for k in range(len(self.W)):
            if self.dW[k] is not None:
                self.W[k] -= alpha * self.dW[k]
                self.b[k] -= alpha * self.db[k]

    def zero_grad(self):
        self.dW = [None] * len(self.W)
        self.db = [None] * len(self.W)

"""Alternative: weights stored (m_prev, m) and applied as h @ W; the layers kept as tuples in
a list; remembered activations kept as lists of the whole pass; step rebinds."""
import numpy as np


class MLP:
    def __init__(self, d, est_lossderiv):
        self.d = d
        self.est_lossderiv = est_lossderiv
        self.weights = []
        self.biases = []
        self.dweights = []
        self.dbiases = []
        self.spec = []          # (f, fderiv, name) per layer

    def add_layer(self, m, f, fderiv, name=None):
        prev = self.weights[-1].shape[1] if self.weights else self.d
        self.weights.append(np.random.randn(prev, m) * 0.1)
        self.biases.append(np.random.randn(m) * 0.1)
        self.dweights.append(np.zeros((prev, m)))
        self.dbiases.append(np.zeros(m))
        self.spec.append((f, fderiv, name))

    def forward(self, x, start=None, end=None):
        names = [s[2] for s in self.spec]
        i = 0 if start is None else names.index(start)
        j = len(names) if end is None else names.index(end) + 1
        self.hs, self.zs = [x], []
        for k in range(i, j):
            z = self.hs[-1] @ self.weights[k] + self.biases[k]
            self.zs.append(z)
            self.hs.append(self.spec[k][0](z))
        return self.hs[-1]

    def backward(self, x, y):
        y_est = self.forward(x)
        g = self.est_lossderiv(y_est, y)
        if self.spec[-1][1] is not None:
            g = g * self.spec[-1][1](self.zs[-1])
        for k in range(len(self.weights) - 1, -1, -1):
            self.dweights[k] += np.outer(self.hs[k], g)
            self.dbiases[k] += g
            if k > 0:
                g = (g @ self.weights[k].T) * self.spec[k - 1][1](self.zs[k - 1])

    def step(self, alpha):
        self.weights = [W - alpha * dW for W, dW in zip(self.weights, self.dweights)]
        self.biases = [b - alpha * db for b, db in zip(self.biases, self.dbiases)]

    def zero_grad(self):
        for g in self.dweights + self.dbiases:
            g.fill(0)

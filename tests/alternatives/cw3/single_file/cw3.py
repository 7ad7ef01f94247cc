"""CW3 in one file (alternative-correct submission).

Sigmoid through logaddexp, ReLU through a product with the indicator, the MLP's forward as a
reduce over its layers, and SGD whose velocity already includes the learning rate:
v = mu * v + lr * g; p = p - v (the same steps as v = mu * v + g; p = p - lr * v at a fixed lr).
"""
from functools import reduce

import numpy as np


class Linear:
    def __init__(self, in_dim, out_dim):
        self.W = np.random.randn(in_dim, out_dim) * np.sqrt(2 / in_dim)
        self.b = np.zeros(out_dim)
        self.grad_W = np.zeros_like(self.W)
        self.grad_b = np.zeros_like(self.b)
        self.X = None

    def forward(self, X):
        self.X = X
        return X.dot(self.W) + self.b

    def backward(self, grad):
        self.grad_W += self.X.T.dot(grad)
        self.grad_b += grad.sum(0)
        return grad.dot(self.W.T)


class ReLU:
    def __init__(self):
        self.mask = None

    def forward(self, X):
        self.mask = X > 0
        return X * self.mask

    def backward(self, grad):
        return grad * self.mask


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, X):
        # sigmoid(x) = exp(-log(1 + exp(-x))); logaddexp(0, -x) = log(1 + exp(-x)) safely.
        self.out = np.exp(-np.logaddexp(0.0, -X))
        return self.out

    def backward(self, grad):
        return grad * self.out * (1 - self.out)


class CrossEntropyLoss:
    def __init__(self):
        self.probs = None
        self.labels = None

    def forward(self, logits, labels):
        n = len(labels)
        shifted = logits - logits.max(1)[:, None]
        total = np.exp(shifted).sum(1)
        self.probs = np.exp(shifted) / total[:, None]
        self.labels = np.array(labels, dtype=int)
        return float(np.mean(np.log(total) - shifted[np.arange(n), self.labels]))

    def backward(self):
        n = len(self.labels)
        d = np.array(self.probs)
        d[np.arange(n), self.labels] = d[np.arange(n), self.labels] - 1
        return d / n


ACTIVATION_TYPES = dict(relu=ReLU, sigmoid=Sigmoid)


class MLP:
    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        act = ACTIVATION_TYPES.get(activation)
        if act is None:
            raise ValueError("activation %r is not one of %s"
                             % (activation, ", ".join(ACTIVATION_TYPES)))
        dims = [input_dim] + list(hidden_dims) + [output_dim]
        self.layers = []
        for i in range(len(dims) - 1):
            if i:
                self.layers.append(act())
            self.layers.append(Linear(dims[i], dims[i + 1]))

    def forward(self, X):
        return reduce(lambda h, layer: layer.forward(h), self.layers, X)

    def backward(self, grad):
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad


class SGD:
    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        self.layers = [l for l in layers if hasattr(l, "W")]
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.velocities = ([(np.zeros_like(l.W), np.zeros_like(l.b)) for l in self.layers]
                           if momentum > 0 else [])

    def step(self):
        for i, l in enumerate(self.layers):
            g_w = l.grad_W + self.weight_decay * l.W
            g_b = l.grad_b
            if not self.momentum > 0:
                l.W -= self.lr * g_w
                l.b -= self.lr * g_b
                continue
            v_w, v_b = self.velocities[i]
            v_w *= self.momentum
            v_w += self.lr * g_w
            v_b *= self.momentum
            v_b += self.lr * g_b
            l.W -= v_w
            l.b -= v_b

    def zero_grad(self):
        for l in self.layers:
            l.grad_W.fill(0)
            l.grad_b.fill(0)

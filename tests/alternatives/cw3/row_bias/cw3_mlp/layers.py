import numpy as np


class Linear:
    """X @ W + b with b stored as a (1, out_dim) row, which broadcasts over the batch."""

    def __init__(self, in_dim, out_dim):
        self.W = np.random.randn(in_dim, out_dim) * np.sqrt(2 / in_dim)
        self.b = np.zeros((1, out_dim))
        self.grad_W = np.zeros_like(self.W)
        self.grad_b = np.zeros_like(self.b)
        self.X = None

    def forward(self, X):
        self.X = np.asarray(X, dtype=np.float64)
        return np.einsum("ni,io->no", self.X, self.W) + self.b

    def backward(self, grad):
        self.grad_W += np.einsum("ni,no->io", self.X, grad)
        self.grad_b += np.sum(grad, axis=0, keepdims=True)
        return np.einsum("no,io->ni", grad, self.W)


class ReLU:
    def __init__(self):
        self.mask = None

    def forward(self, X):
        self.mask = (X > 0).astype(np.float64)
        return X * self.mask

    def backward(self, grad):
        return grad * self.mask


class Sigmoid:
    def __init__(self):
        self.out = None

    def forward(self, X):
        # tanh saturates at +-1 instead of overflowing, so +-1e3 is fine.
        self.out = 0.5 * (1.0 + np.tanh(0.5 * X))
        return self.out

    def backward(self, grad):
        return grad * self.out * (1.0 - self.out)

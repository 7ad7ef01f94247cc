"""Layers of the network: an affine map and two activations.

Every layer has the same two methods:

    out = layer.forward(X)       compute the output and keep (cache) what backward needs
    dX = layer.backward(grad)    grad = dL/d(out), same shape as out; return dL/dX

`backward` always refers to the most recent `forward` call. Shapes: N is the batch size.
Everything is float64. Inputs can be as large as +-1e3: no overflow, no warnings (the tests
turn every warning into an error).
"""
import numpy as np


class Linear:
    """Fully connected layer: out = X @ W + b.

    Attributes:
        W: weights, (in_dim, out_dim), He-initialised: standard normal * sqrt(2 / in_dim).
        b: bias, (out_dim,), zeros.
        grad_W: dL/dW, (in_dim, out_dim). grad_b: dL/db, (out_dim,).
            Both start at zero and ACCUMULATE over backward calls until the optimizer's
            `zero_grad()` resets them (PyTorch does the same).
        X: the input of the last forward call, (N, in_dim).
    """

    def __init__(self, in_dim, out_dim):
        # Provided. He initialisation keeps the scale of ReLU activations roughly constant
        # from layer to layer. Only W draws from np.random, so a fixed np.random.seed and the
        # order in which layers are built determine every weight.
        self.W = np.random.randn(in_dim, out_dim) * np.sqrt(2 / in_dim)
        self.b = np.zeros(out_dim)
        self.grad_W = np.zeros_like(self.W)
        self.grad_b = np.zeros_like(self.b)
        self.X = None

    def forward(self, X):
        """Return X @ W + b, shape (N, out_dim), for X of shape (N, in_dim).

        Store X in `self.X`: backward needs it for grad_W.
        """
        # BEGIN SOLUTION
        self.X = X
        return X @ self.W + self.b
        # END SOLUTION

    def backward(self, grad):
        """Accumulate dL/dW and dL/db, and return dL/dX.

        grad: dL/d(out), (N, out_dim).
            grad_W += X.T @ grad             (in_dim, out_dim)
            grad_b += grad summed over N     (out_dim,)
            return grad @ W.T                (N, in_dim)

        Pitfalls: ADD to grad_W and grad_b (+=), do not overwrite them; the sum over the
        batch is already the gradient of the loss, so do not divide by N here (the loss's
        backward took care of the mean). Do not change W or b: updating them is the
        optimizer's job.
        """
        # BEGIN SOLUTION
        self.grad_W += self.X.T @ grad
        self.grad_b += grad.sum(axis=0)
        return grad @ self.W.T
        # END SOLUTION


class ReLU:
    """Rectified linear unit, elementwise: out = max(X, 0). Any input shape."""

    def __init__(self):
        self.mask = None

    def forward(self, X):
        """Return max(X, 0), same shape as X.

        Remember where X > 0 (for example as a boolean array in `self.mask`): that is all
        backward needs.
        """
        # BEGIN SOLUTION
        self.mask = X > 0
        return np.where(self.mask, X, 0.0)
        # END SOLUTION

    def backward(self, grad):
        """Return grad * d(out)/dX: grad where the input was > 0, and 0 elsewhere.

        The derivative at exactly 0 is taken to be 0 (as in PyTorch). The result has the
        shape of grad and is float64 (not boolean).
        """
        # BEGIN SOLUTION
        return np.where(self.mask, grad, 0.0)
        # END SOLUTION


class Sigmoid:
    """Logistic sigmoid, elementwise: out = 1 / (1 + exp(-X)). Any input shape."""

    def __init__(self):
        self.out = None

    def forward(self, X):
        """Return sigmoid(X), same shape as X, and store it in `self.out`.

        Pitfall: 1 / (1 + np.exp(-X)) overflows (a RuntimeWarning, which the tests treat as
        an error) once -X exceeds about 709. Only ever exponentiate a non-positive number:
            for X >= 0:  sigmoid(X) = 1 / (1 + exp(-X))
            for X <  0:  sigmoid(X) = exp(X) / (1 + exp(X))
        Both are exact rewrites of the same function, so the result stays accurate in both
        tails. Compute the exponential once for the whole array (np.where chooses between
        arrays; it does not skip evaluating either of them).
        """
        # BEGIN SOLUTION
        negative = X < 0
        z = np.exp(np.where(negative, X, -X))
        self.out = np.where(negative, z, 1.0) / (1.0 + z)
        return self.out
        # END SOLUTION

    def backward(self, grad):
        """Return grad * sigmoid'(X), where sigmoid'(X) = out * (1 - out).

        Use the stored output: recomputing the sigmoid from X is wasted work.
        """
        # BEGIN SOLUTION
        return grad * self.out * (1.0 - self.out)
        # END SOLUTION

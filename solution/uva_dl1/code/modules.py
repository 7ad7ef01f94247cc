"""The building blocks of the NumPy MLP (assignment part 1.2), each with a forward and a
backward pass. NumPy only: this file may not import PyTorch.

Shapes: a batch of S samples; ``x`` of a layer is (S, in_features), its output (S, out_features).
Every ``backward`` receives ``dout``, the gradient of the loss with respect to the module's
output (same shape as that output), and returns ``dx``, the gradient with respect to the
module's input (same shape as the input). Modules with parameters also store the gradients of
the loss with respect to them in ``self.grads``, under the same keys as ``self.params``.
"""
import numpy as np


class LinearModule(object):
    """An affine map, out = x W^T + b.

    params['weight']: (out_features, in_features), drawn from N(0, 0.0001^2)
    params['bias']:   (out_features,), zero
    grads['weight'], grads['bias']: like the parameters, zero until backward runs.
    """

    def __init__(self, in_features, out_features):
        """Create the parameters and their (zero) gradients.

        Args:
          in_features: size of each input sample
          out_features: size of each output sample
        """
        # BEGIN SOLUTION
        self.params = {'weight': np.random.normal(0.0, 0.0001, (out_features, in_features)),
                       'bias': np.zeros(out_features)}
        self.grads = {'weight': np.zeros((out_features, in_features)),
                      'bias': np.zeros(out_features)}
        self.x = None
        # END SOLUTION

    def forward(self, x):
        """out = x W^T + b for x (S, in_features); returns out (S, out_features).

        Keep whatever backward will need (the input) as an attribute.
        """
        # BEGIN SOLUTION
        self.x = x
        return x @ self.params['weight'].T + self.params['bias']
        # END SOLUTION

    def backward(self, dout):
        """dout (S, out_features) -> dx (S, in_features).

        Also stores grads['weight'] = dout^T x (out_features, in_features) and grads['bias'],
        dout summed over the batch (out_features,): the batch loss already holds the 1/S of
        the mean, so nothing here divides by S again.
        """
        # BEGIN SOLUTION
        self.grads['weight'] = dout.T @ self.x
        self.grads['bias'] = dout.sum(axis=0)
        return dout @ self.params['weight']
        # END SOLUTION


class LeakyReLUModule(object):
    """x -> x where x > 0, neg_slope * x elsewhere (elementwise)."""

    def __init__(self, neg_slope):
        """neg_slope: the slope a of the negative part (0 gives the plain ReLU)."""
        # BEGIN SOLUTION
        self.neg_slope = neg_slope
        self.x = None
        # END SOLUTION

    def forward(self, x):
        """x (S, n) -> out (S, n). Keep what backward needs."""
        # BEGIN SOLUTION
        self.x = x
        return np.where(x > 0, x, self.neg_slope * x)
        # END SOLUTION

    def backward(self, dout):
        """dout (S, n) -> dx (S, n): dout where x > 0, neg_slope * dout elsewhere."""
        # BEGIN SOLUTION
        return np.where(self.x > 0, dout, self.neg_slope * dout)
        # END SOLUTION


class SoftMaxModule(object):
    """Row-wise softmax, computed with the max trick: subtracting each row's maximum before
    exponentiating changes nothing mathematically and keeps exp from overflowing."""

    def forward(self, x):
        """x (S, C) -> out (S, C), every row a probability vector. Keep what backward needs."""
        # BEGIN SOLUTION
        shifted = np.exp(x - x.max(axis=1, keepdims=True))
        self.out = shifted / shifted.sum(axis=1, keepdims=True)
        return self.out
        # END SOLUTION

    def backward(self, dout):
        """dout (S, C) -> dx (S, C). Per sample, dx = J^T dout with the softmax Jacobian
        J = diag(p) - p p^T, i.e. dx = p * (dout - sum(dout * p))."""
        # BEGIN SOLUTION
        p = self.out
        return p * (dout - (dout * p).sum(axis=1, keepdims=True))
        # END SOLUTION


class CrossEntropyModule(object):
    """The categorical cross entropy of softmax outputs ``x`` (S, C) against one-hot targets
    ``y`` (S, C). The batch loss is the MEAN of the per-sample losses -sum_k y_k log x_k."""

    def forward(self, x, y):
        """Returns the batch loss, a scalar (the mean over the S samples)."""
        # BEGIN SOLUTION
        return float(-np.sum(y * np.log(x)) / x.shape[0])
        # END SOLUTION

    def backward(self, x, y):
        """Returns dx (S, C), the gradient of the mean loss: -y / x / S."""
        # BEGIN SOLUTION
        return -y / x / x.shape[0]
        # END SOLUTION

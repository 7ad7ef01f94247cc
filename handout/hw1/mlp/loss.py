"""Loss functions ("criteria") evaluated on a batch of network outputs.

Shapes: x (batch, classes) network outputs, y (batch, classes) targets. `forward` returns the
per-sample losses, shape (batch,); `derivative()` returns d(loss_n)/d(x_n) for every sample n,
shape (batch, classes), NOT divided by the batch size (the MLP does that for the mean loss).
"""
import numpy as np


class Criterion:
    """Base class (provided).

    Attributes (set by `forward`):
        logits: the last input x, (batch, classes).
        labels: the last targets y, (batch, classes).
        loss:   the last per-sample losses, (batch,).
    """

    def __init__(self):
        self.logits = None
        self.labels = None
        self.loss = None

    def __call__(self, x, y):
        return self.forward(x, y)

    def forward(self, x, y):
        raise NotImplementedError

    def derivative(self):
        raise NotImplementedError


class SoftmaxCrossEntropy(Criterion):
    """Softmax followed by cross-entropy against one-hot labels.

    Attributes (besides those of Criterion):
        sm: the softmax of the last logits, (batch, classes); each row sums to 1.
    """

    def __init__(self):
        super().__init__()
        self.sm = None

    def forward(self, x, y):
        """Return the per-sample cross-entropy losses, shape (batch,).

        x: logits, (batch, classes). y: one-hot labels, (batch, classes).
        loss_n = -sum_k y[n, k] * log(softmax(x[n])[k]).
        Store x in `self.logits`, y in `self.labels`, the softmax in `self.sm`, and the
        result in `self.loss`.

        Pitfall: exp(x) overflows for logits above about 709. Use the log-sum-exp trick:
        subtract each row's maximum m_n first (softmax does not change), then
            log softmax(x[n]) = (x[n] - m_n) - log(sum_k exp(x[n, k] - m_n)).
        Compute the loss from log-softmax, never as log(softmax): softmax can underflow to 0,
        and log(0) is -inf (a warning, and then inf * 0 = nan).
        """
        raise NotImplementedError
        return self.loss

    def derivative(self):
        """Return d(loss_n)/d(logits_n) = softmax - labels, shape (batch, classes).

        Per sample: do NOT divide by the batch size here.
        """
        raise NotImplementedError


class SquaredError(Criterion):
    """Half the squared Euclidean distance (provided; used by the autoencoder).

    loss_n = 0.5 * sum_k (x[n, k] - y[n, k])**2, so d(loss_n)/d(x_n) = x_n - y_n.
    """

    def forward(self, x, y):
        self.logits = x
        self.labels = y
        self.loss = 0.5 * ((x - y) ** 2).sum(axis=1)
        return self.loss

    def derivative(self):
        return self.logits - self.labels

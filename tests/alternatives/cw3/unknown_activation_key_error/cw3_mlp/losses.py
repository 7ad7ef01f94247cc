"""Softmax cross-entropy: the loss of a classifier that outputs one logit per class."""
import numpy as np


class CrossEntropyLoss:
    """Mean softmax cross-entropy over a batch.

    Shapes: N samples, C classes. The network outputs logits (N, C) (unnormalised scores);
    the loss applies the softmax itself, so the model must NOT end with a softmax layer.

    Attributes (set by forward, read by backward):
        probs: softmax of the last logits, (N, C); every row sums to 1.
        labels: the last integer labels, (N,).
    """

    def __init__(self):
        self.probs = None
        self.labels = None

    def forward(self, logits, labels):
        """Return the mean cross-entropy of the batch as a Python float.

        logits: (N, C) floats. labels: (N,) integer class indices in 0 .. C-1 (not one-hot).
            loss = (1/N) * sum_n [ log(sum_k exp(logits[n, k])) - logits[n, labels[n]] ]
        Also store the softmax in `self.probs` and the labels in `self.labels`.

        Pitfalls:
        - exp overflows for logits above about 709, and logits here can reach 1e4. Use the
          log-sum-exp trick: subtracting each row's maximum changes neither the softmax nor
          the loss, and afterwards every exponent is <= 0.
        - Never compute log(softmax): a tiny probability underflows to 0 and log(0) = -inf.
          Work with log-probabilities, shifted - log(sum(exp(shifted))), instead.
        - Pick the correct-class entries with integer indexing,
          a[np.arange(N), labels], not a Python loop.
        - Return float(...), not a 0-d array.
        """
        # BEGIN SOLUTION
        labels = np.asarray(labels)
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs = np.exp(log_probs)
        self.labels = labels
        return float(-log_probs[np.arange(len(labels)), labels].mean())
        # END SOLUTION

    def backward(self):
        """Return dL/dlogits = (probs - onehot(labels)) / N, shape (N, C).

        The 1/N is there because the loss is the MEAN over the batch; the layers below
        therefore sum over the batch without dividing again. Do not modify `self.probs`
        in place (copy it first).
        """
        # BEGIN SOLUTION
        n = len(self.labels)
        grad = self.probs.copy()
        grad[np.arange(n), self.labels] -= 1.0
        return grad / n
        # END SOLUTION

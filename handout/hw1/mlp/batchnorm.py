"""Batch normalization of one layer's pre-activations, forward next to backward."""
import numpy as np


class BatchNorm:
    """Normalise each feature over the batch, then scale by gamma and shift by beta.

    Shapes: inputs x are (batch, fan_in); gamma, beta, their gradients dgamma, dbeta, the batch
    statistics mean, var and the running statistics running_mean, running_var are all
    (1, fan_in) rows that broadcast over the batch.

    Attributes:
        alpha: weight of the old value in the running averages.
        eps: added to the variance before the square root (1e-8).
        x, norm, out: the input, the normalised input and the output of the last training-mode
            forward, (batch, fan_in).
        mean, var: that batch's mean and biased variance, (1, fan_in).
        gamma, beta: learnable scale (starts at 1) and shift (starts at 0).
        dgamma, dbeta: their gradients, set by `backward`.
        running_mean, running_var: exponential averages of the batch statistics, used in eval
            mode (start at 0 and 1).
    """

    def __init__(self, fan_in, alpha=0.9):
        self.alpha = alpha
        self.eps = 1e-8
        self.x = None
        self.norm = None
        self.out = None
        self.mean = np.zeros((1, fan_in))
        self.var = np.ones((1, fan_in))
        self.gamma = np.ones((1, fan_in))
        self.dgamma = np.zeros((1, fan_in))
        self.beta = np.zeros((1, fan_in))
        self.dbeta = np.zeros((1, fan_in))
        self.running_mean = np.zeros((1, fan_in))
        self.running_var = np.ones((1, fan_in))

    def __call__(self, x, eval=False):
        return self.forward(x, eval)

    def forward(self, x, eval=False):
        """Return gamma * norm + beta, shape (batch, fan_in).

        Training (eval=False):
            mean = the mean of x over the batch (axis 0), shape (1, fan_in);
            var  = the BIASED variance over the batch (divide by batch, not batch - 1);
            norm = (x - mean) / sqrt(var + eps);  out = gamma * norm + beta.
            Store x, mean, var, norm and out in the attributes of the same names, then update
                running_mean = alpha * running_mean + (1 - alpha) * mean   (same for var).
        Eval (eval=True): normalise with running_mean and running_var instead of the batch
            statistics and return the result WITHOUT changing any attribute (the cached batch
            values are what `backward` needs after a training forward).

        Pitfalls: keep the (1, fan_in) shape (`keepdims=True`); a batch of one or a feature that
        is constant over the batch has var = 0, which eps keeps finite.
        """
        raise NotImplementedError

    def backward(self, delta):
        """Given delta = dL/d(out), (batch, fan_in), of the last training forward: set
        `self.dgamma` = dL/dgamma and `self.dbeta` = dL/dbeta, both (1, fan_in), and return
        dL/dx, (batch, fan_in).

        Pitfall: mean and var depend on every row of x, so dL/dx is NOT just
        delta * gamma / sqrt(var + eps). With g = delta * gamma (the gradient w.r.t. norm),
        s = 1 / sqrt(var + eps) and averages over the batch axis written <.>, the chain rule
        through norm, mean and var simplifies to
            dL/dx = s * (g - <g> - norm * <g * norm>).
        Derive it on paper first; `python -m tools.gradcheck` checks your code numerically.
        """
        raise NotImplementedError

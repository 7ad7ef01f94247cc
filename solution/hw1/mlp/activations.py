"""Elementwise activation functions, each forward next to its derivative.

Every activation works on arrays of any shape, e.g. pre-activations z of shape (batch, units).
`forward(z)` stores its output in `self.state`; `derivative()` then returns d(output)/d(input)
elementwise, with the same shape as `state`, computed from `state` alone (no argument).
"""
import numpy as np


class Activation:
    """Base class (provided). Subclasses implement `forward` and `derivative`.

    Attributes:
        state: the output of the last `forward` call, shape = the input's shape.
    """

    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def derivative(self):
        raise NotImplementedError


class Identity(Activation):
    """f(x) = x (provided). Used for the output layer, whose outputs are the logits."""

    def forward(self, x):
        self.state = x
        return x

    def derivative(self):
        return 1.0


class Sigmoid(Activation):
    """Logistic sigmoid, f(x) = 1 / (1 + exp(-x))."""

    def forward(self, x):
        """Return sigmoid(x), same shape as x, and store it in `self.state`.

        Pitfall: the textbook formula computes exp(-x), which overflows (RuntimeWarning, and
        the tests treat warnings as errors) for x below about -710. Never exponentiate a large
        positive number: with e = exp(-|x|), which is always in (0, 1],
            sigmoid(x) = 1 / (1 + e)   where x >= 0
            sigmoid(x) = e / (1 + e)   where x <  0
        Both branches are exact algebra, so results keep full relative precision for large |x|.
        """
        # BEGIN SOLUTION
        e = np.exp(-np.abs(x))
        self.state = np.where(x >= 0, 1.0, e) / (1.0 + e)
        # END SOLUTION
        return self.state

    def derivative(self):
        """Return d sigmoid(x)/dx = s * (1 - s), s = `self.state`; same shape as the input."""
        # BEGIN SOLUTION
        return self.state * (1.0 - self.state)
        # END SOLUTION


class Tanh(Activation):
    """Hyperbolic tangent, f(x) = tanh(x)."""

    def forward(self, x):
        """Return tanh(x), same shape as x, and store it in `self.state`.

        Use `np.tanh`: writing it with exp overflows for large |x|.
        """
        # BEGIN SOLUTION
        self.state = np.tanh(x)
        # END SOLUTION
        return self.state

    def derivative(self):
        """Return d tanh(x)/dx = 1 - t**2, t = `self.state`; same shape as the input."""
        # BEGIN SOLUTION
        return 1.0 - self.state * self.state
        # END SOLUTION


class ReLU(Activation):
    """Rectified linear unit, f(x) = max(x, 0)."""

    def forward(self, x):
        """Return max(x, 0) elementwise, same shape as x, and store it in `self.state`."""
        # BEGIN SOLUTION
        self.state = np.maximum(x, 0.0)
        # END SOLUTION
        return self.state

    def derivative(self):
        """Return 1.0 where the input was > 0 and 0.0 elsewhere (the derivative at 0 is 0).

        Only `self.state` is available: the input was > 0 exactly where the output is > 0.
        Return floats, not booleans.
        """
        # BEGIN SOLUTION
        return (self.state > 0.0).astype(np.float64)
        # END SOLUTION


class LeakyReLU(Activation):
    """Bonus. f(x) = x for x > 0 and alpha * x otherwise (0 < alpha < 1)."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        """Return x where x > 0 and alpha * x elsewhere, and store it in `self.state`."""
        # BEGIN SOLUTION
        self.state = np.where(x > 0.0, x, self.alpha * x)
        # END SOLUTION
        return self.state

    def derivative(self):
        """Return 1.0 where the input was > 0 and alpha elsewhere (alpha at 0).

        For 0 < alpha the output has the sign of the input, so `self.state` tells you which.
        """
        # BEGIN SOLUTION
        return np.where(self.state > 0.0, 1.0, self.alpha)
        # END SOLUTION

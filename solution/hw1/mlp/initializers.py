"""Parameter initializers. Both draw from NumPy's global RNG (or none), so a fixed
`np.random.seed(...)` before building the MLP fixes every weight."""
import numpy as np


def random_normal_weight_init(d0, d1):
    """Return a (d0, d1) array of independent standard-normal samples, from `np.random`.

    d0 is the layer's fan-in, d1 its fan-out (the MLP computes x @ W).
    """
    # BEGIN SOLUTION
    return np.random.randn(d0, d1)
    # END SOLUTION


def zeros_bias_init(d):
    """Return a float array of d zeros with shape (1, d), a row that broadcasts over the batch."""
    # BEGIN SOLUTION
    return np.zeros((1, d))
    # END SOLUTION

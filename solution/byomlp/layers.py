"""Activation functions and their derivatives, elementwise on arrays (provided, not graded).

Every derivative takes a, the value BEFORE the activation (what forward stores as a), as
MLP.backward calls it: fderiv(a).

leaky_relu: the course's starter zeroed negative inputs (an ordinary ReLU) while its derivative
said 0.01 there; this one is leaky, as its name and derivative say.
"""
import numpy as np

LEAKY_SLOPE = 0.01


def logistic(a):
    """1 / (1 + exp(-a)), computed without overflow for large |a|."""
    a = np.asarray(a, dtype=float)
    out = np.empty_like(a)
    positive = a >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-a[positive]))
    e = np.exp(a[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def logistic_deriv(a):
    s = logistic(a)
    return s * (1.0 - s)


def leaky_relu(a):
    """a where a > 0, else 0.01 * a."""
    a = np.asarray(a, dtype=float)
    return np.where(a > 0, a, LEAKY_SLOPE * a)


def leaky_relu_deriv(a):
    """1 where a > 0, else 0.01."""
    return np.where(np.asarray(a) > 0, 1.0, LEAKY_SLOPE)


def relu(a):
    return np.maximum(np.asarray(a, dtype=float), 0.0)


def relu_deriv(a):
    return (np.asarray(a) > 0).astype(float)


def softmax(a):
    """exp(a) / sum(exp(a)) over the last axis, shifted by the maximum so exp never overflows."""
    a = np.asarray(a, dtype=float)
    e = np.exp(a - np.max(a, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)

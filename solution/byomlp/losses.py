"""Losses of one example and their gradients (provided, not graded).

Each *_deriv(y_est, y) is what MLP(d, est_lossderiv) expects:
  - after a logistic or softmax output layer added with fderiv=None, the logistic and softmax
    cross-entropy derivatives give the gradient with respect to that layer's a: y_est - y;
  - squared_loss_deriv and absolute_loss_deriv give the gradient with respect to the output
    y_est, so the last layer must be added with its fderiv (MLP.backward multiplies by it).
"""
import numpy as np

_EPS = 1e-12


def squared_loss(y_est, y):
    """sum (y_est - y)^2."""
    return float(np.sum((np.asarray(y_est) - y) ** 2))


def squared_loss_deriv(y_est, y):
    return 2.0 * (np.asarray(y_est) - y)


def absolute_loss(y_est, y):
    """sum |y_est - y|."""
    return float(np.sum(np.abs(np.asarray(y_est) - y)))


def absolute_loss_deriv(y_est, y):
    return np.sign(np.asarray(y_est) - y)


def logistic_est_loss(y_est, y):
    """-(y log y_est + (1 - y) log(1 - y_est)) for a logistic output y_est in (0, 1)."""
    y_est = np.clip(np.asarray(y_est, dtype=float), _EPS, 1.0 - _EPS)
    return float(-np.sum(y * np.log(y_est) + (1 - y) * np.log(1 - y_est)))


def logistic_est_loss_deriv(y_est, y):
    """The gradient with respect to the logistic's input (use fderiv=None on that layer)."""
    return np.asarray(y_est, dtype=float) - y


def softmax_est_crossentropy_loss(y_est, y):
    """-sum y log y_est for a softmax output y_est and a one-hot y."""
    y_est = np.clip(np.asarray(y_est, dtype=float), _EPS, None)
    return float(-np.sum(y * np.log(y_est)))


def softmax_est_crossentropy_deriv(y_est, y):
    """The gradient with respect to the softmax's input (use fderiv=None on that layer)."""
    return np.asarray(y_est, dtype=float) - y

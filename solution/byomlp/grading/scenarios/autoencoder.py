"""Autoencoder.ipynb, executed in grading mode (notebooks.py), graded on the autoencoder it
leaves behind.

checks:
  network    an MLP with layers named "latent" and "up128", a (128, 2) weight matrix (up128's,
             either orientation) and 784 inputs; found by its parameters, any variable name
  trained    on the grader's held-out digits: encodings forward(x, end="latent") are 2 numbers
             in [0, 1]; decodings forward(z, start="up128") of points of [0, 1]^2 are 784
             numbers in [0, 1]; the reconstruction error (squared, summed over the pixels,
             averaged over the digits) is below `pca_factor` times that of the 2-D PCA the
             course compares with, and below that of the average training digit output for
             every input (a network that learned only the average; on these digits it is
             about 1.26 x PCA's). An untrained network is about 12 times worse than PCA.
  runs       every cell ran, figures and export kept for the feedback

params: check, seed, pca_factor.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError

from .common import scalar

from .notebooks import (AUTOENCODER, find_autoencoder, forward_one, held_out_digits,
                        mean_image_error, pca_error, run_notebook, runs_through)

LATTICE = [(u, v) for u in (0.05, 0.5, 0.95) for v in (0.1, 0.6, 0.9)]
SLACK = 1e-9   # a logistic output is in [0, 1] up to rounding


def run(api, params: dict) -> dict[str, np.ndarray]:
    executed = run_notebook(api, AUTOENCODER)
    if params["check"] == "runs":
        return runs_through(executed)
    net = find_autoencoder(executed)
    if params["check"] == "network":
        return {"autoencoder.found": np.array(1.0)}
    X, _Y = held_out_digits(int(params["seed"]))
    codes = np.array([forward_one(net, x, 'forward(x, end="latent")', 2, end="latent")
                      for x in X])
    rebuilt = np.array([forward_one(net, x, "forward(x)", 784) for x in X])
    decoded = np.array([forward_one(net, z, 'forward(z, start="up128")', 784, start="up128")
                        for z in LATTICE])
    for what, values in (("encodings", codes), ("reconstructions", rebuilt),
                         ("decodings", decoded)):
        if not np.all(np.isfinite(values)):
            raise ContractError(f"the autoencoder's {what} hold NaN or infinity")
    return {
        "codes.min": np.array(codes.min()), "codes.max": np.array(codes.max()),
        "decoded.min": np.array(decoded.min()), "decoded.max": np.array(decoded.max()),
        "reconstruction_error": np.array(float(np.mean(np.sum((rebuilt - X) ** 2, axis=1)))),
        "pca2_error": np.array(pca_error(X)),
        "mean_image_error": np.array(mean_image_error(X)),
    }


def check(got, expected, params, compare) -> list[str]:
    missing = [key for key in expected if key not in got and not key.startswith(("figure.",
                                                                                 "export."))]
    if missing:
        return [f"{key}: missing" for key in sorted(missing)]
    if params["check"] != "trained":
        return []
    messages = []
    low, high = scalar(got, "codes.min"), scalar(got, "codes.max")
    if low < -SLACK or high > 1 + SLACK:
        messages.append(f'encodings forward(x, end="latent") range over [{low:.3g}, {high:.3g}]; '
                        f'they must lie in [0, 1]^2 (a logistic "latent" layer)')
    low, high = scalar(got, "decoded.min"), scalar(got, "decoded.max")
    if low < -SLACK or high > 1 + SLACK:
        messages.append(f'decodings forward(z, start="up128") range over [{low:.3g}, '
                        f'{high:.3g}]; pixels must lie in [0, 1] (a logistic last layer)')
    error, pca = scalar(got, "reconstruction_error"), scalar(got, "pca2_error")
    average = scalar(got, "mean_image_error")
    limit = float(params["pca_factor"]) * pca
    if not error < min(limit, average):
        messages.append(f"reconstruction error {error:.2f} per held-out digit; needs below "
                        f"{min(limit, average):.2f} ({params['pca_factor']:g} x the 2-D PCA "
                        f"baseline's {pca:.2f}, and below the {average:.2f} of outputting the "
                        f"average digit): was the autoencoder trained (on "
                        f"budget_training_set(X_train), as the starter says)?")
    return messages

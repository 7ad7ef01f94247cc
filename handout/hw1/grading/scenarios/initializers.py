"""The initializers: after ``np.random.seed(seed)``, W = random_normal_weight_init(d0, d1) must be
the standard-normal draw and b = zeros_bias_init(d1) zeros of shape (1, d1) or (d1,).

params: seed, d0, d1. W is copied the moment it is returned, before zeros_bias_init runs.
"""
from __future__ import annotations

import numpy as np

from .common import keeping_partial, snapshot


def run(api, params: dict) -> dict[str, np.ndarray]:
    np.random.seed(int(params["seed"]))
    arrays = {}
    with keeping_partial(arrays):
        arrays["W"] = snapshot(api.random_normal_weight_init(int(params["d0"]), int(params["d1"])),
                               "random_normal_weight_init(d0, d1)")
        arrays["b"] = snapshot(api.zeros_bias_init(int(params["d1"])), "zeros_bias_init(d)")
    return arrays

"""Classification.ipynb, executed in grading mode (notebooks.py), graded on the networks it
leaves behind, never on what it prints.

checks:
  networks   both networks exist, found by their weight shapes: 784 -> 20 -> 10 and
             784 -> 40 -> 20 -> 10 (either orientation; any variable names)
  held_out   each reaches `min_accuracy` on the grader's held-out digits, with an output
             that sums to 1 (softmax); an untrained network scores about 0.1
  runs       every cell ran: else the cell, the line and the error (the figures and the
             notebook's export go to the feedback either way)

params: check, seed (of the held-out digits), min_accuracy.
"""
from __future__ import annotations

import numpy as np

from autograder.scenarios.toolkit import ContractError

from .common import scalar

from .notebooks import (CLASSIFICATION, find_network, forward_one, held_out_digits,
                        run_notebook, runs_through)

NETWORKS = {"network1": (784, 20, 10), "network2": (784, 40, 20, 10)}


def run(api, params: dict) -> dict[str, np.ndarray]:
    executed = run_notebook(api, CLASSIFICATION)
    if params["check"] == "runs":
        return runs_through(executed)
    found = {key: find_network(executed, sizes, "network") for key, sizes in NETWORKS.items()}
    if params["check"] == "networks":
        return {f"{key}.found": np.array(1.0) for key in found}
    X, Y = held_out_digits(int(params["seed"]))
    arrays = {}
    for key, net in found.items():
        sizes = NETWORKS[key]
        what = f"the {' -> '.join(map(str, sizes))} network's forward(x)"
        outputs = np.array([forward_one(net, x, what, 10) for x in X])
        if not np.all(np.isfinite(outputs)):
            raise ContractError(f"{what} gave NaN or infinity on the grader's digits")
        arrays[f"{key}.accuracy"] = np.array(float(np.mean(np.argmax(outputs, 1) == Y)))
        arrays[f"{key}.largest_sum_error"] = np.array(float(np.max(np.abs(outputs.sum(1) - 1))))
    return arrays


def check(got, expected, params, compare) -> list[str]:
    missing = [key for key in expected if key not in got and not key.startswith(("figure.",
                                                                                 "export."))]
    if missing:
        return [f"{key}: missing" for key in sorted(missing)]
    if params["check"] != "held_out":
        return []
    messages = []
    for key, sizes in NETWORKS.items():
        title = " -> ".join(map(str, sizes))
        accuracy = scalar(got, f"{key}.accuracy")
        if accuracy < float(params["min_accuracy"]):
            messages.append(f"the {title} network classifies {accuracy:.1%} of the grader's "
                            f"held-out digits correctly; needs {params['min_accuracy']:.0%} "
                            f"(untrained: about 10%)")
        if scalar(got, f"{key}.largest_sum_error") > 1e-6:
            messages.append(f"the {title} network's outputs do not sum to 1: its last layer "
                            f"must be a softmax")
    return messages

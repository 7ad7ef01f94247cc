"""Case families: one module per family, each with a worker-side ``run(api, params)`` and an
optional trusted-side ``check(got, expected, params)`` (see docs/design.md, "Scenarios")."""
from __future__ import annotations

from types import ModuleType

from autograder.scenarios import (activation, batchnorm, initializers, mlp_backward, mlp_forward,
                                  mlp_training_steps, mlp_update_rule, mlp_zero_grads,
                                  softmax_cross_entropy, training_stats, vectorisation)

FAMILIES: dict[str, ModuleType] = {
    "activation": activation,
    "softmax_cross_entropy": softmax_cross_entropy,
    "initializers": initializers,
    "mlp_forward": mlp_forward,
    "mlp_backward": mlp_backward,
    "mlp_zero_grads": mlp_zero_grads,
    "mlp_training_steps": mlp_training_steps,
    "mlp_update_rule": mlp_update_rule,
    "batchnorm": batchnorm,
    "training_stats": training_stats,
    "vectorisation": vectorisation,
}


def get_family(name: str) -> ModuleType:
    """The family module called ``name``; KeyError with the known names otherwise."""
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(FAMILIES))
        raise KeyError(f"unknown case family {name!r}; known: {known}") from None

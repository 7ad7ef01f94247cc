"""MLP.__init__ refuses an activation name it does not know, loudly, at construction.

The course text names no exception for this; the handout's docstring asks for ValueError, and
a dictionary lookup ({"relu": ReLU, ...}[activation], the course's natural code) raises
KeyError. Both refuse the name where the mistake is made, so both pass. Building a network
anyway, or failing with another exception (calling None, say), does not.

params: seed, input_dim, hidden_dims, output_dim, bad_activations (names to try, each on its
own).

Arrays: mlp.unknown_activation[<name>] per name: 1 ValueError or KeyError raised, 2 another
exception, 0 nothing raised.
"""
from __future__ import annotations

import numpy as np

from .common import build_mlp, scalar

REFUSED, RAISED_OTHER, RAISED_NOTHING = 1.0, 2.0, 0.0


def key(name: str) -> str:
    return f"mlp.unknown_activation[{name}]"


def run(api, params: dict) -> dict[str, np.ndarray]:
    arrays = {}
    for name in params["bad_activations"]:
        try:
            build_mlp(api, {**params, "activation": name})
            outcome = RAISED_NOTHING
        except (ValueError, KeyError):
            outcome = REFUSED
        except NotImplementedError:
            raise      # a stub: "not implemented", like every other case of the handout
        except Exception:  # noqa: BLE001  (any other exception does not name the problem)
            outcome = RAISED_OTHER
        arrays[key(name)] = np.array(outcome)
    return arrays


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    messages = []
    for name in params["bad_activations"]:
        outcome = scalar(got.get(key(name)), -1.0)
        if outcome == REFUSED:
            continue
        what = {RAISED_NOTHING: "it raised nothing",
                RAISED_OTHER: "it raised another exception"}.get(outcome, "the case stopped")
        messages.append(f"MLP(..., activation={name!r}) must refuse the name, raising ValueError "
                        f"(or KeyError) naming the valid activations; {what}")
    return messages

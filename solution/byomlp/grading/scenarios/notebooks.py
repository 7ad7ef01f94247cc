"""What the notebook families share: running a student notebook in grading mode, the grader's
held-out digits, and finding the networks a notebook trained by their parameters (never by
variable name).

Grading mode: digits.get_digits returns the first 1,000 training and 400 test digits of the
bundled stand-in (BYOMLP_GRADING=1, set here before the notebook runs). The held-out digits
are the stand-in's last 397, which get_digits never returns in grading mode, each moved by a
one-pixel shift and light noise drawn from the case's seed (hidden cases have seeds of their
own), so not even a copy of the stand-in's file holds them.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np

from autograder.scenarios import notebook
from autograder.scenarios.toolkit import ContractError, Partial, case_rng, shape_text

from .common import arrays_in, strings_in

GRADING_VARIABLE = "BYOMLP_GRADING"
CLASSIFICATION, AUTOENCODER = "Classification.ipynb", "Autoencoder.ipynb"
_cache: dict = {}


def _grader_digits():
    """The provided digits.py, loaded under a name of the grader's (a notebook that replaces
    sys.modules["digits"] changes nothing here). Loaded before any notebook runs."""
    if "digits" not in _cache:
        folder = notebook._settings.get("code_dir") or os.getcwd()
        spec = importlib.util.spec_from_file_location("_grader_byomlp_digits",
                                                      os.path.join(folder, "digits.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        held_back = module.standin_digits(module.HELD_BACK_ROWS)
        training = module.standin_digits(module.GRADING_ROWS["train"])
        _cache["digits"] = (module, held_back, training)
    return _cache["digits"]


def held_out_digits(seed: int):
    """X (n, 784) in [0, 1] and Y (n,): the held-back digits, each shifted by at most one pixel
    and given noise of std 0.02, from the case's seed."""
    _module, (X, Y), _training = _grader_digits()
    rng = case_rng(seed, 21)
    images = X.reshape(-1, 28, 28)
    moved = np.empty_like(images)
    shifts = rng.randint(-1, 2, size=(len(images), 2))
    for i, (dy, dx) in enumerate(shifts):
        moved[i] = np.roll(np.roll(images[i], dy, axis=0), dx, axis=1)
    noisy = moved.reshape(len(X), 784) + rng.standard_normal((len(X), 784)) * 0.02
    return np.clip(noisy, 0.0, 1.0), Y


def pca_error(X_test: np.ndarray, components: int = 2) -> float:
    """The course's baseline: mean squared reconstruction error per digit (summed over pixels)
    of a PCA with ``components`` components fitted on the grading-mode training digits."""
    _module, _held, (X, _Y) = _grader_digits()
    mean = X.mean(axis=0)
    centred = X - mean
    _values, vectors = np.linalg.eigh(centred.T @ centred)   # ascending
    basis = vectors[:, ::-1][:, :components].T
    rebuilt = (X_test - mean) @ basis.T @ basis + mean
    return float(np.mean(np.sum((rebuilt - X_test) ** 2, axis=1)))


def mean_image_error(X_test: np.ndarray) -> float:
    """What a network that outputs the average training digit for every input scores: the same
    error as pca_error, for the mean of the grading-mode training digits."""
    _module, _held, (X, _Y) = _grader_digits()
    return float(np.mean(np.sum((X.mean(axis=0) - X_test) ** 2, axis=1)))


def run_notebook(api, name: str):
    """The executed notebook (once per process), in grading mode."""
    _grader_digits()
    os.environ[GRADING_VARIABLE] = "1"
    return notebook.execute(api, name)


def networks_in(executed) -> list:
    """(where, object) for every object of the notebook's namespace that behaves like an MLP
    (callable forward, backward and step), also inside a top-level list, tuple or dict
    (``nets = [small, deep]``); ``where`` (a variable) is only for messages."""
    found, seen = [], set()

    def consider(where, value):
        if isinstance(value, type) or id(value) in seen:
            return
        if all(callable(getattr(value, m, None)) for m in ("forward", "backward", "step")):
            seen.add(id(value))
            found.append((where, value))

    for variable, value in list(executed.namespace.items()):
        if variable.startswith("_"):
            continue
        consider(variable, value)
        if isinstance(value, (list, tuple)):
            for i, inner in enumerate(value[:100]):
                consider(f"{variable}[{i}]", inner)
        elif isinstance(value, dict):
            for key, inner in list(value.items())[:100]:
                consider(f"{variable}[{key!r}]", inner)
    return found


def layer_shapes(network) -> set:
    """The sizes of its weight matrices as unordered pairs: {(20, 784), (10, 20)} (a gradient
    of the same shape counts once; a (1, m) or (m, 1) array is a bias kept 2-D: no layer of
    these networks has one neuron)."""
    return {tuple(sorted(f.array.shape)) for f in arrays_in(network)
            if f.array.ndim == 2 and min(f.array.shape) > 1}


def chain_text(sizes) -> str:
    return " -> ".join(map(str, sizes))


def required_shapes(sizes) -> set:
    return {tuple(sorted(pair)) for pair in zip(sizes[:-1], sizes[1:])}


def describe_networks(networks) -> str:
    if not networks:
        return "the notebook's namespace holds no MLP at all"
    parts = []
    for variable, net in networks:
        shapes = sorted(layer_shapes(net), key=lambda s: -max(s))
        listed = ", ".join(shape_text(s) for s in shapes) or "no 2-D arrays"
        parts.append(f"{variable}: weight shapes {listed}")
    return "found " + "; ".join(parts)


def find_network(executed, sizes, what: str):
    """The notebook's network whose weight shapes are exactly those of ``sizes`` (either
    orientation); a ContractError saying what was looked for (and the notebook's failure)."""
    networks = networks_in(executed)
    wanted = required_shapes(sizes)
    for _variable, net in networks:
        if layer_shapes(net) == wanted:
            return net
    shapes = ", ".join(shape_text(s[::-1]) for s in sorted(wanted, key=lambda s: -max(s)))
    message = (f"{executed.name}: no {what} {chain_text(sizes)} (weight matrices {shapes}, in "
               f"either orientation); {describe_networks(networks)}")
    if executed.failure is not None:
        message += f". {executed.failure.describe(executed.name)}"
    raise ContractError(message)


def find_autoencoder(executed):
    """The notebook's network that names layers "latent" and "up128", has a (128, 2) weight
    matrix (up128's) and takes and gives 784 numbers."""
    networks = networks_in(executed)
    for _variable, net in networks:
        shapes = layer_shapes(net)
        names = strings_in(net)
        if ({"latent", "up128"} <= names and (2, 128) in shapes
                and any(784 in s for s in shapes)):
            return net
    named = [v for v, net in networks if {"latent", "up128"} <= strings_in(net)]
    note = "" if named else ' (none names one layer "latent" and another "up128")'
    message = (f"{executed.name}: no autoencoder 784 -> ... -> 2 (\"latent\") -> 128 "
               f"(\"up128\") -> ... -> 784: looked for an MLP with layers named \"latent\" and "
               f"\"up128\" and a (128, 2) weight matrix; {describe_networks(networks)}{note}")
    if executed.failure is not None:
        message += f". {executed.failure.describe(executed.name)}"
    raise ContractError(message)


def forward_one(net, x, what: str, size: int, **kwargs) -> np.ndarray:
    value = net.forward(np.array(x, dtype=float), **kwargs)
    array = np.asarray(value, dtype=float).reshape(-1)
    if array.size != size:
        raise ContractError(f"{what} must give {size} numbers; got shape "
                            f"{shape_text(np.shape(value))}")
    return array


def feedback(executed) -> dict:
    """The notebook's figures and its export, for the student's feedback."""
    arrays = dict(notebook.figure_arrays(executed))
    arrays.update(notebook.export_arrays(executed))
    return arrays


def runs_through(executed) -> dict:
    """The notebook ran every cell: its figures and export, or a ContractError naming the
    cell, the line and the error (the figures drawn before it are kept)."""
    if executed.failure is not None:
        raise Partial(feedback(executed), ContractError(executed.failure.describe(executed.name)))
    arrays = feedback(executed)
    arrays["cells_run"] = np.array(float(sum(c.kind == "code" for c in executed.cells)))
    return arrays


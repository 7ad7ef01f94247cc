"""Figures for the report (provided: do not modify).

Functions build a matplotlib Figure without pyplot (so nothing needs a display) and
`save_figure` writes it as a PNG atomically.
"""
import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


def _epoch_axes(axes):
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")


def plot_training_curves(history, title=""):
    """Loss and accuracy per epoch, training and validation, side by side.

    history: dict of per-epoch lists train_loss, train_acc, val_loss, val_acc (accuracies as
    fractions), as returned by trainer.train.
    """
    epochs = range(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, history["train_loss"], ".-", label="train")
    loss_ax.plot(epochs, history["val_loss"], ".-", label="validation")
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", title="loss")
    acc_ax.plot(epochs, [100 * a for a in history["train_acc"]], ".-", label="train")
    acc_ax.plot(epochs, [100 * a for a in history["val_acc"]], ".-", label="validation")
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    _epoch_axes((loss_ax, acc_ax))
    if title:
        fig.suptitle(title, fontsize="medium")
    return fig


def plot_sweep(parameter, values, records):
    """One sweep: training loss and validation accuracy per epoch for each value, and the
    final test accuracy against the value.

    parameter: the swept name (axis label). values: the swept values, in order.
    records: one run record per value (trainer.run_experiment's result).
    """
    fig = Figure(figsize=(13, 3.6), layout="constrained")
    loss_ax, acc_ax, test_ax = fig.subplots(1, 3)
    for value, record in zip(values, records):
        history = record["history"]
        epochs = range(1, len(history["train_loss"]) + 1)
        loss_ax.plot(epochs, history["train_loss"], ".-", label=str(value))
        acc_ax.plot(epochs, [100 * a for a in history["val_acc"]], ".-", label=str(value))
    loss_ax.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy (%)", title="validation accuracy")
    _epoch_axes((loss_ax, acc_ax))
    positions = range(len(values))
    test_ax.plot(positions, [100 * r["test_accuracy"] for r in records], "o-")
    # Categorical x positions: the learning rates span two decades, the widths are powers
    # of two; evenly spaced labels read better than either scale.
    test_ax.set_xticks(list(positions), [str(v) for v in values])
    test_ax.set(xlabel=parameter, ylabel="accuracy (%)", title="test accuracy after training")
    test_ax.grid(alpha=0.3)
    fig.suptitle(f"sweep over {parameter}", fontsize="medium")
    return fig


def save_figure(fig, path, dpi=100):
    """Write `fig` to `path` as PNG through a temporary file, so a crash never leaves a
    half-written image behind."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
        os.chmod(tmp, 0o644)  # mkstemp makes files private; these are ordinary outputs
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

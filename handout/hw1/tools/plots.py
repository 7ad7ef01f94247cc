"""Figures of training curves. Functions return a matplotlib Figure (no pyplot state), and
`save_figure` writes a PNG atomically."""
import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

STAT_NAMES = ("training_losses", "training_errors", "validation_losses", "validation_errors")


def plot_curves(stats, title=None):
    """Loss and error per epoch, training and validation, side by side.

    stats: the four arrays returned by get_training_stats, in that order.
    """
    train_loss, train_err, val_loss, val_err = stats
    epochs = range(1, len(train_loss) + 1)
    fig = Figure(figsize=(10, 4), layout="constrained")
    loss_ax, err_ax = fig.subplots(1, 2)
    loss_ax.plot(epochs, train_loss, "o-", label="training")
    loss_ax.plot(epochs, val_loss, "s-", label="validation")
    loss_ax.set(xlabel="epoch", ylabel="mean cross-entropy", title="loss")
    err_ax.plot(epochs, [100 * e for e in train_err], "o-", label="training")
    err_ax.plot(epochs, [100 * e for e in val_err], "s-", label="validation")
    err_ax.set(xlabel="epoch", ylabel="error (%)", title="error")
    for ax in (loss_ax, err_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return fig


def plot_sweep(results, parameter):
    """Validation loss and error per epoch for each value of a swept hyperparameter.

    results: {value label: the four arrays from get_training_stats}.
    """
    fig = Figure(figsize=(10, 4), layout="constrained")
    loss_ax, err_ax = fig.subplots(1, 2)
    for label, (_, _, val_loss, val_err) in results.items():
        epochs = range(1, len(val_loss) + 1)
        loss_ax.plot(epochs, val_loss, "o-", label=str(label))
        err_ax.plot(epochs, [100 * e for e in val_err], "o-", label=str(label))
    loss_ax.set(xlabel="epoch", ylabel="mean cross-entropy", title="validation loss")
    err_ax.set(xlabel="epoch", ylabel="error (%)", title="validation error")
    for ax in (loss_ax, err_ax):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(title=parameter)
    return fig


def save_figure(fig, path, dpi=120):
    """Write `fig` as PNG to `path` via a temporary file in the same directory."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            fig.savefig(f, format="png", dpi=dpi)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise

"""The training loop (provided: do not modify).

It uses only the parts of your package that the assignment specifies: MLP(...).forward /
backward / layers, CrossEntropyLoss().forward / backward and SGD(...).zero_grad / step.
"""
import math
import time

import numpy as np

from .data import N_CLASSES
from .losses import CrossEntropyLoss
from .model import MLP
from .optimizer import SGD

EVAL_CHUNK = 2000


def minibatches(n, batch_size, rng):
    """Index arrays covering range(n) once in a random order; the last may be smaller."""
    order = rng.permutation(n)
    return [order[start:start + batch_size] for start in range(0, n, batch_size)]


def evaluate(model, loss_fn, X, y):
    """(mean cross-entropy, accuracy) of the model on X, y, in chunks to bound memory."""
    total_loss, correct = 0.0, 0
    for start in range(0, len(y), EVAL_CHUNK):
        X_chunk, y_chunk = X[start:start + EVAL_CHUNK], y[start:start + EVAL_CHUNK]
        logits = model.forward(X_chunk)
        total_loss += loss_fn.forward(logits, y_chunk) * len(y_chunk)
        correct += int((logits.argmax(axis=1) == y_chunk).sum())
    return total_loss / len(y), correct / len(y)


def train_epoch(model, loss_fn, optimizer, X, y, batch_size, rng):
    """One pass over the training set; returns (mean loss, accuracy) over its minibatches,
    or a nan loss as soon as the loss stops being finite (the run has diverged)."""
    total_loss, correct = 0.0, 0
    for batch in minibatches(len(y), batch_size, rng):
        X_batch, y_batch = X[batch], y[batch]
        optimizer.zero_grad()
        logits = model.forward(X_batch)
        loss = loss_fn.forward(logits, y_batch)
        if not math.isfinite(loss):
            return math.nan, math.nan
        model.backward(loss_fn.backward())
        optimizer.step()
        total_loss += loss * len(batch)
        correct += int((logits.argmax(axis=1) == y_batch).sum())
    return total_loss / len(y), correct / len(y)


def train(model, loss_fn, optimizer, data, epochs, batch_size, rng, log=print):
    """Train for `epochs` epochs; return the per-epoch history.

    The training loss and accuracy of an epoch are averaged over its minibatches while the
    weights change, so they trail a fresh pass a little; validation is a fresh pass after
    the epoch. A diverged run stops early, with nan for that epoch.
    """
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        train_loss, train_acc = train_epoch(model, loss_fn, optimizer, data.X_train,
                                            data.y_train, batch_size, rng)
        val_loss, val_acc = evaluate(model, loss_fn, data.X_val, data.y_val)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        log(f"  epoch {epoch:3d}/{epochs}  train loss {train_loss:.4f} "
            f"acc {100 * train_acc:6.2f}%  val loss {val_loss:.4f} acc {100 * val_acc:6.2f}%"
            f"  {time.perf_counter() - start:6.1f}s")
        if math.isnan(train_loss):
            log("  diverged (the loss is no longer finite): stopping this run")
            break
    return history


def run_experiment(config, data, log=print):
    """Build, train and test one network described by `config` (a config.Config).

    np.random.seed(config.seed) fixes the initial weights; the minibatch order comes from a
    separate generator with the same seed. Returns a JSON-ready record.
    """
    np.random.seed(config.seed)
    model = MLP(data.X_train.shape[1], list(config.hidden_dims), N_CLASSES,
                activation=config.activation)
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.layers, lr=config.learning_rate, momentum=config.momentum,
                    weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    start = time.perf_counter()
    # A diverging run (too large a learning rate) overflows on its way to nan; the loop
    # notices the nan and stops, so the intermediate floating-point warnings are noise.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = train(model, loss_fn, optimizer, data, config.epochs, config.batch_size,
                        rng, log)
        seconds = time.perf_counter() - start
        test_loss, test_acc = evaluate(model, loss_fn, data.X_test, data.y_test)
    return {"config": config.to_dict(), "data": data.describe(), "history": history,
            "epochs_completed": len(history["train_loss"]),
            "diverged": any(math.isnan(v) for v in history["train_loss"]),
            "test_loss": test_loss, "test_accuracy": test_acc, "seconds": round(seconds, 2)}

"""get_training_stats, graded with a recording fake MLP.

The fake's output is a fixed function of its input (column 0 of every row is a sample id, the
logits are the other columns times a fixed matrix) and step() changes nothing, so the four
statistics do not depend on how the student shuffles. ``run`` (worker side) returns what the
fake recorded, raw; ``check`` (trusted side) rebuilds the dataset from the params and verifies
the training protocol from those records, then compares the four statistics.

params: seed, n_train, n_val, n_test, features, classes, batch_size, nepochs,
checks (optional subset of CHECKS; default all).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .common import case_rng, one_hot, snapshot

STAT_KEYS = ("training_loss", "training_error", "validation_loss", "validation_error")
CHECKS = ("calls", "batches", "shuffle", "modes", "values")

# Event codes recorded by the fake, in call order.
TRAIN, EVAL, ZERO_GRADS, FORWARD, BACKWARD, STEP = 1, 2, 3, 4, 5, 6


@dataclass
class Dataset:
    """Rows are [sample id, features...]; ids: train 0..n_train-1, then val, then test."""
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    weights: np.ndarray  # (features, classes): the fake's logits = features @ weights

    def classes_of(self, ids: np.ndarray) -> np.ndarray:
        labels = np.concatenate([self.train[1], self.val[1], self.test[1]])
        return np.argmax(labels[ids.astype(int)], axis=1)


def make_dataset(params: dict) -> Dataset:
    rng = case_rng(params["seed"])
    sizes = [int(params["n_train"]), int(params["n_val"]), int(params["n_test"])]
    features, classes = int(params["features"]), int(params["classes"])
    weights = rng.standard_normal((features, classes)) * 2.0
    ids = np.arange(sum(sizes), dtype=float)[:, None]
    x = np.hstack([ids, rng.standard_normal((sum(sizes), features))])
    y = one_hot(rng.randint(classes, size=sum(sizes)), classes)
    bounds = np.cumsum(sizes)[:2]
    xs, ys = np.split(x, bounds), np.split(y, bounds)
    return Dataset((xs[0], ys[0]), (xs[1], ys[1]), (xs[2], ys[2]), weights)


def fake_logits(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=float)[:, 1:] @ weights


def expected_stats(dataset: Dataset) -> dict[str, float]:
    """The four statistics of one epoch (the same every epoch: the fake never changes)."""
    stats = {}
    for prefix, (x, y) in (("training", dataset.train), ("validation", dataset.val)):
        logits = fake_logits(x, dataset.weights)
        stats[f"{prefix}_loss"] = float(np.mean(squared_distance_losses(logits, y)))
        stats[f"{prefix}_error"] = float(np.mean(np.argmax(logits, 1) != np.argmax(y, 1)))
    return stats


def squared_distance_losses(outputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(batch, classes) -> (batch,): half the squared distance to the one-hot labels."""
    return 0.5 * ((outputs - labels) ** 2).sum(axis=1)


class FakeCriterion:
    """The grader's criterion: per-sample losses from forward, also kept in .loss.

    Deliberately NOT softmax cross-entropy: the training loop must work with whatever
    `mlp.criterion` is, and the shipped grader must not contain a criterion students implement.
    """

    def __init__(self):
        self.logits = self.labels = self.loss = None

    def __call__(self, x, y):
        return self.forward(x, y)

    def forward(self, x, y):
        self.logits = np.array(x, dtype=float)
        self.labels = np.array(y, dtype=float)
        if self.labels.shape != self.logits.shape:
            raise ValueError(f"labels of shape {self.labels.shape} do not match the network "
                             f"output of shape {self.logits.shape}; pass the one-hot labels of "
                             f"the same batch")
        self.loss = squared_distance_losses(self.logits, self.labels)
        return self.loss.copy()

    def derivative(self):
        return self.logits - self.labels

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"get_training_stats used mlp.criterion.{name}, which the grader's criterion does "
            f"not have. The training loop is graded with a stand-in criterion (not softmax "
            f"cross-entropy) that offers only what every Criterion has: {CRITERION_INTERFACE}. "
            f"Compute the error from forward()'s output (its argmax against the labels')")


# What the training loop may use (solution/mlp/training.py: "only the MLP's public interface").
CRITERION_INTERFACE = ("mlp.criterion(out, labels) or mlp.criterion.forward(out, labels), "
                       "returning the per-sample losses; .loss (the last per-sample losses); "
                       ".logits; .labels; .derivative()")
MLP_INTERFACE = ("train(), eval(), zero_grads(), forward(x) (or mlp(x)) returning the output, "
                 "backward(labels) returning nothing, step(), and mlp.criterion ("
                 + CRITERION_INTERFACE + ")")


class ReturnsNothing:
    """What the recording MLP's train(), eval(), zero_grads(), backward() and step() return
    instead of None: it behaves like None (falsy, prints as None, equals None) until the loop
    USES it (unpacks, indexes, adds, converts it), and then raises a TypeError saying that the
    handout's method returns nothing, instead of "cannot unpack non-iterable NoneType"."""

    def __init__(self, method: str):
        self._method = method

    def _message(self) -> str:
        if self._method == "backward":
            return ("backward() returns nothing in the handout's MLP; compute the loss and "
                    "error from mlp.criterion / the forward output instead (after backward(), "
                    "mlp.criterion.loss holds the batch's per-sample losses; the error compares "
                    "the argmax of forward()'s output with the labels')")
        return (f"{self._method}() returns nothing in the handout's MLP, so its result cannot "
                f"be used; the MLP offers {MLP_INTERFACE}")

    def _refuse(self, *args, **kwargs):
        raise TypeError(self._message())

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise AttributeError(self._message())

    def __array__(self, dtype=None, copy=None):
        raise TypeError(self._message())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise TypeError(self._message())

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(self._message())

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other) -> bool:
        return other is None or other is self

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)

    def __repr__(self) -> str:
        return "None"

    (__iter__, __len__, __getitem__, __contains__, __float__, __int__, __index__, __complex__,
     __round__, __neg__, __pos__, __abs__, __lt__, __le__, __gt__, __ge__,
     __add__, __radd__, __sub__, __rsub__, __mul__, __rmul__, __truediv__, __rtruediv__,
     __floordiv__, __rfloordiv__, __mod__, __rmod__, __pow__, __rpow__, __matmul__,
     __rmatmul__) = (_refuse,) * 32


class RecordingMLP:
    """Stands in for the student's MLP and records every call the training loop makes. Anything
    outside the handout MLP's interface raises an AttributeError that lists the interface."""

    def __init__(self, weights: np.ndarray):
        self.weights = weights
        self.criterion = FakeCriterion()
        self.train_mode = True
        self.num_bn_layers = 0
        self.output = None
        self.events: list[int] = []
        self.forward_ids: list[np.ndarray] = []
        self.forward_modes: list[float] = []
        self.backward_classes: list[np.ndarray] = []

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"get_training_stats used mlp.{name}, which the grader's MLP does not have. The "
            f"training loop is graded with a stand-in MLP that offers only the handout MLP's "
            f"interface: {MLP_INTERFACE}. Keep helpers of your own in training.py, not in "
            f"your MLP")

    def train(self):
        self.events.append(TRAIN)
        self.train_mode = True
        return ReturnsNothing("train")

    def eval(self):
        self.events.append(EVAL)
        self.train_mode = False
        return ReturnsNothing("eval")

    def zero_grads(self):
        self.events.append(ZERO_GRADS)
        return ReturnsNothing("zero_grads")

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        self.events.append(FORWARD)
        self.forward_ids.append(x[:, 0].copy())
        self.forward_modes.append(1.0 if self.train_mode else 0.0)
        self.output = fake_logits(x, self.weights)
        return self.output.copy()

    __call__ = forward

    def backward(self, labels):
        labels = np.asarray(labels, dtype=float)
        self.events.append(BACKWARD)
        classes = np.argmax(labels, axis=1) if labels.ndim == 2 else labels.reshape(-1)
        self.backward_classes.append(classes.astype(float))
        if self.output is not None:
            self.criterion(self.output, labels)
        return ReturnsNothing("backward")

    def step(self):
        self.events.append(STEP)
        return ReturnsNothing("step")

    def records(self) -> dict[str, np.ndarray]:
        def joined(parts):
            return np.concatenate(parts) if parts else np.zeros(0)
        return {"record.events": np.array(self.events, dtype=float),
                "record.forward_ids": joined(self.forward_ids),
                "record.forward_sizes": np.array([len(p) for p in self.forward_ids], dtype=float),
                "record.forward_train_mode": np.array(self.forward_modes, dtype=float),
                "record.backward_classes": joined(self.backward_classes),
                "record.backward_sizes": np.array([len(p) for p in self.backward_classes],
                                                  dtype=float)}


def run(api, params: dict) -> dict[str, np.ndarray]:
    dataset = make_dataset(params)
    mlp = RecordingMLP(dataset.weights)
    np.random.seed(int(params["seed"]))
    stats = api.get_training_stats(mlp, (dataset.train, dataset.val, dataset.test),
                                   int(params["nepochs"]), int(params["batch_size"]))
    arrays = mlp.records()
    try:
        values = list(stats)
    except TypeError:
        values = []
    if len(values) != 4:
        raise ValueError("get_training_stats must return four arrays: training loss, training "
                         "error, validation loss, validation error")
    arrays.update((key, snapshot(value, key)) for key, value in zip(STAT_KEYS, values))
    return arrays


# ----------------------------------------------------------------------------- trusted side


@dataclass
class Trace:
    """The records, decoded: every forward ({"ids", "split", "train_mode"}), the label classes
    given to each backward, and the problems found so far, by check."""
    dataset: Dataset
    forwards: list[dict] = field(default_factory=list)
    backward_classes: list[np.ndarray] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def add(self, check: str, message: str) -> None:
        self.problems.setdefault(check, []).append(message)


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """Protocol problems (first of each kind, per group in params["checks"]), then the four
    statistics compared with the reference."""
    checks = params.get("checks", CHECKS)
    missing = [k for k in ("record.events", "record.forward_ids", "record.forward_sizes",
                           "record.forward_train_mode", "record.backward_classes",
                           "record.backward_sizes") if k not in got]
    if missing:
        return ["get_training_stats did not finish, so its calls could not be checked"]
    dataset = make_dataset(params)
    trace = decode(got, dataset)
    if trace is None:
        return ["the recording MLP's records are inconsistent (did the code modify the MLP "
                "object it was given?)"]
    check_calls(trace, got)
    epochs, validations = split_epochs(trace, int(params["nepochs"]))
    if epochs is not None:
        check_batches(trace, epochs, params)
        check_shuffle(trace, epochs)
        check_modes(trace, epochs, validations, int(params["n_val"]))
    messages = []
    for name in CHECKS[:-1]:
        if name in checks:
            messages += summarise(trace.problems.get(name, []))
    if "values" in checks:
        messages += compare.all(got, {k: expected[k] for k in STAT_KEYS if k in expected}, params)
    return messages


def summarise(problems: list[str]) -> list[str]:
    """The first problem of a kind, and how many more there were."""
    if len(problems) <= 2:
        return problems
    return [f"{problems[0]} (and {len(problems) - 1} more like this)"]


def decode(got: dict, dataset: Dataset) -> Trace | None:
    ids, sizes = got["record.forward_ids"], got["record.forward_sizes"]
    classes, backward_sizes = got["record.backward_classes"], got["record.backward_sizes"]
    events, modes = got["record.events"], got["record.forward_train_mode"]
    if not all(_counts(a) for a in (sizes, backward_sizes, events)) or ids.ndim != 1 \
            or classes.ndim != 1 or modes.ndim != 1 or not np.all(np.isin(modes, (0.0, 1.0))) \
            or not np.all(np.isin(events, (TRAIN, EVAL, ZERO_GRADS, FORWARD, BACKWARD, STEP))):
        return None
    if (sizes.sum() != ids.size or backward_sizes.sum() != classes.size
            or len(sizes) != len(modes) or np.count_nonzero(events == FORWARD) != len(sizes)
            or np.count_nonzero(events == BACKWARD) != len(backward_sizes)):
        return None
    trace = Trace(dataset)
    n_train, n_val = len(dataset.train[0]), len(dataset.val[0])
    n_total = n_train + n_val + len(dataset.test[0])
    for batch_ids, mode in zip(np.split(ids, np.cumsum(sizes)[:-1].astype(int)), modes):
        whole = (batch_ids == np.round(batch_ids)) & (batch_ids >= 0) & (batch_ids < n_total)
        if not np.all(whole):
            split = "unknown"
        elif np.all(batch_ids < n_train):
            split = "train"
        elif np.all((batch_ids >= n_train) & (batch_ids < n_train + n_val)):
            split = "val"
        elif np.any(batch_ids >= n_train + n_val):
            split = "test"
        else:
            split = "mixed"
        trace.forwards.append({"ids": batch_ids.astype(int) if split != "unknown" else batch_ids,
                               "split": split, "train_mode": bool(mode)})
    trace.backward_classes = np.split(classes, np.cumsum(backward_sizes)[:-1].astype(int))
    return trace


def _counts(array: np.ndarray) -> bool:
    """A 1-D array of non-negative whole numbers."""
    return array.ndim == 1 and bool(np.all((array >= 0) & (array == np.round(array))))


def check_calls(trace: Trace, got: dict) -> None:
    """zero_grads, forward, backward, step per training batch; no update after validation
    forwards; test split unused; labels given to backward belong to the batch."""
    state, zeroed, last, n_forward, n_backward = None, False, None, 0, 0
    for code in got["record.events"].astype(int):
        if code == ZERO_GRADS:
            zeroed = True
        elif code == FORWARD:
            last = trace.forwards[n_forward]
            n_forward += 1
            if last["split"] == "test":
                trace.add("calls", "the test split was passed to forward(): get_training_stats "
                          "must not use it")
            elif last["split"] in ("mixed", "unknown"):
                trace.add("calls", "a forward() batch was neither all training nor all "
                          "validation samples (pass rows of the dataset unchanged, one split "
                          "at a time)")
            if state == "forward":
                trace.add("calls", "a forward() on training data was not followed by backward() "
                          "and step(): each training forward is one batch (take the training "
                          "loss and error from its output; no extra passes over the training data)")
            elif state == "backward":
                trace.add("calls", "a training batch had forward() and backward() but no step()")
            state = "forward" if last["split"] == "train" else None
        elif code == BACKWARD:
            classes = trace.backward_classes[n_backward]
            n_backward += 1
            if last is None:
                trace.add("calls", "backward() was called before any forward()")
            elif last["split"] == "val":
                trace.add("calls", "backward() was called on validation data: validation must "
                          "not update the model")
            elif last["split"] != "train":
                trace.add("calls", "backward() followed a forward() that was not a training batch")
            elif state != "forward":
                trace.add("calls", "backward() was called twice for one forward()")
            else:
                expected = trace.dataset.classes_of(last["ids"])
                if classes.shape != expected.shape or not np.array_equal(classes, expected):
                    trace.add("calls", "the labels passed to backward() are not the labels of "
                              "the samples in the forward() batch (shuffle inputs and labels "
                              "with the same index array)")
                if not zeroed:
                    trace.add("calls", "backward() was called without zero_grads() since the "
                              "previous step(): call mlp.zero_grads() at the start of every batch")
            state = "backward"
        elif code == STEP:
            if last is not None and last["split"] == "val":
                trace.add("calls", "step() was called on validation data: validation must not "
                          "update the model")
            elif state != "backward":
                trace.add("calls", "step() was called without a backward() before it")
            state, zeroed = None, False
    if state is not None:
        trace.add("calls", "the last training batch did not end with backward() and step()")


def split_epochs(trace: Trace, nepochs: int):
    """Training forwards grouped into epochs (runs between validation passes), and the
    validation forwards after each; (None, None) when they do not alternate nepochs times."""
    runs = []  # [split, [forward indices]]
    for index, forward in enumerate(trace.forwards):
        split = forward["split"] if forward["split"] in ("train", "val") else None
        if split is None:
            continue
        if runs and runs[-1][0] == split:
            runs[-1][1].append(index)
        else:
            runs.append([split, [index]])
    kinds = [kind for kind, _ in runs]
    if kinds == ["train", "val"] * nepochs:
        return [r for k, r in runs if k == "train"], [r for k, r in runs if k == "val"]
    n_train_runs, n_val_runs = kinds.count("train"), kinds.count("val")
    if n_train_runs == 0:
        detail = "no training batch was passed to forward()"
    elif n_val_runs == 0:
        detail = "the validation set was never passed to forward()"
    elif kinds and kinds[0] == "val":
        detail = "validation ran before the first training batch"
    else:
        detail = (f"found {n_train_runs} runs of training batches and {n_val_runs} validation "
                  f"passes")
    trace.add("batches", f"expected {nepochs} epochs, each training on every batch and then "
              f"evaluating the validation set once: {detail}")
    return None, None


def check_batches(trace: Trace, epochs: list, params: dict) -> None:
    """Every training sample exactly once per epoch, in batches of batch_size (last smaller)."""
    n_train, batch_size = int(params["n_train"]), int(params["batch_size"])
    expected_sizes = [batch_size] * (n_train // batch_size)
    if n_train % batch_size:
        expected_sizes.append(n_train % batch_size)
    for number, indices in enumerate(epochs, 1):
        ids = np.concatenate([trace.forwards[i]["ids"] for i in indices])
        sizes = [len(trace.forwards[i]["ids"]) for i in indices]
        counts = np.bincount(ids, minlength=n_train)
        if np.any(counts == 0):
            extra = ""
            if len(ids) == n_train - n_train % batch_size and n_train % batch_size:
                extra = f" (the last, smaller batch of {n_train % batch_size} is missing)"
            trace.add("batches", f"epoch {number}: {np.count_nonzero(counts == 0)} of {n_train} "
                      f"training samples were not used{extra}")
        if np.any(counts > 1):
            trace.add("batches", f"epoch {number}: {np.count_nonzero(counts > 1)} training "
                      f"samples were used more than once")
        if sizes != expected_sizes:
            trace.add("batches", f"epoch {number}: batch sizes were {_sizes(sizes)}; expected "
                      f"{_sizes(expected_sizes)} (batches of batch_size={batch_size}, the last "
                      f"one smaller)")


def _sizes(sizes: list[int]) -> str:
    if len(sizes) <= 8:
        return str(sizes)
    return f"[{', '.join(map(str, sizes[:6]))}, ..., {sizes[-1]}]"


def check_shuffle(trace: Trace, epochs: list) -> None:
    """The order is a shuffle (not the stored order) and a new one every epoch."""
    previous = None
    for number, indices in enumerate(epochs, 1):
        order = np.concatenate([trace.forwards[i]["ids"] for i in indices])
        if len(order) > 2 and np.array_equal(order, np.sort(order)):
            trace.add("shuffle", f"epoch {number} trained on the samples in their stored order: "
                      f"shuffle the training order each epoch (np.random.shuffle on an index "
                      f"array)")
        elif previous is not None and len(order) > 2 and np.array_equal(order, previous):
            trace.add("shuffle", f"epoch {number} used the same sample order as epoch "
                      f"{number - 1}: shuffle again at the start of every epoch")
        previous = order


def check_modes(trace: Trace, epochs: list, validations: list, n_val: int) -> None:
    """Train mode for training batches, eval mode for validation; and (a "batches" problem)
    every validation sample exactly once per epoch."""
    n_train = len(trace.dataset.train[0])
    for number, (train_indices, val_indices) in enumerate(zip(epochs, validations), 1):
        if not all(trace.forwards[i]["train_mode"] for i in train_indices):
            trace.add("modes", f"epoch {number}: training batches ran in eval mode: call "
                      f"mlp.train() before training (validation left the MLP in eval mode)")
        if any(trace.forwards[i]["train_mode"] for i in val_indices):
            trace.add("modes", f"epoch {number}: validation ran in train mode: call mlp.eval() "
                      f"before evaluating (BatchNorm must use its running statistics)")
        ids = np.concatenate([trace.forwards[i]["ids"] for i in val_indices]) - n_train
        counts = np.bincount(ids, minlength=n_val)
        if np.any(counts != 1):
            trace.add("batches", f"epoch {number}: the validation pass covered "
                      f"{np.count_nonzero(counts > 0)} of {n_val} validation samples"
                      + (", some more than once" if np.any(counts > 1) else "")
                      + ": evaluate every validation sample exactly once")

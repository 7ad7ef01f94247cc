"""get_training_stats driven through a recording fake MLP, and once through a real one."""
import numpy as np
import pytest

import mlp
from tools.data import load_digits_dataset

N_CLASSES = 3


ID_OFFSET = 1e9  # column 0 of the fake's output is -(ID_OFFSET + id): never the argmax


class FakeCriterion:
    """Per-sample loss = (sample id)**2, the id read back from column 0 of the output."""

    def __init__(self):
        self.loss = None

    def __call__(self, out, labels):
        self.loss = (-out[:, 0] - ID_OFFSET) ** 2
        return self.loss


class RecordingMLP:
    """Exactly the members get_training_stats may use; records every call.

    Inputs carry the sample id in column 0. forward returns (batch, 1 + N_CLASSES): the ids,
    then scores whose argmax is the 'prediction', id % N_CLASSES, except that ids listed in
    `wrong` are predicted one class off.
    """

    def __init__(self, wrong):
        self.wrong = set(wrong)
        self.criterion = FakeCriterion()
        self.mode = "train"
        self.events = []
        self._out = None

    def __getattr__(self, name):
        raise AssertionError(f"get_training_stats used mlp.{name}, which is not in the API")

    def train(self):
        self.mode = "train"
        self.events.append(("train",))

    def eval(self):
        self.mode = "eval"
        self.events.append(("eval",))

    def zero_grads(self):
        self.events.append(("zero_grads", self.mode))

    def forward(self, x):
        ids = x[:, 0].astype(int)
        self.events.append(("forward", self.mode, ids.tolist()))
        predicted = np.array([(i + (i in self.wrong)) % N_CLASSES for i in ids])
        scores = np.eye(N_CLASSES)[predicted]
        self._out = np.column_stack([-ID_OFFSET - ids, scores])
        return self._out

    def backward(self, labels):
        self.events.append(("backward", self.mode, len(labels)))
        self.criterion(self._out, labels)

    def step(self):
        self.events.append(("step", self.mode))


def make_split(ids):
    x = np.column_stack([ids, np.zeros(len(ids))]).astype(float)
    y = np.column_stack([np.zeros(len(ids)), np.eye(N_CLASSES)[ids % N_CLASSES]])
    return x, y


def run_fake(n_train=23, batch_size=5, nepochs=3, seed=7):
    train_ids, val_ids, test_ids = np.arange(n_train), np.arange(100, 111), np.arange(500, 504)
    dset = (make_split(train_ids), make_split(val_ids), make_split(test_ids))
    fake = RecordingMLP(wrong={0, 3, 4, 101, 105, 106, 110})
    np.random.seed(seed)
    stats = mlp.get_training_stats(fake, dset, nepochs, batch_size)
    return fake, stats


def epochs_of(events):
    """Split the event list at each train() call."""
    epochs = []
    for event in events:
        if event == ("train",):
            epochs.append([])
        epochs[-1].append(event)
    return epochs


def test_returns_four_float_arrays_with_the_exact_statistics():
    fake, stats = run_fake()
    assert len(stats) == 4
    for series in stats:
        assert isinstance(series, np.ndarray) and series.shape == (3,)
        assert series.dtype.kind == "f"
    training_losses, training_errors, validation_losses, validation_errors = stats
    # sum of per-sample losses / N, whatever the shuffle (the mean of batch means would not be)
    np.testing.assert_allclose(training_losses, np.mean(np.arange(23) ** 2), rtol=1e-14)
    np.testing.assert_allclose(training_errors, 3 / 23, rtol=1e-14)
    np.testing.assert_allclose(validation_losses, np.mean(np.arange(100, 111) ** 2), rtol=1e-14)
    np.testing.assert_allclose(validation_errors, 4 / 11, rtol=1e-14)


def test_batches_follow_the_shuffled_order_including_the_last_smaller_batch():
    fake, _ = run_fake(seed=11)
    rng_state = np.random.RandomState(11)
    for epoch in epochs_of(fake.events):
        idx = np.arange(23)
        rng_state.shuffle(idx)
        batches = [e[2] for e in epoch if e[0] == "forward" and e[1] == "train"]
        assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
        assert sum(batches, []) == idx.tolist()


def test_each_batch_is_zero_grads_forward_backward_step_in_train_mode():
    fake, _ = run_fake()
    epochs = epochs_of(fake.events)
    assert len(epochs) == 3
    for epoch in epochs:
        eval_at = epoch.index(("eval",))
        training, validation = epoch[1:eval_at], epoch[eval_at + 1:]
        kinds = [e[0] for e in training]
        assert kinds == ["zero_grads", "forward", "backward", "step"] * 5
        assert all(e[1] == "train" for e in training)
        # validation: forward passes in eval mode only, covering the validation ids, no test ids
        assert validation and all(e[0] == "forward" and e[1] == "eval" for e in validation)
        assert sorted(sum((e[2] for e in validation), [])) == list(range(100, 111))


def test_training_loss_is_not_the_mean_of_batch_means():
    """A loss that only the correct (per-sample) average reproduces for every shuffle."""
    for seed in range(5):
        fake, stats = run_fake(n_train=12, batch_size=5, nepochs=1, seed=seed)
        batches = [e[2] for e in fake.events if e[0] == "forward" and e[1] == "train"]
        mean_of_means = np.mean([np.mean(np.square(b)) for b in batches])
        assert stats[0][0] == pytest.approx(np.mean(np.arange(12) ** 2), rel=1e-14)
        assert abs(mean_of_means - stats[0][0]) > 1e-6


def test_a_real_network_learns_the_digits():
    (trainx, trainy), (valx, valy), test = load_digits_dataset()
    dset = ((trainx[:600], trainy[:600]), (valx, valy), test)
    np.random.seed(0)
    net = mlp.MLP(64, 10, [32], [mlp.ReLU(), mlp.Identity()],
                  lambda d0, d1: np.random.randn(d0, d1) * np.sqrt(2 / d0), mlp.zeros_bias_init,
                  mlp.SoftmaxCrossEntropy(), lr=0.05, momentum=0.9, num_bn_layers=1)
    train_loss, train_err, val_loss, val_err = mlp.get_training_stats(net, dset, 6, 32)
    assert train_loss[-1] < 0.5 * train_loss[0]
    assert val_err[-1] < 0.15
    assert np.all((0 <= train_err) & (train_err <= 1))
    assert net.train_mode is False  # left in eval mode after the validation pass

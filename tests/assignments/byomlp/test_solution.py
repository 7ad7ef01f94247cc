"""The BYOMLP solution's numerics and its provided code: gradients against central differences,
the last-layer rule, accumulation, the digits loader (IDX files written here, the offline
stand-in, grading mode) and the disc test notebook training."""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from .solution_modules import SOLUTION_DIR, load_solution_module

mlp = load_solution_module("mlp")
layers = load_solution_module("layers")
losses = load_solution_module("losses")


def squared_network(fderiv_last=True):
    """A 5 -> 7 -> 4 -> 3 network; biases moved off their init so that every term matters."""
    np.random.seed(0)
    net = mlp.MLP(5, losses.squared_loss_deriv)
    net.add_layer(7, np.tanh, lambda a: 1 - np.tanh(a) ** 2)
    net.add_layer(4, layers.leaky_relu, layers.leaky_relu_deriv, "mid")
    net.add_layer(3, layers.logistic, layers.logistic_deriv if fderiv_last else None)
    for layer in net.layers:
        layer["b"] += 0.3
    return net


def numerical_gradients(net, loss, x, y, h=1e-6):
    found = []
    for layer in net.layers:
        for key in ("W", "b"):
            array = layer[key]
            grad = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                saved = array[index]
                array[index] = saved + h
                up = loss(net.forward(x), y)
                array[index] = saved - h
                down = loss(net.forward(x), y)
                array[index] = saved
                grad[index] = (up - down) / (2 * h)
            found.append(grad)
    return found


def analytic_gradients(net, x, y):
    net.zero_grad()
    net.backward(x, y)
    return [layer[key].copy() for layer in net.layers for key in ("dW", "db")]


def test_backward_matches_central_differences_with_the_last_fderiv():
    net = squared_network()
    rng = np.random.RandomState(1)
    x, y = rng.randn(5), rng.rand(3)
    numeric = numerical_gradients(net, losses.squared_loss, x, y)
    for got, want in zip(analytic_gradients(net, x, y), numeric):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def test_without_fderiv_the_loss_gradient_is_taken_at_a():
    """Softmax output, cross-entropy: est_lossderiv is already dL/da of the last layer."""
    np.random.seed(2)
    net = mlp.MLP(6, losses.softmax_est_crossentropy_deriv)
    net.add_layer(8, layers.logistic, layers.logistic_deriv)
    net.add_layer(4, layers.softmax, None)
    rng = np.random.RandomState(3)
    x, y = rng.randn(6), np.eye(4)[2]
    numeric = numerical_gradients(net, losses.softmax_est_crossentropy_loss, x, y)
    for got, want in zip(analytic_gradients(net, x, y), numeric):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


def test_gradients_accumulate_until_zero_grad_and_step_subtracts_them():
    net = squared_network()
    rng = np.random.RandomState(4)
    (x1, y1), (x2, y2) = [(rng.randn(5), rng.rand(3)) for _ in range(2)]
    g1, g2 = analytic_gradients(net, x1, y1), analytic_gradients(net, x2, y2)
    net.zero_grad()
    net.backward(x1, y1)
    net.backward(x2, y2)
    both = [layer[key] for layer in net.layers for key in ("dW", "db")]
    for got, a, b in zip(both, g1, g2):
        np.testing.assert_allclose(got, a + b, rtol=1e-12, atol=1e-15)
    before = [layer["W"].copy() for layer in net.layers]
    net.step(0.5)
    for layer, W0 in zip(net.layers, before):
        np.testing.assert_allclose(layer["W"], W0 - 0.5 * layer["dW"], rtol=1e-12, atol=1e-15)
    net.zero_grad()
    assert all(not np.any(layer[key]) for layer in net.layers for key in ("dW", "db"))


def test_forward_start_and_end_follow_the_course_example():
    """10 -> 20 -> 5 -> 8 -> 7 -> 1; from "special_start" (input 20 numbers) to "special_end"
    (7 outputs), as in the course's text."""
    np.random.seed(5)
    net = mlp.MLP(10, losses.squared_loss_deriv)
    net.add_layer(20, layers.leaky_relu, layers.leaky_relu_deriv)
    net.add_layer(5, layers.leaky_relu, layers.leaky_relu_deriv, "special_start")
    net.add_layer(8, layers.leaky_relu, layers.leaky_relu_deriv)
    net.add_layer(7, layers.leaky_relu, layers.leaky_relu_deriv, "special_end")
    net.add_layer(1, layers.logistic, layers.logistic_deriv)
    assert net.forward(np.random.randn(10)).shape == (1,)
    assert net.forward(np.random.randn(20), start="special_start", end="special_end").shape == (7,)


def test_leaky_relu_is_leaky_and_softmax_does_not_overflow():
    a = np.array([-100.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(layers.leaky_relu(a), [-1.0, -0.01, 0.0, 2.0])
    np.testing.assert_allclose(layers.leaky_relu_deriv(a), [0.01, 0.01, 0.01, 1.0])
    p = layers.softmax(np.array([1000.0, 999.0, -1000.0]))
    assert np.all(np.isfinite(p)) and p.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(layers.logistic(np.array([-1000.0, 1000.0]))))


# ------------------------------------------------------------------ digits.py

def write_idx(folder, split, images, labels):
    names = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}[split]
    header = (0x803).to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in images.shape)
    (folder / names[0]).write_bytes(gzip.compress(header + images.tobytes()))
    header = (0x801).to_bytes(4, "big") + len(labels).to_bytes(4, "big")
    (folder / names[1]).write_bytes(gzip.compress(header + labels.tobytes()))


def test_get_digits_reads_mnist_idx_files_from_a_folder_or_the_environment(digits, tmp_path,
                                                                          monkeypatch):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(3, 28, 28)).astype(np.uint8)
    labels = np.array([7, 0, 3], dtype=np.uint8)
    write_idx(tmp_path, "test", images, labels)
    X, Y = digits.get_digits("test", folder=str(tmp_path))
    assert X.shape == (3, 784) and X.dtype == np.float64
    np.testing.assert_allclose(X[1], images[1].reshape(-1) / 255.0)
    assert Y.tolist() == [7, 0, 3]
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    assert digits.get_digits("test")[1].tolist() == [7, 0, 3]


def test_a_broken_idx_file_is_refused_with_its_name(digits, tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not an idx file"))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(b"nor this"))
    with pytest.raises(ValueError, match="t10k-images"):
        digits.get_digits("test", folder=str(tmp_path))


def test_the_offline_stand_in_is_784_d_in_the_unit_interval_with_every_digit(digits):
    X, Y = digits.get_digits("train")
    Xt, Yt = digits.get_digits("test")
    assert X.shape == (1400, 784) and Xt.shape == (397, 784)
    assert X.min() >= 0.0 and X.max() <= 1.0 and X.max() > 0.9
    assert set(Y.tolist()) == set(range(10)) and set(Yt.tolist()) == set(range(10))
    frame = X.reshape(-1, 28, 28)
    assert not frame[:, :4].any() and not frame[:, :, 24:].any()   # MNIST's empty border


def test_grading_mode_returns_a_bounded_subset_that_never_holds_the_held_back_digits(
        digits, monkeypatch):
    monkeypatch.setenv("BYOMLP_GRADING", "1")
    monkeypatch.setenv("MNIST_DIR", "/nonexistent")   # grading mode never reads MNIST
    X, _ = digits.get_digits("train")
    Xt, _ = digits.get_digits("test")
    assert X.shape == (1000, 784) and Xt.shape == (400, 784)
    held, _ = digits.standin_digits(digits.HELD_BACK_ROWS)
    seen = {row.tobytes() for row in np.vstack([X, Xt])}
    assert not any(row.tobytes() in seen for row in held)
    assert digits.budget_epochs(100, grading=5) == 5
    assert digits.budget_learning_rate(1e-4, grading=1e-2) == 1e-2
    monkeypatch.delenv("BYOMLP_GRADING")
    assert digits.budget_epochs(100, grading=5) == 100


def test_the_grading_mode_training_set_adds_each_digits_eight_one_pixel_shifts(
        digits, monkeypatch):
    X, _ = digits.standin_digits(slice(0, 5))
    assert digits.budget_training_set(X) is X or np.array_equal(digits.budget_training_set(X), X)
    monkeypatch.setenv("BYOMLP_GRADING", "1")
    fit = digits.budget_training_set(X)
    assert fit.shape == (45, 784) and np.array_equal(fit[:5], X)
    image = X[2].reshape(28, 28)
    shifted = {row.tobytes() for row in fit[5:].reshape(8, 5, 784)[:, 2]}
    expected = {np.roll(np.roll(image, dy, 0), dx, 1).reshape(784).tobytes()
                for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)}
    assert shifted == expected   # eight distinct neighbours, no copy of the digit itself


def test_the_stand_in_module_is_what_its_generator_writes(tmp_path):
    pytest.importorskip("sklearn")
    tool = SOLUTION_DIR / "tools" / "make_digits_standin.py"
    copy = tmp_path / "tools" / tool.name
    copy.parent.mkdir()
    shutil.copy(tool, copy)
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True)
    assert (tmp_path / "digits_standin.py").read_bytes() == \
        (SOLUTION_DIR / "digits_standin.py").read_bytes()


# ------------------------------------------------------------------ the disc test notebook

def test_the_disc_test_notebook_trains_to_separate_the_disc(tmp_path):
    for name in ("mlp.py", "layers.py", "losses.py", "digits.py", "digits_standin.py",
                 "DiscTest.ipynb"):
        shutil.copy(SOLUTION_DIR / name, tmp_path / name)
    program = (
        "import sys\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from autograder.scenarios import notebook\n"
        f"run = notebook.execute({str(tmp_path)!r}, 'DiscTest.ipynb')\n"
        "assert run.failure is None, run.failure\n"
        "net, losses = run.namespace['net'], run.namespace['losses']\n"
        "print(run.namespace['accuracy'], losses[0], losses[-1])\n")
    env = dict(os.environ, BYOMLP_GRADING="1", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", program], cwd=SOLUTION_DIR.parents[1], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    accuracy, first, last = (float(v) for v in done.stdout.split())
    assert accuracy >= 0.95 and last < first / 2

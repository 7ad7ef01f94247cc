"""Handwritten digits for the notebooks, and the plots of a 2-D encoding (provided, not graded).

    X, Y = get_digits("train")     # X (n, 784) floats in [0, 1], Y (n,) integer labels 0..9
    X, Y = get_digits("test")

Where the digits come from, first match wins:
  1. grading mode (below): the bundled stand-in, a bounded subset;
  2. MNIST, the four standard IDX .gz files, in the folder passed as `folder` or named by the
     environment variable MNIST_DIR (60,000 training and 10,000 test digits);
  3. the bundled stand-in, digits_standin.py beside this file: scikit-learn's 1,797 8x8
     digits, upscaled to MNIST's 28x28 layout (a 20x20 digit centred in the frame), so the
     notebooks run offline with the same 784-D inputs (1,400 training and 397 test digits).

Grading mode: the grader sets the environment variable BYOMLP_GRADING=1 before it runs your
notebooks. Then get_digits returns the first 1,000 training and 400 test digits of the stand-in,
budget_epochs(n, grading=k) returns k instead of n and budget_learning_rate(r, grading=q)
returns q instead of r, so that training fits the grader's time limits; budget_training_set(X)
adds each training digit's eight one-pixel shifts (9,000 digits), which the autoencoder
needs. The grader tests your trained networks on digits of its own, which get_digits never
returns.
"""
import gzip
import os
from pathlib import Path

import numpy as np

GRADING_VARIABLE = "BYOMLP_GRADING"
MNIST_VARIABLE = "MNIST_DIR"
MNIST_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
               "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
# Rows of the stand-in (already shuffled): what each use may see.
STANDIN_ROWS = {"train": slice(0, 1400), "test": slice(1400, 1797)}
GRADING_ROWS = {"train": slice(0, 1000), "test": slice(1000, 1400)}
HELD_BACK_ROWS = slice(1400, 1797)   # never returned in grading mode
# budget_training_set's one-pixel shifts (rows, columns): the eight neighbours.
SHIFTS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0)]


def grading_mode() -> bool:
    """Whether the grader is running the notebooks (BYOMLP_GRADING=1)."""
    return os.environ.get(GRADING_VARIABLE, "") == "1"


def budget_epochs(n, grading=2):
    """n, or `grading` in grading mode: write `for epoch in range(budget_epochs(100, grading=5))`."""
    return grading if grading_mode() else n


def budget_learning_rate(rate, grading):
    """rate, or `grading` in grading mode (a few epochs on 1,000 digits need larger steps)."""
    return grading if grading_mode() else rate


def budget_training_set(X):
    """X, or in grading mode X followed by its eight one-pixel shifts (9 x as many digits).

    For the autoencoder: with the learning rate halved after each epoch, 1,000 digits are too
    few steps for the 2-D code to learn anything but the average digit; shifted copies give the
    epochs the steps they need. Write `X_fit = budget_training_set(X_train)` and train on X_fit.
    """
    X = np.asarray(X)
    if not grading_mode():
        return X
    images = X.reshape(-1, 28, 28)
    shifted = [np.roll(np.roll(images, dy, axis=1), dx, axis=2).reshape(len(X), 784)
               for dy, dx in SHIFTS]
    return np.concatenate([X, *shifted])


def get_digits(split="train", folder=None):
    """The digits of one split ("train" or "test").

    Returns X (n, 784) float64 in [0, 1] (row-major 28x28 pixels, ink is 1) and Y (n,) int64.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if grading_mode():
        return standin_digits(GRADING_ROWS[split])
    folder = folder or os.environ.get(MNIST_VARIABLE)
    if folder:
        images, labels = (Path(folder) / name for name in MNIST_FILES[split])
        return read_idx_images(images), read_idx_labels(labels)
    return standin_digits(STANDIN_ROWS[split])


def load_images(split="train", folder=None):
    """The course's name for get_digits."""
    return get_digits(split, folder)


# ------------------------------------------------------------------------------ MNIST IDX files

def _read_idx(path, magic: int, dims: int) -> np.ndarray:
    with gzip.open(path, "rb") as stream:
        data = stream.read()
    if len(data) < 4 + 4 * dims or int.from_bytes(data[:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX file of {dims}-D unsigned bytes")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: holds {body.size} bytes, its header says {shape}")
    return body.reshape(shape)


def read_idx_images(path) -> np.ndarray:
    """(n, 784) float64 in [0, 1] from an idx3-ubyte.gz file of n 28x28 images."""
    images = _read_idx(path, 0x00000803, 3)
    return images.reshape(len(images), -1).astype(np.float64) / 255.0


def read_idx_labels(path) -> np.ndarray:
    """(n,) int64 from an idx1-ubyte.gz file."""
    return _read_idx(path, 0x00000801, 1).astype(np.int64)


# ------------------------------------------------------------------------------ the stand-in

def _stretch(source: int, target: int) -> np.ndarray:
    """(target, source) linear interpolation matrix between pixel centres."""
    centres = (np.arange(target) + 0.5) * source / target - 0.5
    low = np.clip(np.floor(centres).astype(int), 0, source - 1)
    high = np.clip(low + 1, 0, source - 1)
    weight = np.clip(centres - low, 0.0, 1.0)
    matrix = np.zeros((target, source))
    matrix[np.arange(target), low] += 1.0 - weight
    matrix[np.arange(target), high] += weight
    return matrix


def upscale_8x8(pixels: np.ndarray) -> np.ndarray:
    """(n, 64) values 0..16 -> (n, 784) in [0, 1]: a 20x20 digit centred in a 28x28 frame."""
    stretch = _stretch(8, 20)
    small = pixels.reshape(-1, 8, 8).astype(np.float64) / 16.0
    big = np.zeros((len(small), 28, 28))
    big[:, 4:24, 4:24] = stretch @ small @ stretch.T
    return np.clip(big, 0.0, 1.0).reshape(len(small), 784)


def standin_digits(rows=slice(None)):
    """X (n, 784), Y (n,) from the bundled stand-in's rows."""
    import base64
    import io

    from digits_standin import DATA
    packed = base64.b64decode("".join(DATA.split()))
    table = np.load(io.BytesIO(gzip.decompress(packed)), allow_pickle=False)[rows]
    return upscale_8x8(table[:, :64]), table[:, 64].astype(np.int64)


# ------------------------------------------------------------------------------ plots

def _colours():
    import matplotlib.pyplot as plt
    return plt.get_cmap("tab10")


def scatter_digits(model, X, Y, ax=None, limit=1000):
    """Scatter the 2-D encodings model.forward(x, end="latent") of up to `limit` digits,
    coloured by label; returns the axes."""
    import matplotlib.pyplot as plt
    ax = ax or plt.gca()
    Z = np.array([model.forward(x, end="latent") for x in X[:limit]])
    colours = _colours()
    for digit in range(10):
        chosen = Y[:limit] == digit
        ax.scatter(Z[chosen, 0], Z[chosen, 1], s=6, color=colours(digit), label=str(digit))
    ax.legend(markerscale=2, fontsize=7, loc="best")
    ax.set_title("encodings (layer \"latent\")")
    return ax


def plot_digits_dimreduced_examples(X, Y, model, limit=1000, grid=6):
    """A figure: left, the encodings of up to `limit` digits; right, the decodings
    model.forward(z, start="up128") of a grid x grid lattice of latent points spanning the
    encodings. Returns the figure."""
    import matplotlib.pyplot as plt
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 5))
    scatter_digits(model, X, Y, ax=left, limit=limit)
    Z = np.array([model.forward(x, end="latent") for x in X[:limit]])
    lows, highs = Z.min(axis=0), Z.max(axis=0)
    canvas = np.zeros((28 * grid, 28 * grid))
    for i, zy in enumerate(np.linspace(highs[1], lows[1], grid)):
        for j, zx in enumerate(np.linspace(lows[0], highs[0], grid)):
            image = model.forward(np.array([zx, zy]), start="up128").reshape(28, 28)
            canvas[28 * i:28 * (i + 1), 28 * j:28 * (j + 1)] = image
    right.imshow(canvas, cmap="gray", extent=(lows[0], highs[0], lows[1], highs[1]),
                 aspect="auto")
    right.set_title("decodings (from layer \"up128\")")
    figure.tight_layout()
    return figure

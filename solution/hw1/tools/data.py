"""Datasets as ((trainx, trainy), (valx, valy), (testx, testy)).

Inputs are float64 (N, pixels) in [0, 1]; labels are one-hot float64 (N, 10).

MNIST comes from the four standard IDX files (gzip-compressed or raw) or from one `.npz` with
arrays x_train, y_train, x_test, y_test. Split: train = the first 50,000 training images,
val = the last 10,000, test = the 10,000 t10k images. Without MNIST, `load_dataset` falls back
to scikit-learn's bundled 8x8 digits (1,797 images), split deterministically.
"""
import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

DATA_DIR_ENV = "MLP_DATA_DIR"
N_CLASSES = 10
MNIST_TRAIN_SIZE = 50_000
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
NPZ_NAME = "mnist.npz"
DIGITS_SPLIT = (1197, 300, 300)
DIGITS_SPLIT_SEED = 0
_IDX_UBYTE = 0x08


class DataError(Exception):
    """A dataset is missing, truncated or malformed; the message names the file."""


def one_hot(labels, n_classes=N_CLASSES):
    """Integer labels (N,) -> one-hot float64 (N, n_classes)."""
    return np.eye(n_classes)[labels]


def _read_bytes(path):
    try:
        with open(path, "rb") as f:
            head = f.read(2)
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None


def read_idx(path, ndim):
    """Read one IDX file of unsigned bytes with `ndim` dimensions; return a uint8 array."""
    path = Path(path)
    data = _read_bytes(path)
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DataError(f"{path}: truncated IDX header ({len(data)} bytes)")
    zeros, dtype_code, file_ndim = struct.unpack(">HBB", data[:4])
    if zeros != 0 or dtype_code != _IDX_UBYTE or file_ndim != ndim:
        raise DataError(f"{path}: not an IDX file of unsigned bytes with {ndim} dimension(s)")
    shape = struct.unpack(f">{ndim}I", data[4:header_size])
    expected = header_size + int(np.prod(shape))
    if len(data) != expected:
        raise DataError(f"{path}: expected {expected} bytes for shape {shape}, found {len(data)}"
                        " (truncated or corrupt)")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def _find_idx(directory, stem):
    for name in (stem + ".gz", stem):
        if (directory / name).is_file():
            return directory / name
    # Some mirrors name the files with a dot before "idx" (train-images.idx3-ubyte).
    dotted = stem.replace("-idx", ".idx")
    for name in (dotted + ".gz", dotted):
        if (directory / name).is_file():
            return directory / name
    return None


def _check_labels(labels, images, path):
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise DataError(f"{path}: labels must be a 1-D array of integers 0-9")
    if len(labels) != len(images):
        raise DataError(f"{path}: {len(labels)} labels for {len(images)} images")
    if labels.size and (labels.min() < 0 or labels.max() >= N_CLASSES):
        raise DataError(f"{path}: labels outside the digits 0-9")


def _pixels(images):
    """Images (N, ...) of bytes 0-255 (or floats already in [0, 1]) -> float64 (N, pixels)."""
    x = images.reshape(len(images), -1).astype(np.float64)
    return x / 255.0 if images.dtype == np.uint8 or x.max(initial=0.0) > 1.0 else x


def _split_mnist(train_images, train_labels, test_images, test_labels, n_train):
    x, y = _pixels(train_images), one_hot(train_labels.astype(np.int64))
    return ((x[:n_train], y[:n_train]), (x[n_train:], y[n_train:]),
            (_pixels(test_images), one_hot(test_labels.astype(np.int64))))


def _load_npz(path, n_train):
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [k for k in keys if k not in archive.files]
            if missing:
                raise DataError(f"{path}: missing array(s) {', '.join(missing)}")
            arrays = [archive[k] for k in keys]
    except DataError:
        raise
    except Exception as exc:  # zipfile, ValueError, OSError: all mean an unreadable file
        raise DataError(f"{path}: cannot read .npz ({exc})") from None
    x_train, y_train, x_test, y_test = arrays
    _check_labels(y_train, x_train, path)
    _check_labels(y_test, x_test, path)
    return _split_mnist(x_train, y_train, x_test, y_test, n_train)


def load_mnist(directory, n_train=MNIST_TRAIN_SIZE):
    """Load MNIST from `directory` (the four IDX files, .gz or raw, or mnist.npz), or from a
    path to an .npz file. Returns ((trainx, trainy), (valx, valy), (testx, testy)).

    Raises DataError naming the file when a file is missing, truncated or malformed.
    """
    path = Path(directory)
    if path.is_file() and path.suffix == ".npz":
        return _load_npz(path, n_train)
    if not path.is_dir():
        raise DataError(f"{path}: no such MNIST directory or .npz file")
    found = {key: _find_idx(path, stem) for key, stem in IDX_FILES.items()}
    if all(found.values()):
        train_images = read_idx(found["train_images"], 3)
        train_labels = read_idx(found["train_labels"], 1)
        test_images = read_idx(found["test_images"], 3)
        test_labels = read_idx(found["test_labels"], 1)
        _check_labels(train_labels, train_images, found["train_labels"])
        _check_labels(test_labels, test_images, found["test_labels"])
        if len(train_images) <= n_train:
            raise DataError(f"{found['train_images']}: {len(train_images)} training images, "
                            f"need more than {n_train} to keep a validation split")
        return _split_mnist(train_images, train_labels, test_images, test_labels, n_train)
    if (path / NPZ_NAME).is_file():
        return _load_npz(path / NPZ_NAME, n_train)
    missing = [IDX_FILES[key] + "[.gz]" for key, file in found.items() if file is None]
    raise DataError(f"{path}: missing MNIST file(s) {', '.join(missing)} (or {NPZ_NAME})")


def load_digits_dataset():
    """scikit-learn's bundled 8x8 digits, pixels scaled to [0, 1], split 1197/300/300 by a
    fixed permutation (independent of the global NumPy RNG)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(np.float64) / 16.0
    y = one_hot(digits.target)
    order = np.random.RandomState(DIGITS_SPLIT_SEED).permutation(len(x))
    n_train, n_val, _ = DIGITS_SPLIT
    parts = np.split(order, [n_train, n_train + n_val])
    return tuple((x[p], y[p]) for p in parts)


def describe(dset):
    """'50000 train / 10000 val / 10000 test, 784 inputs'."""
    (trainx, _), (valx, _), (testx, _) = dset
    return (f"{len(trainx)} train / {len(valx)} val / {len(testx)} test, "
            f"{trainx.shape[1]} inputs")


def load_dataset(directory=None):
    """Return (dset, source): MNIST from `directory`, else from $MLP_DATA_DIR, else the
    offline digits. `source` says in one line which data was used."""
    directory = directory or os.environ.get(DATA_DIR_ENV) or None
    if directory is None:
        dset = load_digits_dataset()
        return dset, f"scikit-learn digits 8x8 (offline default; {describe(dset)})"
    dset = load_mnist(directory)
    return dset, f"MNIST from {directory} ({describe(dset)})"

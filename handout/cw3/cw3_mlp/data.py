"""Data loading (provided: do not modify).

`load_data(directory)` returns a `Dataset`: float64 pixels in [0, 1], one image per row, and
integer labels (N,).

Where the data comes from, first match wins:
  1. `directory` (run.py's --data DIR), else the environment variable CW3_DATA_DIR, else
     MLP_DATA_DIR: a folder with the four IDX files of FashionMNIST or MNIST
     (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
     t10k-labels-idx1-ubyte, each gzip-compressed (.gz) or not), either directly in the
     folder or in its raw/, FashionMNIST/raw/ or MNIST/raw/ subfolder (torchvision's layout).
     The last 5,000 training images are held out for validation; test = the t10k files.
  2. Otherwise, offline: scikit-learn's bundled 8x8 digits (1,797 images, 64 pixels),
     split 1,297 / 250 / 250 by a fixed permutation that does not touch np.random.
"""
import gzip
import os
import struct
import zlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

ENV_VARS = ("CW3_DATA_DIR", "MLP_DATA_DIR")
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
SUBFOLDERS = (".", "raw", "FashionMNIST/raw", "MNIST/raw")
VAL_SIZE = 5000
N_CLASSES = 10
DIGITS_SPLIT = (1297, 250, 250)
DIGITS_SEED = 3317


class DataError(Exception):
    """The data folder or one of its files is missing or unreadable; the message says which."""


class Dataset(NamedTuple):
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    name: str

    def describe(self):
        return (f"{self.name}: {len(self.y_train)} train / {len(self.y_val)} val / "
                f"{len(self.y_test)} test, {self.X_train.shape[1]} inputs")

    def head(self, train, val, test):
        """The first `train`, `val` and `test` samples of each split (for --quick)."""
        return Dataset(self.X_train[:train], self.y_train[:train], self.X_val[:val],
                       self.y_val[:val], self.X_test[:test], self.y_test[:test], self.name)


def read_idx(path):
    """Return the array stored in an IDX file of unsigned bytes (gzip-compressed or not)."""
    try:
        with open(path, "rb") as f:
            compressed = f.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:  # how gzip reports a corrupt file
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an IDX file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    if len(raw) - header != int(np.prod(shape)):
        raise DataError(f"{path}: {len(raw) - header} data bytes for shape {shape}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def find_idx_folder(directory):
    """The folder (directory itself or a known subfolder) holding all four IDX files."""
    for sub in SUBFOLDERS:
        folder = directory / sub
        paths = {key: _idx_path(folder, name) for key, name in IDX_NAMES.items()}
        if all(paths.values()):
            return paths
    names = ", ".join(f"{name}[.gz]" for name in IDX_NAMES.values())
    raise DataError(f"{directory}: no IDX files found (expected {names})")


def _idx_path(folder, name):
    for candidate in (folder / (name + ".gz"), folder / name):
        if candidate.is_file():
            return candidate
    return None


def _images_and_labels(images_path, labels_path):
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim < 2 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{images_path}, {labels_path}: images and labels do not match")
    if labels.max(initial=0) >= N_CLASSES:
        raise DataError(f"{labels_path}: labels outside 0..{N_CLASSES - 1}")
    X = images.reshape(len(images), -1).astype(np.float64) / 255.0
    return X, labels.astype(np.int64)


def load_idx_dataset(directory):
    """FashionMNIST or MNIST from a folder of IDX files (see the module docstring)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise DataError(f"{directory}: no such data folder")
    paths = find_idx_folder(directory)
    X, y = _images_and_labels(paths["train_images"], paths["train_labels"])
    X_test, y_test = _images_and_labels(paths["test_images"], paths["test_labels"])
    if len(y) <= VAL_SIZE:
        raise DataError(f"{paths['train_images']}: only {len(y)} training images, need more "
                        f"than the {VAL_SIZE} held out for validation")
    cut = len(y) - VAL_SIZE
    return Dataset(X[:cut], y[:cut], X[cut:], y[cut:], X_test, y_test, f"IDX data in {directory}")


def load_digits_dataset():
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1], split by a fixed permutation."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = digits.data.astype(np.float64) / 16.0  # pixel values are 0..16
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(DIGITS_SEED).permutation(len(y))
    n_train, n_val, _ = DIGITS_SPLIT
    train, val, test = np.split(order, [n_train, n_train + n_val])
    return Dataset(X[train], y[train], X[val], y[val], X[test], y[test],
                   "scikit-learn 8x8 digits (offline default)")


def data_directory(directory=None):
    """The folder to load: `directory`, else the first environment variable set, else None."""
    if directory:
        return directory
    return next((os.environ[var] for var in ENV_VARS if os.environ.get(var)), None)


def load_data(directory=None):
    """Load the Dataset (see the module docstring). Raises DataError with a one-line message."""
    directory = data_directory(directory)
    return load_digits_dataset() if directory is None else load_idx_dataset(directory)

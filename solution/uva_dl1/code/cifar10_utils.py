"""Provided: loads the data set and serves mini-batches. Do not change this file.

    import cifar10_utils
    cifar10 = cifar10_utils.get_cifar10('cifar10/cifar-10-batches-py')
    x, y = cifar10['train'].next_batch(batch_size)   # x (batch, 3, 32, 32), y (batch, 10) one-hot
    x, y = cifar10['test'].images, cifar10['test'].labels

Three sources, chosen by what ``data_dir`` holds:
  * CIFAR-10 in its python-batch format (data_batch_1 .. data_batch_5 and test_batch, each a
    pickled dict with b'data' (N, 3072) uint8 and b'labels'), as downloaded from
    https://www.cs.toronto.edu/~kriz/cifar.html;
  * MNIST's IDX files (train-images-idx3-ubyte[.gz] and friends): each digit padded to 32x32
    and repeated on three channels, a stand-in of CIFAR-10's shape;
  * ``data_dir = OFFLINE`` ("offline"): a synthetic stand-in made here, needing no file at all:
    ten classes, each a fixed smooth colour pattern under noise.
Every source gives float32 images (N, 3, 32, 32) on the 0..255 scale with the training set's
mean image subtracted (as the course's loader does: the default learning rates assume it), and
float32 one-hot labels (N, 10).
"""
import gzip
import os
import pickle
import struct

import numpy as np

OFFLINE = "offline"
CIFAR10_BATCHES = ["data_batch_%d" % i for i in range(1, 6)]
MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
               "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
N_CLASSES = 10


class DataSet(object):
    """Images (N, 3, 32, 32) and one-hot labels (N, 10), served in shuffled mini-batches."""

    def __init__(self, images, labels, seed=42):
        assert images.shape[0] == labels.shape[0], "images and labels differ in number"
        self._images = images
        self._labels = labels
        self._num_examples = images.shape[0]
        self._epochs_completed = 0
        self._index_in_epoch = 0
        self._rng = np.random.RandomState(seed)

    @property
    def images(self):
        return self._images

    @property
    def labels(self):
        return self._labels

    @property
    def num_examples(self):
        return self._num_examples

    @property
    def epochs_completed(self):
        return self._epochs_completed

    def next_batch(self, batch_size):
        """The next ``batch_size`` examples; the set is reshuffled after each epoch."""
        if not 0 < batch_size <= self._num_examples:
            raise ValueError("batch_size must be between 1 and %d" % self._num_examples)
        start = self._index_in_epoch
        self._index_in_epoch += batch_size
        if self._index_in_epoch > self._num_examples:
            self._epochs_completed += 1
            order = self._rng.permutation(self._num_examples)
            self._images, self._labels = self._images[order], self._labels[order]
            start, self._index_in_epoch = 0, batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def dense_to_one_hot(labels, n_classes=N_CLASSES):
    """Integer labels (N,) -> float32 one-hot rows (N, n_classes)."""
    labels = np.asarray(labels, dtype=np.int64)
    one_hot = np.zeros((labels.shape[0], n_classes), dtype=np.float32)
    one_hot[np.arange(labels.shape[0]), labels] = 1.0
    return one_hot


def load_cifar10_batch(path):
    """One python-batch file -> images (N, 3, 32, 32) uint8, labels (N,) int64."""
    with open(path, "rb") as f:
        batch = pickle.load(f, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(batch[b"labels"], dtype=np.int64)


def load_cifar10(data_dir):
    """(train images, train labels, test images, test labels) of a CIFAR-10 folder."""
    parts = [load_cifar10_batch(os.path.join(data_dir, name)) for name in CIFAR10_BATCHES]
    train_x = np.concatenate([p[0] for p in parts])
    train_y = np.concatenate([p[1] for p in parts])
    test_x, test_y = load_cifar10_batch(os.path.join(data_dir, "test_batch"))
    return train_x, train_y, test_x, test_y


def _read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        dims = struct.unpack(">" + "I" * (magic & 0xFF), f.read(4 * (magic & 0xFF)))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def _idx_path(data_dir, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    return None


# MNIST's 70000 digits as float32 colour images would take 860 MB: a stand-in needs fewer.
MNIST_LIMITS = {"train": 10000, "test": 2000}


def load_mnist_as_cifar(data_dir):
    """MNIST digits as 32x32 colour images: padded by 2 pixels, repeated on 3 channels (the
    first MNIST_LIMITS of each split)."""
    arrays = []
    for split in ("train", "test"):
        images, labels = (_read_idx(_idx_path(data_dir, n)) for n in MNIST_FILES[split])
        images, labels = images[:MNIST_LIMITS[split]], labels[:MNIST_LIMITS[split]]
        padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
        arrays += [np.repeat(padded[:, None], 3, axis=1), labels.astype(np.int64)]
    return tuple(arrays)


def make_offline_standin(n_train=10000, n_test=2000, seed=2019):
    """A synthetic ten-class set of CIFAR-10's shape: each class a fixed smooth colour pattern,
    each image its class's pattern, shifted by up to 8 pixels and scaled in brightness, under
    strong pixel noise (a linear model cannot undo the shifts; a ConvNet can)."""
    rng = np.random.RandomState(seed)
    grid = np.linspace(0.0, 1.0, 32)
    rows, cols = np.meshgrid(grid, grid, indexing="ij")
    templates = []
    for _ in range(N_CLASSES):
        fx, fy, phase = rng.uniform(0.5, 3.0), rng.uniform(0.5, 3.0), rng.uniform(0, 2 * np.pi, 3)
        templates.append(np.stack([np.sin(2 * np.pi * (fx * rows + fy * cols) + p)
                                   for p in phase]))
    templates = np.stack(templates)

    def draw(n):
        labels = rng.randint(N_CLASSES, size=n)
        shifts = rng.randint(-8, 9, size=(n, 2))
        patterns = np.stack([np.roll(templates[label], tuple(shift), axis=(1, 2))
                             for label, shift in zip(labels, shifts)])
        images = (patterns * rng.uniform(0.3, 1.0, (n, 1, 1, 1))
                  + rng.normal(0.0, 2.0, (n, 3, 32, 32)) + rng.normal(0.0, 0.5, (n, 3, 1, 1)))
        return np.clip(127.5 + 60.0 * images, 0, 255).astype(np.uint8), labels

    train_x, train_y = draw(n_train)
    test_x, test_y = draw(n_test)
    return train_x, train_y, test_x, test_y


def describe_source(data_dir):
    """"cifar10", "mnist" or "offline": the source ``data_dir`` names; raises
    FileNotFoundError (one line) when it names none."""
    if data_dir == OFFLINE:
        return "offline"
    if os.path.isfile(os.path.join(data_dir, CIFAR10_BATCHES[0])):
        return "cifar10"
    if all(_idx_path(data_dir, name) for names in MNIST_FILES.values() for name in names):
        return "mnist"
    raise FileNotFoundError("no CIFAR-10 batches (data_batch_1 ...) or MNIST IDX files in %r; "
                            "pass --data_dir %s to train on the synthetic stand-in"
                            % (data_dir, OFFLINE))


def get_cifar10(data_dir=OFFLINE, one_hot=True, validation_size=0):
    """{'train': DataSet, 'validation': DataSet, 'test': DataSet} from ``data_dir``.

    Images are float32 (N, 3, 32, 32), the training mean image subtracted; labels one-hot
    float32 (N, 10) (integers (N,) with one_hot=False). The first ``validation_size`` training
    examples form the validation set.
    """
    source = describe_source(data_dir)
    if source == "cifar10":
        train_x, train_y, test_x, test_y = load_cifar10(data_dir)
    elif source == "mnist":
        train_x, train_y, test_x, test_y = load_mnist_as_cifar(data_dir)
    else:
        train_x, train_y, test_x, test_y = make_offline_standin()
    if not 0 <= validation_size < len(train_x):
        raise ValueError("validation_size must be between 0 and %d" % (len(train_x) - 1))
    train_x, test_x = train_x.astype(np.float32), test_x.astype(np.float32)
    mean_image = train_x.mean(axis=0)
    train_x -= mean_image
    test_x -= mean_image
    encode = dense_to_one_hot if one_hot else (lambda labels: labels)
    train_y, test_y = encode(train_y), encode(test_y)
    return {"train": DataSet(train_x[validation_size:], train_y[validation_size:]),
            "validation": DataSet(train_x[:validation_size], train_y[:validation_size]),
            "test": DataSet(test_x, test_y)}

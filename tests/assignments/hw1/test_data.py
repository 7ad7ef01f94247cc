"""The provided data loader: IDX (.gz and raw), .npz, the digits fallback, clear errors."""
import gzip
import struct

import numpy as np
import pytest

from tools.data import DataError, load_dataset, load_digits_dataset, load_mnist, read_idx


def idx_bytes(array):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                   *array.shape)
    return header + array.tobytes()


def write_mnist(directory, n_train=12, n_test=4, side=3, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, side, side)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, side, side)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    for name, array in arrays.items():
        data = idx_bytes(array)
        if compress:
            (directory / (name + ".gz")).write_bytes(gzip.compress(data, mtime=0))
        else:
            (directory / name).write_bytes(data)
    return arrays


@pytest.mark.parametrize("compress", [True, False])
def test_load_mnist_splits_scales_and_one_hot_encodes(tmp_path, compress):
    arrays = write_mnist(tmp_path, compress=compress)
    (trainx, trainy), (valx, valy), (testx, testy) = load_mnist(tmp_path, n_train=8)
    images = arrays["train-images-idx3-ubyte"].reshape(12, 9) / 255.0
    labels = arrays["train-labels-idx1-ubyte"]
    np.testing.assert_array_equal(trainx, images[:8])
    np.testing.assert_array_equal(valx, images[8:])
    np.testing.assert_array_equal(testx, arrays["t10k-images-idx3-ubyte"].reshape(4, 9) / 255.0)
    np.testing.assert_array_equal(trainy, np.eye(10)[labels[:8]])
    np.testing.assert_array_equal(valy.argmax(1), labels[8:])
    np.testing.assert_array_equal(testy.argmax(1), arrays["t10k-labels-idx1-ubyte"])
    for x in (trainx, valx, testx):
        assert x.dtype == np.float64 and 0.0 <= x.min() and x.max() <= 1.0
    assert trainy.shape == (8, 10) and trainy.sum() == 8


def test_default_split_is_50000_train_and_the_rest_validation(tmp_path):
    write_mnist(tmp_path, n_train=50_003, n_test=2, side=1)
    (trainx, _), (valx, _), (testx, _) = load_mnist(tmp_path)
    assert (len(trainx), len(valx), len(testx)) == (50_000, 3, 2)


def test_load_mnist_from_npz(tmp_path):
    rng = np.random.default_rng(1)
    x_train = rng.integers(0, 256, (10, 2, 2)).astype(np.uint8)
    y_train = rng.integers(0, 10, 10)
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train,
             x_test=x_train[:3], y_test=y_train[:3])
    for source in (tmp_path, tmp_path / "mnist.npz"):
        (trainx, trainy), (valx, _), (testx, _) = load_mnist(source, n_train=7)
        np.testing.assert_array_equal(trainx, x_train[:7].reshape(7, 4) / 255.0)
        np.testing.assert_array_equal(trainy.argmax(1), y_train[:7])
        assert len(valx) == 3 and len(testx) == 3


def test_truncated_idx_file_is_reported_by_name(tmp_path):
    write_mnist(tmp_path, compress=False)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.*truncated"):
        load_mnist(tmp_path, n_train=8)


def test_truncated_gzip_is_reported_by_name(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:15])
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz"):
        load_mnist(tmp_path, n_train=8)


def test_wrong_magic_and_bad_labels_are_reported(tmp_path):
    path = tmp_path / "bad"
    path.write_bytes(b"\x00\x00\x0d\x01" + struct.pack(">I", 2) + b"\x00" * 8)
    with pytest.raises(DataError, match="bad.*not an IDX file"):
        read_idx(path, 1)
    write_mnist(tmp_path, compress=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.full(12, 11)))
    with pytest.raises(DataError, match="train-labels-idx1-ubyte.*0-9"):
        load_mnist(tmp_path, n_train=8)


def test_missing_files_are_listed(tmp_path):
    write_mnist(tmp_path)
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(DataError, match="no-such-dir"):
        load_mnist(tmp_path / "no-such-dir")


def test_digits_fallback_is_deterministic_scaled_and_leaves_the_global_rng_alone(monkeypatch):
    monkeypatch.delenv("MLP_DATA_DIR", raising=False)
    np.random.seed(123)
    dset, source = load_dataset()
    after = np.random.rand()
    np.random.seed(123)
    assert np.random.rand() == after
    assert "digits" in source
    (trainx, trainy), (valx, valy), (testx, testy) = dset
    assert (trainx.shape, valx.shape, testx.shape) == ((1197, 64), (300, 64), (300, 64))
    assert trainx.min() == 0.0 and trainx.max() == 1.0
    assert trainy.shape == (1197, 10) and np.all(trainy.sum(1) == 1)
    assert len(np.unique(trainy.argmax(1))) == 10
    again = load_digits_dataset()
    np.testing.assert_array_equal(again[1][0], valx)


def test_environment_variable_selects_mnist(tmp_path, monkeypatch):
    write_mnist(tmp_path, n_train=50_002, n_test=3, side=1)
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path))
    dset, source = load_dataset()
    assert "MNIST" in source and str(tmp_path) in source
    assert len(dset[1][0]) == 2
    monkeypatch.setenv("MLP_DATA_DIR", str(tmp_path / "missing"))
    with pytest.raises(DataError, match="missing"):
        load_dataset()

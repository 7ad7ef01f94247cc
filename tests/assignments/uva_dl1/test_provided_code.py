"""uva_dl1's provided code, as students run it: the course-style gradient checks (unittests.py)
pass on the solution and fail on the handout's stubs; cifar10_utils reads the CIFAR-10
python-batch format (from a small file written here), MNIST's IDX files and the offline
stand-in; the three training scripts train with a few steps and refuse bad flags in one line."""
from __future__ import annotations

import gzip
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from support import ROOT, run_autograder

CODE = ROOT / "solution" / "uva_dl1" / "code"


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("uva-dl1-handout") / "handout"
    built = run_autograder("handout", "uva_dl1", "--out", out)
    assert built.returncode == 0, built.stderr[-2000:]
    return out


def run(args, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


# ------------------------------------------------------------------ the gradient checks

def test_the_gradient_checks_pass_on_the_solution():
    done = run(["-m", "unittest", "-v", "unittests"], CODE)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Ran 7 tests" in done.stderr and "OK" in done.stderr.splitlines()[-1]


def test_the_gradient_checks_fail_on_the_stubs(handout):
    done = run(["-m", "unittest", "unittests"], handout / "code")
    assert done.returncode == 1
    assert "NotImplementedError" in done.stderr
    assert "FAILED (errors=7)" in done.stderr, done.stderr[-2000:]


# ------------------------------------------------------------------ cifar10_utils

def write_cifar_batches(folder: Path, per_batch: int = 6) -> dict:
    """A CIFAR-10 python-batch folder in the real format, tiny: 5 training batches and a test
    batch of ``per_batch`` images each."""
    folder.mkdir(parents=True)
    rng = np.random.RandomState(0)
    written = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        data = rng.randint(0, 256, (per_batch, 3072)).astype(np.uint8)
        labels = [int(v) for v in rng.randint(0, 10, per_batch)]
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), b"labels": labels, b"data": data,
                         b"filenames": [b"x.png"] * per_batch}, f)
        written[name] = (data, labels)
    return written


def load(module: str):
    sys.path.insert(0, str(CODE))
    try:
        __import__(module)
        return sys.modules[module]
    finally:
        sys.path.remove(str(CODE))


def test_cifar10_utils_reads_the_python_batch_format(tmp_path):
    cifar10_utils = load("cifar10_utils")
    written = write_cifar_batches(tmp_path / "cifar-10-batches-py")
    data = cifar10_utils.get_cifar10(str(tmp_path / "cifar-10-batches-py"))
    train, test = data["train"], data["test"]
    assert train.images.shape == (30, 3, 32, 32) and train.images.dtype == np.float32
    assert test.labels.shape == (6, 10) and np.all(test.labels.sum(axis=1) == 1)
    assert list(test.labels.argmax(axis=1)) == written["test_batch"][1]
    raw = np.concatenate([written[f"data_batch_{i}"][0] for i in range(1, 6)]).astype(np.float32)
    mean = raw.reshape(-1, 3, 32, 32).mean(axis=0)
    expected_first_test = written["test_batch"][0][0].reshape(3, 32, 32) - mean
    assert np.allclose(test.images[0], expected_first_test, atol=1e-4)
    x, y = train.next_batch(4)
    assert x.shape == (4, 3, 32, 32) and y.shape == (4, 10)


def test_cifar10_utils_reads_mnist_idx_files_as_colour_images(tmp_path):
    cifar10_utils = load("cifar10_utils")
    rng = np.random.RandomState(1)
    for split, count in (("train", 8), ("t10k", 3)):
        images = rng.randint(0, 256, (count, 28, 28)).astype(np.uint8)
        with gzip.open(tmp_path / f"{split}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">IIII", 0x803, count, 28, 28) + images.tobytes())
        with open(tmp_path / f"{split}-labels-idx1-ubyte", "wb") as f:
            f.write(struct.pack(">II", 0x801, count) + bytes(range(count)))
    data = cifar10_utils.get_cifar10(str(tmp_path))
    assert data["train"].images.shape == (8, 3, 32, 32)
    assert list(data["test"].labels.argmax(axis=1)) == [0, 1, 2]


def test_cifar10_utils_offline_stand_in_and_a_folder_without_data(tmp_path):
    cifar10_utils = load("cifar10_utils")
    data = cifar10_utils.get_cifar10(cifar10_utils.OFFLINE)
    assert data["train"].images.shape[1:] == (3, 32, 32)
    assert set(data["test"].labels.argmax(axis=1)) == set(range(10))
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 batches"):
        cifar10_utils.get_cifar10(str(tmp_path))


# ------------------------------------------------------------------ the training scripts

SCRIPTS = {"train_mlp_numpy.py": ["--max_steps", "30", "--eval_freq", "10", "--batch_size", "10"],
           "train_mlp_pytorch.py": ["--max_steps", "30", "--eval_freq", "10", "--batch_size", "10"],
           "train_convnet_pytorch.py": ["--max_steps", "2", "--eval_freq", "1",
                                        "--batch_size", "4"]}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_the_training_scripts_train_and_write_curves(script, tmp_path):
    small = tmp_path / "cifar"
    write_cifar_batches(small, per_batch=20)
    out = tmp_path / "out"
    done = run([str(CODE / script), "--data_dir", str(small), "--out_dir", str(out),
                *SCRIPTS[script]], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "final test accuracy" in done.stdout
    rows = (out / "curves.csv").read_text().splitlines()
    assert rows[0] == "step,train_loss,train_accuracy,test_loss,test_accuracy"
    assert len(rows) >= 3
    assert (out / "curves.png").stat().st_size > 1000


@pytest.mark.parametrize("script, flags, words", [
    ("train_mlp_numpy.py", ["--max_steps", "0"], "must be greater than 0"),
    ("train_mlp_numpy.py", ["--dnn_hidden_units", "100,x"], "comma separated list"),
    ("train_mlp_pytorch.py", ["--learning_rate", "fast"], "is not a number"),
    ("train_mlp_pytorch.py", ["--data_dir", "/nonexistent/cifar"], "no CIFAR-10 batches"),
    ("train_mlp_numpy.py", ["--data_dir", "offline", "--batch_size", "100000"],
     "larger than the 10000 training examples"),
    ("train_convnet_pytorch.py", ["--device", "tpu"], "invalid choice"),
])
def test_bad_flags_are_one_line_errors(script, flags, words, tmp_path):
    done = run([str(CODE / script), *flags, "--out_dir", str(tmp_path)], tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert words in done.stderr.strip().splitlines()[-1]


def test_cuda_without_a_gpu_is_a_one_line_error(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    done = run([str(CODE / "train_mlp_pytorch.py"), "--device", "cuda", "--data_dir", "offline",
                "--max_steps", "1", "--out_dir", str(tmp_path)], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no CUDA device" in done.stderr.strip().splitlines()[-1]

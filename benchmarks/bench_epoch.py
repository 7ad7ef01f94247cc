"""Time one training epoch of the reference MLP against PyTorch and the matmul-only floor.

    python benchmarks/bench_epoch.py [--data DIR] [--repeats 5]

Work: MLP 784-64-64-32-10, sigmoid hidden layers, batch 100, SGD momentum 0.9, 50,000
samples (MNIST from --data or $MLP_DATA_DIR, else random MNIST-shaped data), float64.
Compared, in one process with BLAS pinned to one thread:
  * mlp       the reference solution (solution/mlp), float64, shuffled batches;
  * torch     PyTorch eager float32, the same network, loss and optimiser (if torch imports);
  * floor     only the matrix products of the same epoch (forward x @ W, backward h.T @ delta
              and delta @ W.T) on contiguous float64 batches: what no NumPy MLP can beat.
Each repeat runs the three in a rotating order (interleaved, so drift hits all alike); the
table shows medians and the ratios of the medians.
"""
import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy (and torch) load their BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "solution"))
import mlp  # noqa: E402
from tools.data import DATA_DIR_ENV, DataError, load_mnist  # noqa: E402

SIZES = [784, 64, 64, 32, 10]
BATCH = 100
N_SAMPLES = 50_000
LR = 0.01
MOMENTUM = 0.9


def load_data(directory):
    """(x, one-hot y, description): MNIST's 50,000 training images, or random data."""
    if directory:
        (x, y), _, _ = load_mnist(directory)
        return x, y, f"MNIST from {directory}"
    rng = np.random.default_rng(0)
    x = rng.random((N_SAMPLES, SIZES[0]))
    y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], N_SAMPLES)]
    return x, y, "random MNIST-shaped data"


def numpy_epoch(x, y):
    hiddens = SIZES[1:-1]
    network = mlp.MLP(SIZES[0], SIZES[-1], hiddens,
                      [mlp.Sigmoid() for _ in hiddens] + [mlp.Identity()],
                      lambda d0, d1: np.random.randn(d0, d1) / np.sqrt(d0), mlp.zeros_bias_init,
                      mlp.SoftmaxCrossEntropy(), lr=LR, momentum=MOMENTUM)
    start = time.perf_counter()
    idx = np.arange(len(x))
    np.random.shuffle(idx)
    for i in range(0, len(x), BATCH):
        batch = idx[i:i + BATCH]
        network.zero_grads()
        network.forward(x[batch])
        network.backward(y[batch])
        network.step()
    return time.perf_counter() - start


def floor_epoch(x, y):
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal((a, b)) for a, b in zip(SIZES[:-1], SIZES[1:])]
    start = time.perf_counter()
    for i in range(0, len(x), BATCH):
        h = x[i:i + BATCH]
        inputs = []
        for W in weights:
            inputs.append(h)
            h = h @ W
        delta = h
        for layer in reversed(range(len(weights))):
            inputs[layer].T @ delta
            if layer > 0:
                delta = delta @ weights[layer].T
    return time.perf_counter() - start


def make_torch_epoch():
    """A function timing one PyTorch epoch, or None when torch does not import."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def torch_epoch(x, y):
        torch.manual_seed(0)
        layers = []
        for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
            layers.append(torch.nn.Linear(a, b))
            if i < len(SIZES) - 2:
                layers.append(torch.nn.Sigmoid())
        model = torch.nn.Sequential(*layers)
        optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        loss_fn = torch.nn.CrossEntropyLoss()
        tx = torch.from_numpy(x).float()
        ty = torch.from_numpy(y.argmax(axis=1))
        start = time.perf_counter()
        idx = torch.randperm(len(tx))
        for i in range(0, len(tx), BATCH):
            batch = idx[i:i + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(tx[batch]), ty[batch])
            loss.backward()
            optimizer.step()
        return time.perf_counter() - start

    return torch_epoch


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time one MLP epoch: NumPy vs torch vs floor.")
    parser.add_argument("--data", metavar="DIR", default=os.environ.get(DATA_DIR_ENV),
                        help=f"MNIST directory (default ${DATA_DIR_ENV}; else random data)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    try:
        x, y, source = load_data(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    runners = {"mlp (NumPy float64)": numpy_epoch, "matmul floor (NumPy float64)": floor_epoch}
    torch_epoch = make_torch_epoch()
    if torch_epoch is not None:
        runners["PyTorch eager float32"] = torch_epoch
    names = list(runners)
    for name in names:  # warm-up: first-call allocations and BLAS set-up
        runners[name](x[:10 * BATCH], y[:10 * BATCH])
    times = {name: [] for name in names}
    np.random.seed(0)
    for repeat in range(args.repeats):
        for k in range(len(names)):
            name = names[(repeat + k) % len(names)]
            times[name].append(runners[name](x, y))
        print(f"\rrepeat {repeat + 1}/{args.repeats}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    medians = {name: statistics.median(t) for name, t in times.items()}
    ours = medians["mlp (NumPy float64)"]
    print(f"One epoch, MLP {'-'.join(map(str, SIZES))}, sigmoid, batch {BATCH}, momentum "
          f"{MOMENTUM}, {len(x)} samples ({source}); 1 BLAS thread, {args.repeats} interleaved "
          f"repeats, NumPy {np.__version__}.\n")
    print("| implementation | median epoch (s) | min (s) | mlp time / this |")
    print("| --- | ---: | ---: | ---: |")
    for name in names:
        print(f"| {name} | {medians[name]:.3f} | {min(times[name]):.3f} | "
              f"{ours / medians[name]:.2f}x |")
    print()
    floor_ratio = ours / medians["matmul floor (NumPy float64)"]
    print(f"mlp / matmul floor = {floor_ratio:.2f}x (target <= 1.5x)")
    if torch_epoch is not None:
        print(f"mlp / PyTorch float32 = {ours / medians['PyTorch eager float32']:.2f}x "
              "(target <= 0.8x)")
    else:
        print("PyTorch not installed: no torch comparison")
    return 0


if __name__ == "__main__":
    sys.exit(main())

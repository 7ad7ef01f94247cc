"""Train the MLP from the command line and save its curves and a JSON summary.

    python train.py                                   # default recipe on the default data
    python train.py --data ../shared/data/mnist       # MNIST (or set MLP_DATA_DIR)
    python train.py --hiddens 64 64 --activation sigmoid --bn-layers 0 --epochs 5
    python train.py --sweep lr --quick                # one run per learning rate, in seconds

Without --data and MLP_DATA_DIR it uses scikit-learn's bundled 8x8 digits (offline). Writes
OUT/curves.png and OUT/summary.json (a sweep: OUT/sweep-KIND.png and OUT/sweep-KIND.json).
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import mlp
from tools.data import DATA_DIR_ENV, DataError, load_dataset
from tools.plots import plot_curves, plot_sweep, save_figure

ACTIVATIONS = {"sigmoid": mlp.Sigmoid, "tanh": mlp.Tanh, "relu": mlp.ReLU,
               "leakyrelu": mlp.LeakyReLU}
SWEEPS = {
    "width": ("hiddens", [[32], [64], [128], [256]]),
    "depth": ("hiddens", [[], [128], [128, 128], [128, 128, 128]]),
    "lr": ("lr", [0.001, 0.01, 0.1, 0.5]),
    "momentum": ("momentum", [0.0, 0.5, 0.9, 0.99]),
    "activation": ("activation", ["sigmoid", "tanh", "relu", "leakyrelu"]),
}
QUICK_EPOCHS = 2
QUICK_SIZES = (1000, 300, 300)
BAR_WIDTH = 20


def he_normal_weight_init(d0, d1):
    """Standard normal scaled by sqrt(2 / fan_in): keeps ReLU activations at unit scale."""
    return np.random.randn(d0, d1) * np.sqrt(2.0 / d0)


WEIGHT_INITS = {"he": he_normal_weight_init, "normal": mlp.random_normal_weight_init}


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def nonnegative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def positive_float(text):
    value = float(text)
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", metavar="DIR",
                        help=f"MNIST directory (IDX files or mnist.npz); default ${DATA_DIR_ENV},"
                             " else scikit-learn's digits")
    parser.add_argument("--hiddens", type=positive_int, nargs="*", default=[512, 256],
                        metavar="N", help="hidden-layer widths (default: 512 256)")
    parser.add_argument("--activation", choices=sorted(ACTIVATIONS), default="relu")
    parser.add_argument("--init", choices=sorted(WEIGHT_INITS), default="he",
                        help="weight init: he = normal * sqrt(2/fan_in) (default), "
                             "normal = mlp.random_normal_weight_init")
    parser.add_argument("--lr", type=positive_float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--batch-size", type=positive_int, default=100)
    parser.add_argument("--epochs", type=positive_int, default=15)
    parser.add_argument("--bn-layers", type=nonnegative_int, default=None,
                        help="BatchNorm on the first N hidden layers (default: all)")
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_EPOCHS} epochs on a small subset")
    parser.add_argument("--sweep", choices=sorted(SWEEPS),
                        help="one run per value of this hyperparameter")
    parser.add_argument("--out", default="outputs", help="output directory (default: outputs)")
    args = parser.parse_args(argv)
    if not 0.0 <= args.momentum < 1.0:
        parser.error(f"--momentum must be in [0, 1), got {args.momentum}")
    if args.weight_decay < 0:
        parser.error(f"--weight-decay must be >= 0, got {args.weight_decay}")
    if args.bn_layers is not None and args.bn_layers > len(args.hiddens):
        parser.error(f"--bn-layers {args.bn_layers} exceeds the {len(args.hiddens)} "
                     "hidden layer(s)")
    if args.quick:
        args.epochs = QUICK_EPOCHS
    return args


def build_mlp(config, n_inputs, n_classes):
    hiddens = config["hiddens"]
    activation = ACTIVATIONS[config["activation"]]
    bn_layers = config["bn_layers"]
    return mlp.MLP(n_inputs, n_classes, hiddens,
                   [activation() for _ in hiddens] + [mlp.Identity()],
                   WEIGHT_INITS[config["init"]], mlp.zeros_bias_init, mlp.SoftmaxCrossEntropy(),
                   lr=config["lr"], momentum=config["momentum"],
                   num_bn_layers=len(hiddens) if bn_layers is None else min(bn_layers,
                                                                           len(hiddens)),
                   weight_decay=config["weight_decay"])


def progress(label, epoch, nepochs, stats, seconds):
    done = BAR_WIDTH * epoch // nepochs
    line = (f"\r{label}[{'#' * done}{'.' * (BAR_WIDTH - done)}] epoch {epoch}/{nepochs}  "
            f"train loss {stats[0][-1]:.4f}  val error {100 * stats[3][-1]:.2f}%  "
            f"{seconds:.0f}s")
    print(line, end="\n" if epoch == nepochs else "", file=sys.stderr, flush=True)


def train_one(config, dset, label=""):
    """Train one network; return a JSON-ready record of its configuration and results."""
    np.random.seed(config["seed"])
    (trainx, trainy), _, (testx, testy) = dset
    network = build_mlp(config, trainx.shape[1], trainy.shape[1])
    stats = [[], [], [], []]
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run just reports nan
        for epoch in range(1, config["epochs"] + 1):
            epoch_stats = mlp.get_training_stats(network, dset, 1, config["batch_size"])
            for series, value in zip(stats, epoch_stats):
                series.append(float(value[0]))
            progress(label, epoch, config["epochs"], stats, time.perf_counter() - start)
        seconds = time.perf_counter() - start
        network.eval()
        out = network.forward(testx)
        test_loss = float(np.mean(network.criterion(out, testy)))
        test_accuracy = float(np.mean(out.argmax(axis=1) == testy.argmax(axis=1)))
    names = ("training_losses", "training_errors", "validation_losses", "validation_errors")
    return {"config": config, "epochs": config["epochs"], "seconds": round(seconds, 2),
            "test_loss": test_loss, "test_accuracy": test_accuracy,
            "stats": dict(zip(names, stats))}


def finite_or_none(value):
    """JSON has no NaN/inf: a diverged run's values become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite_or_none(v) for v in value]
    return value


def write_json(data, path):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(finite_or_none(data), f, indent=2, allow_nan=False)
            f.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def subset(dset, sizes):
    return tuple((x[:n], y[:n]) for (x, y), n in zip(dset, sizes))


def run(args):
    dset, source = load_dataset(args.data)
    if args.quick:
        dset = subset(dset, QUICK_SIZES)
        source += f"; --quick: {QUICK_SIZES[0]} train / {QUICK_SIZES[1]} val / "
        source += f"{QUICK_SIZES[2]} test"
    print(f"data: {source}", file=sys.stderr)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    config = {"hiddens": args.hiddens, "activation": args.activation, "init": args.init,
              "lr": args.lr, "momentum": args.momentum, "batch_size": args.batch_size,
              "epochs": args.epochs, "bn_layers": args.bn_layers,
              "weight_decay": args.weight_decay, "seed": args.seed}

    if args.sweep is None:
        record = train_one(config, dset)
        record["data"] = source
        fig = plot_curves([record["stats"][k] for k in record["stats"]],
                          title=f"{'-'.join(map(str, args.hiddens)) or 'linear'} "
                                f"{args.activation}, test accuracy "
                                f"{100 * record['test_accuracy']:.2f}%")
        save_figure(fig, out_dir / "curves.png")
        write_json(record, out_dir / "summary.json")
        print(f"test accuracy {100 * record['test_accuracy']:.2f}% after {args.epochs} epochs "
              f"({record['seconds']:.1f}s); wrote {out_dir / 'curves.png'} and "
              f"{out_dir / 'summary.json'}", file=sys.stderr)
        return

    key, values = SWEEPS[args.sweep]
    runs = []
    for value in values:
        label = "-".join(map(str, value)) or "linear" if key == "hiddens" else str(value)
        runs.append(dict(train_one({**config, key: value}, dset, f"{args.sweep}={label} "),
                         value=label))
    fig = plot_sweep({r["value"]: list(r["stats"].values()) for r in runs}, args.sweep)
    save_figure(fig, out_dir / f"sweep-{args.sweep}.png")
    write_json({"sweep": args.sweep, "data": source, "runs": runs},
               out_dir / f"sweep-{args.sweep}.json")
    for r in runs:
        print(f"{args.sweep}={r['value']}: test accuracy {100 * r['test_accuracy']:.2f}%",
              file=sys.stderr)


def main(argv=None):
    args = parse_args(argv)
    try:
        run(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NotImplementedError:
        print("error: part of the mlp package is not implemented yet "
              "(run `python -m tools.gradcheck` to see which)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

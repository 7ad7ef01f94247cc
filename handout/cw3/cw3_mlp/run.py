"""Train your MLP and write curves, sweep plots and JSON summaries (provided: do not modify).

From inside cw3_mlp/ (or as `python -m cw3_mlp.run` from the folder above it):

    python run.py --quick                                  # smoke test, a few seconds
    python run.py                                          # default: [128, 64], ReLU, 30 epochs
    python run.py --hidden_dims 256 128 --activation sigmoid --learning_rate 0.05
    python run.py --sweep hidden_dim                       # also num_layers, learning_rate
    python run.py --data ~/data/FashionMNIST               # or set CW3_DATA_DIR

Data: --data DIR, else $CW3_DATA_DIR, else $MLP_DATA_DIR (folders of IDX files), else the
offline 8x8 digits bundled with scikit-learn (see data.py). Outputs go to --out (default
cw3_mlp/outputs/): a single run writes <tag>_curves.png and <tag>_summary.json, a sweep
writes sweep_<name>.png and sweep_<name>.json; --quick adds "_quick" to the names.
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
# `python run.py` puts cw3_mlp/ itself first on sys.path, which would make its modules
# importable a second time under bare names (`config`, `data`); import them as cw3_mlp.*
# from the parent folder instead, however the script was started.
if sys.path and Path(sys.path[0] or os.getcwd()).resolve() == _PACKAGE_DIR:
    del sys.path[0]
if str(_PACKAGE_DIR.parent) not in sys.path:
    sys.path.insert(0, str(_PACKAGE_DIR.parent))

from cw3_mlp.config import (DEPTH_SWEEP_WIDTH, OUTPUT_DIR, QUICK_EPOCHS,  # noqa: E402
                            QUICK_SIZES, SWEEPS, Config)
from cw3_mlp.data import DataError, load_data  # noqa: E402
from cw3_mlp.plots import plot_sweep, plot_training_curves, save_figure  # noqa: E402
from cw3_mlp.trainer import run_experiment  # noqa: E402


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad flag gives one line on stderr (exit status 2), not the usage."""

    def error(self, message):
        self.exit(2, f"error: {message} (see --help)\n")


def _number(convert, check, requirement):
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not check(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text}")
        return value
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer")
seed_int = _number(int, lambda v: 0 <= v < 2**32, "an integer in [0, 2**32)")
positive_float = _number(float, lambda v: 0 < v < math.inf, "a positive number")
momentum_float = _number(float, lambda v: 0 <= v < 1, "in [0, 1)")
decay_float = _number(float, lambda v: 0 <= v < math.inf, "a number >= 0")


def parse_args(argv=None):
    defaults = Config()
    parser = OneLineParser(description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {QUICK_EPOCHS} epochs on the first "
                             f"{QUICK_SIZES['train']} training samples")
    parser.add_argument("--hidden_dims", "--hidden-dims", type=positive_int, nargs="*",
                        metavar="N", default=list(defaults.hidden_dims),
                        help="hidden-layer widths; none at all = a linear classifier "
                             "(default: %(default)s)")
    parser.add_argument("--activation", choices=["relu", "sigmoid"],
                        default=defaults.activation)
    parser.add_argument("--learning_rate", "--learning-rate", "--lr", type=positive_float,
                        default=defaults.learning_rate, help="(default: %(default)s)")
    parser.add_argument("--momentum", type=momentum_float, default=defaults.momentum,
                        help="(default: %(default)s)")
    parser.add_argument("--weight_decay", "--weight-decay", type=decay_float,
                        default=defaults.weight_decay, help="(default: %(default)s)")
    parser.add_argument("--epochs", type=positive_int, default=defaults.epochs,
                        help="(default: %(default)s)")
    parser.add_argument("--batch_size", "--batch-size", type=positive_int,
                        default=defaults.batch_size, help="(default: %(default)s)")
    parser.add_argument("--seed", type=seed_int, default=defaults.seed,
                        help="fixes the initial weights and the batch order "
                             "(default: %(default)s)")
    parser.add_argument("--sweep", choices=list(SWEEPS),
                        help="one run per value: " + "; ".join(
                            f"{name} {values}" for name, values in SWEEPS.items()))
    parser.add_argument("--data", metavar="DIR",
                        help="folder of FashionMNIST/MNIST IDX files (default: $CW3_DATA_DIR, "
                             "else $MLP_DATA_DIR, else scikit-learn's 8x8 digits)")
    parser.add_argument("--out", metavar="DIR", type=Path, default=OUTPUT_DIR,
                        help="output folder (default: cw3_mlp/outputs)")
    return parser.parse_args(argv)


def config_from_args(args):
    return Config(hidden_dims=tuple(args.hidden_dims), activation=args.activation,
                  learning_rate=args.learning_rate, momentum=args.momentum,
                  weight_decay=args.weight_decay,
                  epochs=QUICK_EPOCHS if args.quick else args.epochs,
                  batch_size=args.batch_size, seed=args.seed)


def sweep_configs(name, base):
    """(value, Config) for every value of sweep `name`, everything else as in `base`.

    hidden_dim: every hidden layer of base gets the width (at least one hidden layer).
    num_layers: that many hidden layers, all as wide as base's first (128 if it has none).
    learning_rate: the learning rate.
    """
    depth = max(len(base.hidden_dims), 1)
    width = base.hidden_dims[0] if base.hidden_dims else DEPTH_SWEEP_WIDTH
    make = {
        "hidden_dim": lambda v: replace(base, hidden_dims=(v,) * depth),
        "num_layers": lambda v: replace(base, hidden_dims=(width,) * v),
        "learning_rate": lambda v: replace(base, learning_rate=v),
    }[name]
    return [(value, make(value)) for value in SWEEPS[name]]


def _json_safe(value):
    """JSON has no nan/inf (a diverged run has them): write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def write_json(data, path):
    """Write `data` to `path` through a temporary file: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(_json_safe(data), f, indent=1, allow_nan=False)
            f.write("\n")
        os.chmod(tmp, 0o644)  # mkstemp makes files private; these are ordinary outputs
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def log(line):
    print(line, flush=True)


def single_run(config, data, out, suffix):
    log(f"config: {config.to_dict()}")
    record = run_experiment(config, data, log)
    record["quick"] = bool(suffix)
    dims = "-".join(map(str, config.hidden_dims)) or "linear"
    title = (f"{dims} {config.activation}, lr {config.learning_rate:g}, momentum "
             f"{config.momentum:g}: test accuracy {100 * record['test_accuracy']:.2f}%")
    curves = out / f"{config.tag()}{suffix}_curves.png"
    summary = out / f"{config.tag()}{suffix}_summary.json"
    save_figure(plot_training_curves(record["history"], title), curves)
    write_json(record, summary)
    log(f"test accuracy {100 * record['test_accuracy']:.2f}% "
        f"(training {record['seconds']:.1f}s)\nwrote {curves}\nwrote {summary}")


def sweep_run(name, base, data, out, suffix):
    values, records = [], []
    for value, config in sweep_configs(name, base):
        log(f"{name} = {value}: {config.to_dict()}")
        records.append(run_experiment(config, data, log))
        values.append(value)
    figure = out / f"sweep_{name}{suffix}.png"
    summary = out / f"sweep_{name}{suffix}.json"
    save_figure(plot_sweep(name, values, records), figure)
    write_json({"sweep": name, "values": values, "quick": bool(suffix), "runs": records},
               summary)
    for value, record in zip(values, records):
        log(f"{name} = {value}: test accuracy {100 * record['test_accuracy']:.2f}%"
            + ("  (diverged)" if record["diverged"] else ""))
    log(f"wrote {figure}\nwrote {summary}")


def _unimplemented(exc):
    """'MLP.__init__ (model.py)': where the NotImplementedError was raised."""
    tb = exc.__traceback__
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{getattr(code, 'co_qualname', code.co_name)} ({Path(code.co_filename).name})"


def main(argv=None):
    args = parse_args(argv)
    try:
        data = load_data(args.data)
        if args.quick:
            data = data.head(QUICK_SIZES["train"], QUICK_SIZES["val"], QUICK_SIZES["test"])
        log(f"data: {data.describe()}" + ("  [--quick subset]" if args.quick else ""))
        args.out.mkdir(parents=True, exist_ok=True)
        suffix = "_quick" if args.quick else ""
        start = time.perf_counter()
        if args.sweep:
            sweep_run(args.sweep, config_from_args(args), data, args.out, suffix)
        else:
            single_run(config_from_args(args), data, args.out, suffix)
        log(f"done in {time.perf_counter() - start:.1f}s")
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except NotImplementedError as exc:
        print(f"error: {_unimplemented(exc)} is not implemented yet "
              "(check your code with `python -m tests.test_cw3`)", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Central-difference gradient checks for your own layers.

Run `python -m tools.gradcheck` from the folder that holds your `mlp` package: it prints the
relative error of every gradient (activations, softmax cross-entropy, BatchNorm, MLP with and
without BatchNorm) against finite differences. Errors below about 1e-6 mean the gradient is
right; a wrong gradient is usually off by 1e-1 or more.

As a library:
    numeric = numerical_gradient(lambda: loss_of_params(), param)   # param perturbed in place
    relative_error(analytic, numeric)
"""
import argparse
import importlib
import sys

import numpy as np

TOLERANCE = 1e-6
STEP = 1e-6
ZERO_GRADIENT_FLOOR = 1e-3


def numerical_gradient(f, x, h=STEP):
    """d f() / d x by central differences, same shape as x.

    f: a function of no arguments returning a scalar that reads x. x: a float array, perturbed
    in place one entry at a time and restored (pass the very array the computation uses).
    """
    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = f()
        x[index] = original - h
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(analytic, numeric, floor=0.0):
    """||analytic - numeric|| / max(||analytic||, ||numeric||, floor), 0.0 when all are zero.

    A positive floor judges gradients that are truly zero (a bias followed by BatchNorm) by
    their absolute error: finite differences give them rounding noise, not exact zeros.
    """
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), floor)
    return 0.0 if scale == 0.0 else float(np.linalg.norm(analytic - numeric) / scale)


def away_from_kinks(x, margin=1e-3):
    """Move entries within `margin` of 0 away from it (ReLU-like kinks break finite differences)."""
    return np.where(np.abs(x) < margin, np.copysign(margin, x) + x, x)


def check_activation(activation, shape, rng):
    """{'d/dx': error} for f = sum(G * activation(x)); analytic gradient G * derivative()."""
    # Far in tanh's tail the derivative drops below 1e-7 and a central difference of the sum
    # measures rounding, not the formula: inputs stay within about +-6, with a wider step.
    x = away_from_kinks(2.0 * rng.standard_normal(shape))
    upstream = rng.standard_normal(shape)
    activation(x)
    analytic = upstream * activation.derivative()
    numeric = numerical_gradient(lambda: np.sum(upstream * activation(x)), x, h=1e-5)
    return {"d/dx": relative_error(analytic, numeric)}


def check_criterion(criterion, shape, rng):
    """{'d/dx': error} for f = sum of per-sample losses against random one-hot labels."""
    x = 3.0 * rng.standard_normal(shape)
    labels = np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    criterion(x, labels)
    analytic = criterion.derivative()
    numeric = numerical_gradient(lambda: np.sum(criterion(x, labels)), x)
    return {"d/dx": relative_error(analytic, numeric)}


def check_batchnorm(bn, shape, rng, h=STEP):
    """{'dx', 'dgamma', 'dbeta': error} for f = sum(G * bn(x)) in training mode."""
    x = 2.0 * rng.standard_normal(shape) + 1.0
    bn.gamma = 1.0 + 0.5 * rng.standard_normal(bn.gamma.shape)
    bn.beta = rng.standard_normal(bn.beta.shape)
    upstream = rng.standard_normal(shape)
    return check_batchnorm_at(bn, x, upstream, h)


def check_batchnorm_at(bn, x, upstream, h=STEP):
    """Like check_batchnorm, for a given input x and upstream gradient G."""
    def f():
        return np.sum(upstream * bn(x))

    f()
    dx = bn.backward(upstream)
    dgamma, dbeta = np.copy(bn.dgamma), np.copy(bn.dbeta)
    return {
        "dx": relative_error(dx, numerical_gradient(f, x, h)),
        "dgamma": relative_error(dgamma, numerical_gradient(f, bn.gamma, h)),
        "dbeta": relative_error(dbeta, numerical_gradient(f, bn.beta, h)),
    }


def check_mlp(network, x, labels, floor=ZERO_GRADIENT_FLOOR):
    """{'W[i]', 'b[i]', 'gamma[i]', 'beta[i]': error} for the mean loss over the batch.

    The bias of a layer followed by BatchNorm has gradient exactly zero (BatchNorm subtracts
    the batch mean), hence the floor (see relative_error)."""
    def mean_loss():
        return np.mean(network.criterion(network.forward(x), labels))

    network.train()
    network.zero_grads()
    network.forward(x)
    network.backward(labels)
    analytic = {}
    for i in range(network.nlayers):
        analytic[f"W[{i}]"] = (np.copy(network.dW[i]), network.W[i])
        analytic[f"b[{i}]"] = (np.copy(network.db[i]), network.b[i])
    for i, bn in enumerate(network.bn_layers):
        analytic[f"gamma[{i}]"] = (np.copy(bn.dgamma), bn.gamma)
        analytic[f"beta[{i}]"] = (np.copy(bn.dbeta), bn.beta)
    return {name: relative_error(grad, numerical_gradient(mean_loss, param), floor)
            for name, (grad, param) in analytic.items()}


def _checks(api, rng):
    """(name, thunk returning {parameter: error}) for every check of the student API."""
    def mlp_check(num_bn_layers, activation):
        def run():
            np.random.seed(0)
            network = api.MLP(6, 4, [5, 3], [activation(), activation(), api.Identity()],
                              api.random_normal_weight_init, api.zeros_bias_init,
                              api.SoftmaxCrossEntropy(), lr=0.1, num_bn_layers=num_bn_layers)
            for b in network.b:
                b += rng.standard_normal(b.shape)
            x = rng.standard_normal((8, 6))
            return check_mlp(network, x, np.eye(4)[rng.integers(0, 4, 8)])
        return run

    checks = [(f"{name} (5, 7)", lambda name=name: check_activation(getattr(api, name)(),
                                                                    (5, 7), rng))
              for name in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU")]
    checks.append(("SoftmaxCrossEntropy (6, 4)",
                   lambda: check_criterion(api.SoftmaxCrossEntropy(), (6, 4), rng)))
    checks.append(("BatchNorm (10, 3)", lambda: check_batchnorm(api.BatchNorm(3), (10, 3), rng)))
    checks.append(("MLP 6-5-3-4 sigmoid", mlp_check(0, api.Sigmoid)))
    checks.append(("MLP 6-5-3-4 tanh, 2 BatchNorm", mlp_check(2, api.Tanh)))
    return checks


def run_checks(api, tolerance=TOLERANCE, seed=0, out=sys.stdout):
    """Print one row per gradient; return True if every check ran and passed."""
    rng = np.random.default_rng(seed)
    all_ok = True
    print(f"{'check':34} {'gradient':10} {'rel. error':>10}  result", file=out)
    for name, run in _checks(api, rng):
        try:
            errors = run()
        except NotImplementedError:
            print(f"{name:34} {'-':10} {'-':>10}  not implemented", file=out)
            all_ok = False
            continue
        except Exception as exc:  # the student's code failed: report it, check the rest
            print(f"{name:34} {'-':10} {'-':>10}  error: {type(exc).__name__}: {exc}", file=out)
            all_ok = False
            continue
        for param, error in errors.items():
            ok = error < tolerance
            all_ok &= ok
            print(f"{name:34} {param:10} {error:10.2e}  {'ok' if ok else 'WRONG'}", file=out)
    return all_ok


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.gradcheck",
        description="Check the gradients of the mlp package in the current directory "
                    "against central finite differences.")
    parser.add_argument("--module", default="mlp",
                        help="module or package holding the API (default: mlp; e.g. hw1)")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE,
                        help=f"largest acceptable relative error (default {TOLERANCE:g})")
    args = parser.parse_args(argv)
    sys.path.insert(0, ".")
    try:
        api = importlib.import_module(args.module)
    except Exception as exc:
        print(f"error: cannot import {args.module!r} from the current directory: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    with np.errstate(all="ignore"):
        return 0 if run_checks(api, args.tolerance) else 1


if __name__ == "__main__":
    sys.exit(main())

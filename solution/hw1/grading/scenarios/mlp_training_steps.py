"""Several training steps (zero_grads, forward, backward, step on a new batch each time), graded
on the update rule alone: step() must apply classical momentum (and weight decay) to the
student's OWN gradients, whether or not those gradients are right.

At every step the worker records, each copied when read:
  <gradient>@step_k          mlp.dW[i], mlp.db[i] (and dgamma, dbeta) right after backward();
  <parameter>@before_step_k  W, b (and gamma, beta) right before step();
  <parameter>@after_step_k   the same right after step();
  gradients_from_grader@step_k  1.0 when the student's zero_grads/forward/backward raised or
                             left a gradient that is not a finite, non-zero array of its
                             parameter's shape: the grader then wrote known gradients (as the
                             update-rule cases do) so that step() is still graded, and a broken
                             backward() or BatchNorm never costs this case.
The trusted ``check`` applies v <- momentum * v - lr * g; p <- p + v (v starts at 0; for the
weights g = dW + weight_decay * W, W as it was before the step) to the recorded gradients and
compares each parameter after each step with the student's, from the student's own parameters
before it. The saved references are not used for grading (they document the solution's run).

params as in mlp_forward and mlp_backward, plus steps, lr, momentum, weight_decay.
"""
from __future__ import annotations

import numpy as np

from autograder.compare import annotate, display_name
from .common import (build_mlp, gradient_arrays, keeping_partial, mlp_batch,
                                         parameter_arrays, parameter_keys, same_vector,
                                         write_gradients)
from .mlp_backward import make_criterion

FROM_GRADER = "gradients_from_grader"


def own_gradients(mlp, params: dict, x, labels) -> dict | None:
    """zero_grads, forward, backward, then the gradients they left, copied; None when one of
    the calls raised (graded by the forward/backward items' own cases, not here)."""
    try:
        mlp.zero_grads()
        mlp.forward(x)
        mlp.backward(labels)
        return gradient_arrays(mlp, params)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001
        return None


def usable(grads: dict | None, before: dict, params: dict) -> bool:
    """Every gradient finite, not all zero (the rule would then be checked on nothing: a
    step() that does nothing would pass) and shaped like its parameter ((1, n) and (n,)
    alike)."""
    if grads is None:
        return False
    for key, grad_key in parameter_keys(params):
        grad, shape = grads[grad_key], before[key].shape
        if not (grad.shape == shape or same_vector(grad.shape, shape)) \
                or not np.all(np.isfinite(grad)) or not np.any(grad):
            return False
    return True


def run(api, params: dict) -> dict[str, np.ndarray]:
    _, _, upstream = mlp_batch(params, 0)
    criterion = make_criterion(api, params, upstream)
    mlp = build_mlp(api, params, criterion)
    arrays = {}
    with keeping_partial(arrays):
        for step in range(int(params["steps"])):
            x, labels, upstream = mlp_batch(params, step)
            if hasattr(criterion, "upstream"):
                criterion.upstream = upstream
            tag = f"step_{step + 1}"
            grads = own_gradients(mlp, params, x, labels)
            before = parameter_arrays(mlp, params, f"before_{tag}")
            own = usable(grads, {k.partition("@")[0]: v for k, v in before.items()}, params)
            if not own:
                write_gradients(mlp, params, step, replace_lists=True)
                grads = gradient_arrays(mlp, params, context="after the grader wrote gradients")
            arrays[f"{FROM_GRADER}@{tag}"] = np.array(0.0 if own else 1.0)
            arrays.update({f"{key}@{tag}": value for key, value in grads.items()})
            arrays.update(before)
            mlp.step()
            arrays.update(parameter_arrays(mlp, params, f"after_{tag}"))
    return arrays


# ----------------------------------------------------------------------------- trusted side


# check() judges the submission against itself: grading need not read the saved reference.
NEEDS_REFERENCE = False


def check(got: dict, expected: dict, params: dict, compare) -> list[str]:
    """Each parameter after each step against the update rule applied to the recorded
    gradients and to the student's own parameter before that step; the first step where a
    parameter goes wrong is reported. ``expected`` (the solution's run) is not needed."""
    lr, momentum = float(params.get("lr", 0.1)), float(params.get("momentum", 0.0))
    decay = float(params.get("weight_decay", 0.0))
    messages = []
    for key, grad_key in parameter_keys(params):
        velocity = None
        for step in range(1, int(params["steps"]) + 1):
            tag = f"step_{step}"
            name = display_name(f"{key}@after_{tag}")
            before, after = got.get(f"{key}@before_{tag}"), got.get(f"{key}@after_{tag}")
            grad = got.get(f"{grad_key}@{tag}")
            if before is None or after is None or grad is None:
                messages.append(f"{name}: missing (the case stopped before producing it)")
                break
            if grad.shape != before.shape and not same_vector(grad.shape, before.shape):
                messages.append(f"{name}: step() cannot be checked: {grad_key} at step {step} "
                                f"has shape {grad.shape} but {key} has shape {before.shape}")
                break
            grad = grad.reshape(before.shape)
            if not np.all(np.isfinite(grad)):
                messages.append(f"{name}: step() cannot be checked: {grad_key} holds NaN or inf "
                                f"at step {step} (right after backward())")
                break
            if not np.all(np.isfinite(before)):
                messages.append(f"{name}: step() cannot be checked: {key} holds NaN or inf "
                                f"before step {step}")
                break
            g = grad + decay * before if (decay and ".W[" in key) else grad
            if velocity is not None and velocity.size != g.size:
                messages.append(f"{name}: {key} changed shape between steps, from "
                                f"{velocity.shape} to {before.shape}")
                break
            velocity = (-lr * g if velocity is None
                        else momentum * velocity.reshape(g.shape) - lr * g)
            message = compare.array(f"{key}@after_{tag}", after, before + velocity)
            if message:
                messages.append(annotate(
                    message, f" ({_expected_from(key, grad_key, step, got, params)})"))
                break
    return messages


def _expected_from(key: str, grad_key: str, step: int, got: dict, params: dict) -> str:
    """How the expected values were computed, in the student's terms."""
    flag = got.get(f"{FROM_GRADER}@step_{step}")
    if flag is not None and flag.size == 1 and float(flag.reshape(-1)[0]) != 0.0:
        g = (f"the {grad_key} the grader wrote at that step (your zero_grads/forward/backward "
             f"raised or left no finite, non-zero gradient of the right shape)")
    else:
        g = f"your own {grad_key} at that step"
    if float(params.get("weight_decay", 0.0)) and ".W[" in key:
        g += f" plus weight_decay * {key}"
    rule = ("v = momentum * v - lr * g; p = p + v" if float(params.get("momentum", 0.0))
            else "p = p - lr * g")
    return f"expected from {rule}, with p = {key} before the step and g = {g}"

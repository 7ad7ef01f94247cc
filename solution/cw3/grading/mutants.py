"""The CW3 mutation catalogue: every mutant as data.

A mutant is one plausible student mistake: text edits to one file of a copy of
solution/cw3/cw3_mlp/. ``targets`` are the rubric items that MUST catch it (each loses points).
Every other item must keep full marks unless one of its cases lists a target in ``uses`` (it
runs the broken code on purpose, and is then not scored).

Three mistakes are meant to be caught by hidden cases only (students cannot see them fail
before submitting): a Linear or ReLU that keeps what its FIRST forward call cached
(``linear_backward_uses_first_input``, ``relu_mask_from_first_forward``) and an MLP that only
drops the activation after the last Linear when there are hidden layers
(``model_activation_after_single_linear``).

Never a mutant, because it is correct: ReLU's mask taken from the output (out > 0 is X > 0),
v = mu*v - lr*g; p += v (the same trajectory as v = mu*v + g; p -= lr*v at a fixed lr),
(1, out) biases, zero_grad that rebinds fresh zero arrays, an unknown activation refused with
KeyError (a dictionary lookup; the course names no exception), velocities kept under any name
(the course names none). tests/alternatives/cw3/ holds them.
"""
from __future__ import annotations

from autograder.references.mutation import Mutant, mutant  # noqa: F401


LAYERS, LOSSES, MODEL, OPTIMIZER = "layers.py", "losses.py", "model.py", "optimizer.py"

LINEAR_FORWARD = "return X @ self.W + self.b"
GRAD_W = "self.grad_W += self.X.T @ grad"
GRAD_B = "self.grad_b += grad.sum(axis=0)"
DX = "return grad @ self.W.T"
RELU_MASK = "self.mask = X > 0"
RELU_BACKWARD = "return np.where(self.mask, grad, 0.0)"
SIGMOID_FORWARD = ("        negative = X < 0\n"
                   "        z = np.exp(np.where(negative, X, -X))\n"
                   "        self.out = np.where(negative, z, 1.0) / (1.0 + z)\n")
SIGMOID_BACKWARD = "return grad * self.out * (1.0 - self.out)"
SHIFT = "shifted = logits - logits.max(axis=1, keepdims=True)"
LOG_PROBS = "log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))"
LOSS_VALUE = "return float(-log_probs[np.arange(len(labels)), labels].mean())"
GRAD_COPY = "grad = self.probs.copy()"
GRAD_ONE_HOT = "grad[np.arange(n), self.labels] -= 1.0"
BUILD_LOOP = ("        for fan_in, fan_out in zip(dims[:-1], dims[1:]):\n"
              "            self.layers.append(Linear(fan_in, fan_out))\n"
              "            self.layers.append(ACTIVATIONS[activation]())\n")
POP = "        self.layers.pop()  # the output layer returns logits, with no activation after it\n"
FORWARD_LOOP = "        for layer in self.layers:\n            X = layer.forward(X)\n"
BACKWARD_LOOP = ("        for layer in reversed(self.layers):\n"
                 "            grad = layer.backward(grad)\n        return grad\n")
KEEP = 'self.layers = [layer for layer in layers if hasattr(layer, "W")]'
VELOCITIES = ("            self.velocities = [(np.zeros_like(layer.W), np.zeros_like(layer.b))\n"
              "                               for layer in self.layers]\n")
STEP_LOOP = "for i, layer in enumerate(self.layers):"
DECAY = "g_W = layer.grad_W + self.weight_decay * layer.W"
BIAS_GRAD = "g_b = layer.grad_b"
V_W = "                v_W *= self.momentum\n                v_W += g_W\n"
V_B = "                v_b *= self.momentum\n                v_b += g_b\n"
UPDATE_W = "layer.W -= self.lr * g_W"
UPDATE_B = "            layer.b -= self.lr * g_b\n"
ZERO_W = "            layer.grad_W.fill(0.0)\n"
ZERO_B = "            layer.grad_b.fill(0.0)\n"

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------ Linear
    mutant("linear_grad_W_overwritten", "Linear / accumulation",
           "grad_W = ... instead of +=: the gradients of earlier backward calls are lost",
           LAYERS, (GRAD_W, "self.grad_W = self.X.T @ grad"), {"linear"}),
    mutant("linear_grad_b_overwritten", "Linear / accumulation",
           "grad_b = ... instead of +=: the bias gradient does not accumulate",
           LAYERS, (GRAD_B, "self.grad_b = grad.sum(axis=0)"), {"linear"}),
    mutant("linear_grad_b_mean_over_batch", "Linear / reductions",
           "the bias gradient averaged over the batch instead of summed (the loss already "
           "divided by N)", LAYERS, (GRAD_B, "self.grad_b += grad.mean(axis=0)"), {"linear"}),
    mutant("linear_grad_W_divided_by_batch", "Linear / reductions",
           "grad_W divided by N a second time (the loss's backward already did)",
           LAYERS, (GRAD_W, "self.grad_W += self.X.T @ grad / len(grad)"), {"linear"}),
    mutant("linear_dX_without_transpose", "Linear / orientation",
           "dX = grad @ W instead of grad @ W.T (a shape error unless W is square)",
           LAYERS, (DX, "return grad @ self.W"), {"linear"}),
    mutant("linear_grad_W_transposed", "Linear / orientation",
           "grad_W from grad.T @ X, the transpose of the gradient (a shape error unless W is "
           "square)", LAYERS, (GRAD_W, "self.grad_W += grad.T @ self.X"), {"linear"}),
    mutant("linear_forward_without_bias", "Linear / forward",
           "forward forgets + b", LAYERS, (LINEAR_FORWARD, "return X @ self.W"), {"linear"}),
    mutant("linear_backward_uses_first_input", "Linear / caching",
           "X cached only on the first forward call, so backward uses a stale input",
           LAYERS, ("        self.X = X\n        return X @ self.W + self.b\n",
                    "        if self.X is None:\n            self.X = X\n"
                    "        return X @ self.W + self.b\n"), {"linear"}),
    # ------------------------------------------------------------ ReLU
    mutant("relu_derivative_one_at_zero", "ReLU / derivative",
           "mask X >= 0: the derivative is 1 at exactly 0 (the contract says 0)",
           LAYERS, (RELU_MASK, "self.mask = X >= 0"), {"relu"}),
    mutant("relu_mask_from_grad", "ReLU / derivative",
           "backward masks by the sign of the incoming gradient instead of the input",
           LAYERS, (RELU_BACKWARD, "return np.where(grad > 0, grad, 0.0)"), {"relu"}),
    mutant("relu_backward_returns_derivative", "ReLU / chain rule",
           "backward returns the local derivative, forgetting to multiply by grad",
           LAYERS, (RELU_BACKWARD, "return self.mask.astype(np.float64)"), {"relu"}),
    mutant("relu_forward_leaky", "ReLU / forward",
           "forward lets 0.01 * X through for negative X (a leaky ReLU); backward is right",
           LAYERS, ("return np.where(self.mask, X, 0.0)", "return np.where(self.mask, X, 0.01 * X)"),
           {"relu"}),
    mutant("relu_forward_max_reduction", "ReLU / forward",
           "np.max(X, 0) (a reduction over the batch) instead of np.maximum(X, 0)",
           LAYERS, ("return np.where(self.mask, X, 0.0)", "return np.max(X, 0)"), {"relu"}),
    mutant("relu_mask_from_first_forward", "ReLU / caching",
           "the mask is computed on the first forward call only",
           LAYERS, (RELU_MASK, "if self.mask is None:\n            self.mask = X > 0"),
           {"relu"}),
    # ------------------------------------------------------------ Sigmoid
    mutant("sigmoid_naive_overflow", "Sigmoid / stability",
           "1 / (1 + exp(-X)): exp overflows (a warning) for X below about -709",
           LAYERS, (SIGMOID_FORWARD, "        self.out = 1.0 / (1.0 + np.exp(-X))\n"),
           {"sigmoid"}),
    mutant("sigmoid_exp_ratio", "Sigmoid / stability",
           "exp(X) / (1 + exp(X)): inf / inf = NaN for large X",
           LAYERS, (SIGMOID_FORWARD, "        self.out = np.exp(X) / (1.0 + np.exp(X))\n"),
           {"sigmoid"}),
    mutant("sigmoid_derivative_from_input", "Sigmoid / derivative",
           "derivative computed as X * (1 - X) from the input instead of the output",
           LAYERS, ((SIGMOID_FORWARD, "        self.X = X\n" + SIGMOID_FORWARD),
                    (SIGMOID_BACKWARD, "return grad * self.X * (1.0 - self.X)")), {"sigmoid"}),
    mutant("sigmoid_derivative_missing_factor", "Sigmoid / derivative",
           "derivative out instead of out * (1 - out)",
           LAYERS, (SIGMOID_BACKWARD, "return grad * self.out"), {"sigmoid"}),
    # ------------------------------------------------------------ CrossEntropyLoss
    mutant("loss_sum_instead_of_mean", "loss / reductions",
           "forward returns the sum over the batch, not the mean",
           LOSSES, (LOSS_VALUE, "return float(-log_probs[np.arange(len(labels)), labels].sum())"),
           {"loss"}),
    mutant("loss_gradient_missing_one_over_n", "loss / reductions",
           "backward returns probs - onehot without the 1/N of the mean",
           LOSSES, ("return grad / n", "return grad"), {"loss"}),
    mutant("loss_without_max_shift", "loss / stability",
           "no log-sum-exp shift: exp overflows for logits of 1e4",
           LOSSES, (SHIFT, "shifted = logits"), {"loss"}),
    mutant("loss_log_of_softmax", "loss / stability",
           "log(softmax): a probability that underflows to 0 gives log(0) = -inf",
           LOSSES, (LOG_PROBS, "probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, "
                               "keepdims=True)\n        log_probs = np.log(probs)"), {"loss"}),
    mutant("loss_shift_by_global_max", "loss / stability",
           "shift by the largest logit of the whole batch: other rows underflow to log(0)",
           LOSSES, (SHIFT, "shifted = logits - logits.max()"), {"loss"}),
    mutant("loss_softmax_over_batch_axis", "loss / reductions",
           "log-sum-exp over axis 0 (the batch) instead of the classes",
           LOSSES, (LOG_PROBS, "log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, "
                               "keepdims=True))"), {"loss"}),
    mutant("loss_backward_changes_probs", "loss / state",
           "backward subtracts the one-hot from self.probs in place: a second call differs",
           LOSSES, (GRAD_COPY, "grad = self.probs"), {"loss"}),
    mutant("loss_gradient_sign", "loss / derivative",
           "onehot - probs instead of probs - onehot",
           LOSSES, ("return grad / n", "return -grad / n"), {"loss"}),
    # ------------------------------------------------------------ MLP
    mutant("model_activation_after_last_linear", "MLP / structure",
           "an activation after the last Linear too (the loss expects raw logits)",
           MODEL, (POP, ""), {"model"}),
    mutant("model_activation_after_single_linear", "MLP / structure",
           "the last activation is removed only when there are hidden layers",
           MODEL, (POP, "        if hidden_dims:\n            self.layers.pop()\n"), {"model"}),
    mutant("model_layers_built_last_to_first", "MLP / structure",
           "Linear layers created last to first (then reordered): np.random.seed no longer "
           "gives the expected weights",
           MODEL, ((BUILD_LOOP,
                    "        for fan_in, fan_out in reversed(list(zip(dims[:-1], dims[1:]))):\n"
                    "            self.layers.insert(0, Linear(fan_in, fan_out))\n"
                    "            self.layers.insert(1, ACTIVATIONS[activation]())\n"),),
           {"model"}),
    mutant("model_shared_activation_object", "MLP / structure",
           "one activation object reused at every position: backward uses the last mask",
           MODEL, (BUILD_LOOP,
                   "        shared = ACTIVATIONS[activation]()\n"
                   "        for fan_in, fan_out in zip(dims[:-1], dims[1:]):\n"
                   "            self.layers.append(Linear(fan_in, fan_out))\n"
                   "            self.layers.append(shared)\n"), {"model"}),
    mutant("model_sigmoid_builds_relu", "MLP / structure",
           'activation="sigmoid" builds ReLU layers',
           MODEL, ('ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid}',
                   'ACTIVATIONS = {"relu": ReLU, "sigmoid": ReLU}'), {"model"}),
    mutant("model_unknown_activation_builds_relu", "MLP / errors",
           "an unknown activation name silently builds ReLU layers instead of being refused",
           MODEL, (("if activation not in ACTIVATIONS:", "if activation is None:"),
                   ("self.layers.append(ACTIVATIONS[activation]())",
                    "self.layers.append(ACTIVATIONS.get(activation, ReLU)())")), {"model"}),
    mutant("model_backward_in_forward_order", "MLP / backward",
           "backward runs the layers first to last instead of last to first",
           MODEL, ("for layer in reversed(self.layers):", "for layer in self.layers:"),
           {"model"}),
    mutant("model_backward_returns_nothing", "MLP / backward",
           "backward does not return dL/dX",
           MODEL, (BACKWARD_LOOP, "        for layer in reversed(self.layers):\n"
                                  "            grad = layer.backward(grad)\n"), {"model"}),
    mutant("model_backward_not_chained", "MLP / backward",
           "every layer's backward gets dL/dlogits instead of the gradient the layer after "
           "it returned", MODEL,
           (BACKWARD_LOOP, "        out = grad\n        for layer in reversed(self.layers):\n"
                           "            out = layer.backward(grad)\n        return out\n"),
           {"model"}),
    mutant("model_forward_skips_last_layer", "MLP / forward",
           "forward stops before the last layer",
           MODEL, (FORWARD_LOOP, "        for layer in self.layers[:-1]:\n"
                                 "            X = layer.forward(X)\n"), {"model"}),
    # ------------------------------------------------------------ SGD
    mutant("sgd_velocity_not_kept", "SGD / momentum state",
           "v = mu * v + g rebinds a local name: the stored velocity never changes",
           OPTIMIZER, ((V_W, "                v_W = self.momentum * v_W + g_W\n"),
                       (V_B, "                v_b = self.momentum * v_b + g_b\n")),
           {"sgd_momentum"}),
    mutant("sgd_velocity_reset_every_step", "SGD / momentum state",
           "step() creates new zero velocities every time",
           OPTIMIZER, (STEP_LOOP, "self.velocities = [(np.zeros_like(l.W), np.zeros_like(l.b))"
                                  " for l in self.layers]\n        " + STEP_LOOP),
           {"sgd_momentum"}),
    mutant("sgd_momentum_as_dampening", "SGD / momentum rule",
           "v = mu * v + (1 - mu) * g (an exponential average) instead of v = mu * v + g",
           OPTIMIZER, ((V_W, "                v_W *= self.momentum\n"
                             "                v_W += (1.0 - self.momentum) * g_W\n"),
                       (V_B, "                v_b *= self.momentum\n"
                             "                v_b += (1.0 - self.momentum) * g_b\n")),
           {"sgd_momentum"}),
    mutant("sgd_lr_applied_twice", "SGD / momentum rule",
           "lr in the velocity (v = mu * v + lr * g) and again in the update",
           OPTIMIZER, ((V_W, "                v_W *= self.momentum\n"
                             "                v_W += self.lr * g_W\n"),
                       (V_B, "                v_b *= self.momentum\n"
                             "                v_b += self.lr * g_b\n")), {"sgd_momentum"}),
    mutant("sgd_updates_first_layer_only", "SGD / parameters",
           "only the first Linear layer is updated",
           OPTIMIZER, (STEP_LOOP, "for i, layer in enumerate(self.layers[:1]):"),
           {"sgd_momentum"}),
    mutant("sgd_bias_not_updated", "SGD / parameters",
           "step() updates W but never b", OPTIMIZER, (UPDATE_B, ""), {"sgd_momentum"}),
    mutant("sgd_keeps_activation_layers", "SGD / parameters",
           "SGD keeps every layer, activations included (they have no W)",
           OPTIMIZER, (KEEP, "self.layers = list(layers)"), {"sgd_momentum"}),
    mutant("sgd_zero_grad_rebinds_local", "SGD / zero_grad",
           "zero_grad assigns zeros to a local name: the layers' gradients stay",
           OPTIMIZER, ((ZERO_W, "            grad_W = layer.grad_W\n"
                                "            grad_W = np.zeros_like(grad_W)\n"),
                       (ZERO_B, "            grad_b = layer.grad_b\n"
                                "            grad_b = np.zeros_like(grad_b)\n")),
           {"sgd_momentum"}),
    mutant("sgd_reads_gradients_captured_in_init", "SGD / gradients",
           "SGD keeps the grad_W and grad_b arrays it saw in __init__: a Linear that rebinds "
           "them (self.grad_W = self.grad_W + ...) leaves it stepping on stale zeros",
           OPTIMIZER, (("        self.velocities = []\n",
                        "        self.grads = [(layer.grad_W, layer.grad_b) for layer in self.layers]\n"
                        "        self.velocities = []\n"),
                       (DECAY, "g_W = self.grads[i][0] + self.weight_decay * layer.W"),
                       (BIAS_GRAD, "g_b = self.grads[i][1]")), {"sgd_momentum"}),
    mutant("sgd_zero_grad_skips_bias", "SGD / zero_grad",
           "zero_grad resets grad_W but not grad_b", OPTIMIZER, (ZERO_B, ""), {"sgd_momentum"}),
    mutant("sgd_velocities_first_layer_only", "SGD / momentum state",
           "velocities created for the first layer only",
           OPTIMIZER, (VELOCITIES,
                       "            self.velocities = [(np.zeros_like(layer.W), "
                       "np.zeros_like(layer.b))\n"
                       "                               for layer in self.layers[:1]]\n"),
           {"sgd_momentum"}),
    # ------------------------------------------------------------ weight decay (bonus)
    mutant("decay_ignored", "weight decay",
           "weight_decay accepted but never used", OPTIMIZER, (DECAY, "g_W = layer.grad_W"),
           {"weight_decay"}),
    mutant("decay_applied_to_biases", "weight decay",
           "the biases are decayed too",
           OPTIMIZER, (BIAS_GRAD, "g_b = layer.grad_b + self.weight_decay * layer.b"),
           {"weight_decay"}),
    mutant("decay_after_velocity", "weight decay",
           "the decay term added to the update after the velocity instead of into it",
           OPTIMIZER, ((DECAY, "g_W = layer.grad_W"),
                       (UPDATE_W, "layer.W -= self.lr * (g_W + self.weight_decay * layer.W)")),
           {"weight_decay"}),
    mutant("decay_added_into_grad_W", "weight decay / state",
           "the decay added into grad_W in place: step() changes the layer's gradient",
           OPTIMIZER, (DECAY, "layer.grad_W += self.weight_decay * layer.W\n"
                              "            g_W = layer.grad_W"), {"weight_decay"}),
    mutant("decay_sign_flipped", "weight decay",
           "grad_W - weight_decay * W: the weights are pushed away from 0",
           OPTIMIZER, (DECAY, "g_W = layer.grad_W - self.weight_decay * layer.W"),
           {"weight_decay"}),
    mutant("decay_halved", "weight decay",
           "0.5 * weight_decay * W (the derivative of lam * ||W||^2 taken as lam / 2 * ...)",
           OPTIMIZER, (DECAY, "g_W = layer.grad_W + 0.5 * self.weight_decay * layer.W"),
           {"weight_decay"}),
]

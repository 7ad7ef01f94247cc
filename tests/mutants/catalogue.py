"""Every mutant of the suite, as data.

A mutant is one plausible student mistake: text edits to one file of a copy of solution/mlp.
``targets`` are the rubric items that MUST catch it (each loses points, or for the 0-point
vectorisation item, fails a case). Every other item must keep full marks unless one of its cases
lists a target in ``uses`` (it runs the broken code on purpose, and says so in its message).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    id: str
    category: str
    description: str
    file: str                               # relative to the mlp/ package
    edits: tuple[tuple[str, str], ...]      # (old, new): old must occur exactly once
    targets: frozenset[str]


def mutant(id, category, description, file, edits, targets) -> Mutant:
    if isinstance(edits[0], str):
        edits = (edits,)
    return Mutant(id, category, description, file, tuple(edits), frozenset(targets))


ACT, LOSS, INIT = "activations.py", "loss.py", "initializers.py"
NET, BN, LOOP = "mlp.py", "batchnorm.py", "training.py"

SIGMOID_DERIVATIVE = "return self.state * (1.0 - self.state)"
TANH_DERIVATIVE = "return 1.0 - self.state * self.state"
SCE_SHIFT = "shifted = x - x.max(axis=1, keepdims=True)"
SCE_LOSS = "self.loss = -(y * log_softmax).sum(axis=1)"
AFFINE = "z = h @ self.W[i] + self.b[i]"
BN_CALL = "z = self.bn_layers[i](z, eval=not self.train_mode)"
BATCH_MEAN = "delta = self.criterion.derivative() / labels.shape[0]"
DW = "self.dW[i] = self.layer_inputs[i].T @ delta"
DB = "self.db[i] = delta.sum(axis=0).reshape(self.b[i].shape)"
ACT_DERIVATIVE = "delta = delta * self.activations[i].derivative()"
BN_BACKWARD_CALL = "delta = self.bn_layers[i].backward(delta)"
VELOCITY = ("        velocity *= self.momentum\n        velocity -= self.lr * grad\n"
            "        param += velocity\n")
STEP_B = "self.apply_momentum(self.b[i], self.b_velocity[i], self.db[i])"
DECAY = "grad_W = grad_W + self.weight_decay * self.W[i]"
BN_VAR = "self.var = x.var(axis=0, keepdims=True)"
BN_MEAN = "self.mean = x.mean(axis=0, keepdims=True)"
BN_NORM = "self.norm = (x - self.mean) / np.sqrt(self.var + self.eps)"
RUNNING_MEAN = ("self.running_mean = self.alpha * self.running_mean + "
                "(1.0 - self.alpha) * self.mean")
RUNNING_VAR = "self.running_var = self.alpha * self.running_var + (1.0 - self.alpha) * self.var"
EVAL_NORM = "norm = (x - self.running_mean) / np.sqrt(self.running_var + self.eps)"
EVAL_RETURN = "            return self.gamma * norm + self.beta\n"
BN_DX = ("return inv_std * (dnorm - dnorm.mean(axis=0, keepdims=True)\n"
         "                          - self.norm * (dnorm * self.norm).mean(axis=0, keepdims=True))")
SHUFFLE = "        idx = np.arange(n_train)\n        np.random.shuffle(idx)\n"

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------ activations: forward
    mutant("sigmoid_exp_over_one_plus_exp", "activation forward / stability",
           "sigmoid as exp(x) / (1 + exp(x)): inf / inf = NaN for large x", ACT,
           ("self.state = np.where(x >= 0, 1.0, e) / (1.0 + e)",
            "self.state = np.exp(x) / (1.0 + np.exp(x))"), {"sigmoid"}),
    mutant("tanh_from_exp", "activation forward / stability",
           "tanh written with exp: NaN for |x| large", ACT,
           ("self.state = np.tanh(x)",
            "self.state = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))"), {"tanh"}),
    mutant("relu_max_instead_of_maximum", "activation forward / reductions",
           "np.max(x, 0) (a reduction over the batch) instead of np.maximum(x, 0)", ACT,
           ("self.state = np.maximum(x, 0.0)", "self.state = np.max(x, 0)"), {"relu"}),
    mutant("leaky_relu_default_alpha_hard_coded", "activation forward",
           "LeakyReLU uses 0.01 whatever alpha it was given", ACT,
           ("self.state = np.where(x > 0.0, x, self.alpha * x)",
            "self.state = np.where(x > 0.0, x, 0.01 * x)"), {"leaky_relu"}),
    # ------------------------------------------------------------ activations: derivative
    mutant("sigmoid_derivative_reapplies_sigmoid", "activation derivative",
           "derivative computes sigmoid(state) again, as if state were the input", ACT,
           (SIGMOID_DERIVATIVE, "s = 1.0 / (1.0 + np.exp(-self.state))\n"
                                "        return s * (1.0 - s)"), {"sigmoid"}),
    mutant("sigmoid_derivative_returns_state", "activation derivative",
           "derivative forgets the (1 - s) factor", ACT,
           (SIGMOID_DERIVATIVE, "return self.state"), {"sigmoid"}),
    mutant("tanh_derivative_not_squared", "activation derivative",
           "1 - t instead of 1 - t**2", ACT,
           (TANH_DERIVATIVE, "return 1.0 - self.state"), {"tanh"}),
    mutant("tanh_derivative_reapplies_tanh", "activation derivative",
           "1 - tanh(state)**2: tanh applied to the output again", ACT,
           (TANH_DERIVATIVE, "return 1.0 - np.tanh(self.state) ** 2"), {"tanh"}),
    mutant("relu_derivative_one_at_zero", "activation derivative",
           "derivative 1 where the output is 0 (state >= 0 is always true)", ACT,
           ("(self.state > 0.0).astype(np.float64)", "(self.state >= 0.0).astype(np.float64)"),
           {"relu"}),
    mutant("leaky_relu_derivative_zero_for_negatives", "activation derivative",
           "LeakyReLU derivative copied from ReLU (0 instead of alpha)", ACT,
           ("return np.where(self.state > 0.0, 1.0, self.alpha)",
            "return np.where(self.state > 0.0, 1.0, 0.0)"), {"leaky_relu"}),
    # ------------------------------------------------------------ softmax cross-entropy
    mutant("sce_without_max_shift", "loss / stability",
           "no log-sum-exp shift: exp overflows for logits of 1e4", LOSS,
           (SCE_SHIFT, "shifted = x"), {"softmax_cross_entropy"}),
    mutant("sce_shift_by_global_max", "loss / reductions",
           "shifts by the max of the whole batch, so other rows underflow to log(0)", LOSS,
           (SCE_SHIFT, "shifted = x - x.max()"), {"softmax_cross_entropy"}),
    mutant("sce_normalises_over_batch_axis", "loss / reductions",
           "softmax normalised over axis 0 (the batch) instead of the classes", LOSS,
           ("np.exp(shifted).sum(axis=1, keepdims=True)",
            "np.exp(shifted).sum(axis=0, keepdims=True)"), {"softmax_cross_entropy"}),
    mutant("sce_log_of_softmax", "loss / stability",
           "loss as -sum(y * log(softmax)): log(0) for underflowed classes", LOSS,
           (SCE_LOSS, "self.loss = -(y * np.log(self.sm)).sum(axis=1)"),
           {"softmax_cross_entropy"}),
    mutant("sce_returns_mean_loss", "loss / reductions",
           "forward returns the batch mean instead of per-sample losses", LOSS,
           (SCE_LOSS, "self.loss = -(y * log_softmax).sum(axis=1).mean()"),
           {"softmax_cross_entropy"}),
    mutant("sce_derivative_divided_by_batch", "loss / reductions",
           "derivative divided by the batch size (the MLP does that)", LOSS,
           ("return self.sm - self.labels", "return (self.sm - self.labels) / len(self.labels)"),
           {"softmax_cross_entropy"}),
    # ------------------------------------------------------------ initializers
    mutant("init_uniform_weights", "initializers",
           "np.random.rand (uniform) instead of randn", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.rand(d0, d1)"),
           {"initializers"}),
    mutant("init_weights_transposed", "initializers / shapes",
           "weights drawn as (d1, d0)", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.randn(d1, d0)"),
           {"initializers"}),
    mutant("init_scaled_weights", "initializers",
           "He scaling added to what should be standard normal", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.randn(d0, d1) * np.sqrt(2.0 / d0)"),
           {"initializers"}),
    mutant("init_bias_column", "initializers / shapes",
           "bias of shape (d, 1): a column broadcasts into a (d, d) matrix", INIT,
           ("return np.zeros((1, d))", "return np.zeros((d, 1))"), {"initializers"}),
    # ------------------------------------------------------------ MLP forward
    mutant("forward_without_bias", "MLP forward",
           "affine map forgets + b", NET, (AFFINE, "z = h @ self.W[i]"),
           {"linear_classifier", "hidden_forward", "hidden_backward"}),
    mutant("forward_weights_transposed", "MLP forward / orientation",
           "h @ W.T: works only when a layer is square", NET,
           (AFFINE, "z = h @ self.W[i].T + self.b[i]"),
           {"linear_classifier", "hidden_forward", "hidden_backward"}),
    mutant("forward_output_activation_skipped", "MLP forward",
           "assumes the last activation is Identity and skips it", NET,
           ("h = self.activations[i](z)",
            "h = self.activations[i](z) if i < self.nlayers - 1 else z"),
           {"hidden_forward", "hidden_backward"}),
    mutant("forward_batchnorm_after_activation", "where BatchNorm sits",
           "BatchNorm applied to the activation's output instead of before it", NET,
           (f"            if i < self.num_bn_layers:\n                {BN_CALL}\n"
            "            h = self.activations[i](z)\n",
            "            h = self.activations[i](z)\n            if i < self.num_bn_layers:\n"
            "                h = self.bn_layers[i](h, eval=not self.train_mode)\n"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_batchnorm_one_layer_too_many", "where BatchNorm sits",
           "i <= num_bn_layers: one more layer than there are BatchNorm objects", NET,
           ("            if i < self.num_bn_layers:\n                z = self.bn_layers",
            "            if self.bn and i <= self.num_bn_layers:\n"
            "                z = self.bn_layers"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_eval_flag_inverted", "BatchNorm in the MLP",
           "passes eval=train_mode: batch statistics at eval, running ones in training", NET,
           (BN_CALL, "z = self.bn_layers[i](z, eval=self.train_mode)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_ignores_eval_mode", "BatchNorm in the MLP",
           "never passes eval: the MLP in eval mode still uses batch statistics", NET,
           (BN_CALL, "z = self.bn_layers[i](z)"), {"batchnorm_inference"}),
    # ------------------------------------------------------------ MLP backward
    mutant("backward_sum_not_mean", "MLP backward / reductions",
           "gradients of the summed loss (no division by the batch size)", NET,
           (BATCH_MEAN, "delta = self.criterion.derivative()"),
           {"linear_classifier", "hidden_backward", "batchnorm_train"}),
    mutant("backward_divides_twice", "MLP backward / reductions",
           "divides by the batch size again in dW", NET,
           (DW, "self.dW[i] = self.layer_inputs[i].T @ delta / labels.shape[0]"),
           {"linear_classifier", "hidden_backward", "batchnorm_train"}),
    mutant("backward_dW_transposed", "MLP backward / orientation",
           "dW = delta.T @ h, the transpose of W's shape", NET,
           (DW, "self.dW[i] = delta.T @ self.layer_inputs[i]"),
           {"linear_classifier", "hidden_backward", "batchnorm_train"}),
    mutant("backward_db_mean_over_batch", "MLP backward / reductions",
           "db averaged over the batch on top of the 1/batch in delta", NET,
           (DB, "self.db[i] = delta.mean(axis=0).reshape(self.b[i].shape)"),
           {"linear_classifier", "hidden_backward", "batchnorm_train"}),
    mutant("backward_db_summed_over_features", "MLP backward / reductions",
           "db summed over axis 1 (the units) instead of the batch", NET,
           (DB, "self.db[i] = delta.sum(axis=1)[:self.b[i].size].reshape(self.b[i].shape)"),
           {"linear_classifier", "hidden_backward", "batchnorm_train"}),
    mutant("backward_derivative_of_previous_layer", "MLP backward",
           "off by one: multiplies by the derivative of layer i - 1", NET,
           (ACT_DERIVATIVE, "delta = delta * self.activations[i - 1].derivative()"),
           {"hidden_backward"}),
    mutant("backward_skips_output_derivative", "MLP backward",
           "assumes the output activation is Identity in backward", NET,
           (ACT_DERIVATIVE, "if i < self.nlayers - 1:\n"
                            "                delta = delta * self.activations[i].derivative()"),
           {"hidden_backward"}),
    mutant("backward_propagates_without_transpose", "MLP backward / orientation",
           "delta @ W instead of delta @ W.T, reshaped to fit (square layers hide it)", NET,
           ("delta = delta @ self.W[i].T",
            "delta = (delta @ self.W[i].reshape(self.W[i].shape[::-1]))"),
           {"hidden_backward", "batchnorm_train"}),
    mutant("backward_batchnorm_before_activation_derivative", "BatchNorm in the MLP",
           "backpropagates through BatchNorm before the activation", NET,
           (f"            {ACT_DERIVATIVE}\n            if i < self.num_bn_layers:\n"
            f"                {BN_BACKWARD_CALL}\n",
            f"            if i < self.num_bn_layers:\n                {BN_BACKWARD_CALL}\n"
            f"            {ACT_DERIVATIVE}\n"),
           {"batchnorm_train"}),
    mutant("backward_discards_batchnorm_gradient", "BatchNorm in the MLP",
           "calls bn.backward but keeps the old delta", NET,
           (BN_BACKWARD_CALL, "self.bn_layers[i].backward(delta)"), {"batchnorm_train"}),
    # ------------------------------------------------------------ zero_grads
    mutant("zero_grads_rebinds_a_local", "parameter state",
           "grad = zeros_like(grad) inside the loop changes nothing", NET,
           ("            grad.fill(0.0)\n", "            grad = np.zeros_like(grad)\n"),
           {"linear_classifier", "batchnorm_train"}),
    mutant("zero_grads_skips_batchnorm", "parameter state",
           "leaves dgamma and dbeta alone", NET,
           ("            bn.dgamma.fill(0.0)\n            bn.dbeta.fill(0.0)\n",
            "            pass\n"), {"batchnorm_train"}),
    # ------------------------------------------------------------ step and momentum
    mutant("momentum_velocity_not_kept", "parameter updates / state",
           "uses the velocity but never stores it: plain SGD", NET,
           (VELOCITY, "        param += self.momentum * velocity - self.lr * grad\n"),
           {"momentum"}),
    mutant("momentum_update_before_velocity", "parameter updates / state",
           "moves the parameter with the OLD velocity, then updates it", NET,
           (VELOCITY, "        param += velocity\n        velocity *= self.momentum\n"
                      "        velocity -= self.lr * grad\n"),
           {"momentum", "linear_classifier"}),
    mutant("momentum_dampened", "parameter updates",
           "exponential average: v = m v - (1 - m) lr g", NET,
           ("velocity -= self.lr * grad", "velocity -= (1.0 - self.momentum) * self.lr * grad"),
           {"momentum"}),
    mutant("momentum_velocity_reset_every_step", "parameter updates / state",
           "velocity rebuilt as zeros in every step()", NET,
           ("        for i in range(self.nlayers):\n            grad_W = self.dW[i]\n",
            "        self.W_velocity = [np.zeros_like(W) for W in self.W]\n"
            "        for i in range(self.nlayers):\n            grad_W = self.dW[i]\n"),
           {"momentum"}),
    mutant("step_skips_biases", "parameter updates",
           "updates W only", NET, (STEP_B, "pass"), {"linear_classifier", "momentum"}),
    mutant("step_skips_batchnorm", "parameter updates",
           "gamma and beta never move", NET,
           ("            self.apply_momentum(bn.gamma, v_gamma, bn.dgamma)\n"
            "            self.apply_momentum(bn.beta, v_beta, bn.dbeta)\n", "            pass\n"),
           {"momentum"}),
    mutant("step_gamma_gets_beta_gradient", "parameter updates",
           "gamma updated with dbeta (a copy-paste slip)", NET,
           ("self.apply_momentum(bn.gamma, v_gamma, bn.dgamma)",
            "self.apply_momentum(bn.gamma, v_gamma, bn.dbeta)"), {"momentum"}),
    # ------------------------------------------------------------ bonus: weight decay
    mutant("weight_decay_ignored", "bonus: weight decay",
           "weight_decay stored but never used", NET, (DECAY, "pass"), {"weight_decay"}),
    mutant("weight_decay_wrong_sign", "bonus: weight decay",
           "g = dW - weight_decay * W", NET,
           (DECAY, "grad_W = grad_W - self.weight_decay * self.W[i]"), {"weight_decay"}),
    mutant("weight_decay_on_biases", "bonus: weight decay",
           "decays the biases too", NET,
           (STEP_B, "self.apply_momentum(self.b[i], self.b_velocity[i],\n"
                    "                                self.db[i] + self.weight_decay * self.b[i])"),
           {"weight_decay"}),
    mutant("weight_decay_halved", "bonus: weight decay",
           "penalty 0.5 wd ||W||^2 differentiated as 0.5 wd W", NET,
           (DECAY, "grad_W = grad_W + 0.5 * self.weight_decay * self.W[i]"), {"weight_decay"}),
    # ------------------------------------------------------------ BatchNorm: statistics
    mutant("bn_unbiased_variance", "BatchNorm statistics (train)",
           "variance with ddof=1", BN,
           (BN_VAR, "self.var = x.var(axis=0, ddof=1, keepdims=True)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_statistics_over_features", "BatchNorm statistics (train) / reductions",
           "mean and variance over axis 1 (layer norm)", BN,
           ((BN_MEAN, "self.mean = x.mean(axis=1, keepdims=True)"),
            (BN_VAR, "self.var = x.var(axis=1, keepdims=True)")),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_eps_outside_sqrt", "BatchNorm statistics (train) / stability",
           "sqrt(var) + eps", BN,
           (BN_NORM, "self.norm = (x - self.mean) / (np.sqrt(self.var) + self.eps)"),
           {"batchnorm_train"}),
    mutant("bn_running_alpha_swapped", "BatchNorm statistics (running)",
           "running = (1 - alpha) running + alpha batch", BN,
           ((RUNNING_MEAN, "self.running_mean = (1.0 - self.alpha) * self.running_mean + "
                           "self.alpha * self.mean"),
            (RUNNING_VAR, "self.running_var = (1.0 - self.alpha) * self.running_var + "
                          "self.alpha * self.var")),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_running_var_unbiased", "BatchNorm statistics (running)",
           "running variance with PyTorch's n / (n - 1) correction", BN,
           (RUNNING_VAR, "self.running_var = self.alpha * self.running_var + "
                         "(1.0 - self.alpha) * self.var * len(x) / max(len(x) - 1, 1)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_running_stats_not_updated", "BatchNorm statistics (running)",
           "running averages never change", BN,
           ((RUNNING_MEAN, "pass"), (RUNNING_VAR, "pass")),
           {"batchnorm_train", "batchnorm_inference"}),
    # ------------------------------------------------------------ BatchNorm: eval
    mutant("bn_eval_uses_batch_statistics", "BatchNorm statistics (eval)",
           "eval mode normalises with the batch's own statistics", BN,
           (EVAL_NORM, "norm = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + self.eps)"),
           {"batchnorm_inference"}),
    mutant("bn_eval_updates_running_mean", "BatchNorm statistics (eval)",
           "eval mode still moves the running mean", BN,
           (EVAL_RETURN, "            self.running_mean = self.alpha * self.running_mean + "
                         "(1.0 - self.alpha) * x.mean(axis=0, keepdims=True)\n" + EVAL_RETURN),
           {"batchnorm_inference"}),
    mutant("bn_eval_without_affine", "BatchNorm statistics (eval)",
           "eval mode returns the normalised input without gamma and beta", BN,
           (EVAL_RETURN, "            return norm\n"), {"batchnorm_inference"}),
    mutant("bn_eval_eps_outside_sqrt", "BatchNorm statistics (eval) / stability",
           "eval mode divides by sqrt(running_var) + eps", BN,
           (EVAL_NORM, "norm = (x - self.running_mean) / (np.sqrt(self.running_var) + self.eps)"),
           {"batchnorm_inference"}),
    # ------------------------------------------------------------ BatchNorm: backward
    mutant("bn_backward_ignores_statistics", "BatchNorm backward",
           "dx = delta * gamma / sqrt(var + eps), as if mean and var were constants", BN,
           (BN_DX, "return inv_std * dnorm"), {"batchnorm_train"}),
    mutant("bn_backward_drops_variance_term", "BatchNorm backward",
           "keeps the mean term, forgets the variance term", BN,
           (BN_DX, "return inv_std * (dnorm - dnorm.mean(axis=0, keepdims=True))"),
           {"batchnorm_train"}),
    mutant("bn_backward_dgamma_from_x", "BatchNorm backward",
           "dgamma = sum(delta * x) instead of sum(delta * norm)", BN,
           ("self.dgamma = (delta * self.norm).sum(axis=0, keepdims=True)",
            "self.dgamma = (delta * self.x).sum(axis=0, keepdims=True)"), {"batchnorm_train"}),
    mutant("bn_backward_dbeta_mean", "BatchNorm backward / reductions",
           "dbeta averaged over the batch", BN,
           ("self.dbeta = delta.sum(axis=0, keepdims=True)",
            "self.dbeta = delta.mean(axis=0, keepdims=True)"), {"batchnorm_train"}),
    mutant("bn_backward_forgets_gamma", "BatchNorm backward",
           "dL/dnorm = delta instead of delta * gamma", BN,
           ("dnorm = delta * self.gamma", "dnorm = delta"), {"batchnorm_train"}),
    # ------------------------------------------------------------ training loop protocol
    mutant("train_shuffles_once", "training loop",
           "one shuffle before the first epoch only", LOOP,
           ((SHUFFLE, ""), ("    for epoch in range(nepochs):\n",
                            "    idx = np.arange(n_train)\n    np.random.shuffle(idx)\n"
                            "    for epoch in range(nepochs):\n")),
           {"training_stats"}),
    mutant("train_never_shuffles", "training loop",
           "trains in the stored order", LOOP,
           ("        np.random.shuffle(idx)\n", ""), {"training_stats"}),
    mutant("train_drops_last_batch", "training loop",
           "range(0, N - batch_size + 1, batch_size) drops the smaller last batch", LOOP,
           ("range(0, n_train, batch_size)", "range(0, n_train - batch_size + 1, batch_size)"),
           {"training_stats"}),
    mutant("train_labels_not_shuffled", "training loop",
           "inputs shuffled, labels taken in stored order", LOOP,
           ("x, y = trainx[batch], trainy[batch]",
            "x, y = trainx[batch], trainy[start:start + batch_size]"), {"training_stats"}),
    mutant("train_loss_mean_of_batch_means", "training loop / reductions",
           "training loss = average of batch means (mis-weights the last batch)", LOOP,
           (("loss_sum += np.sum(mlp.criterion.loss)", "loss_sum += np.mean(mlp.criterion.loss)"),
            ("training_losses[epoch] = loss_sum / n_train",
             "training_losses[epoch] = loss_sum / -(-n_train // batch_size)")),
           {"training_stats"}),
    mutant("train_error_counts_correct", "training loop",
           "counts correct predictions as errors", LOOP,
           ("out.argmax(axis=1) != y.argmax(axis=1)", "out.argmax(axis=1) == y.argmax(axis=1)"),
           {"training_stats"}),
    mutant("train_never_calls_train", "training loop",
           "after the first validation the MLP stays in eval mode", LOOP,
           ("        mlp.train()\n", ""), {"training_stats"}),
    mutant("train_never_calls_eval", "training loop",
           "validation in train mode", LOOP, ("        mlp.eval()\n", ""), {"training_stats"}),
    mutant("train_without_zero_grads", "training loop",
           "no zero_grads() per batch", LOOP, ("            mlp.zero_grads()\n", ""),
           {"training_stats"}),
    mutant("train_without_step", "training loop",
           "forgets step(): nothing is learned", LOOP, ("            mlp.step()\n", ""),
           {"training_stats"}),
    mutant("train_backward_on_validation", "training loop",
           "calls backward() on the validation batch", LOOP,
           ("        out = mlp.forward(valx)\n",
            "        out = mlp.forward(valx)\n        mlp.backward(valy)\n"), {"training_stats"}),
    mutant("train_validates_on_test", "training loop",
           "uses the test split as validation data", LOOP,
           ("(trainx, trainy), (valx, valy), _ = dset", "(trainx, trainy), _, (valx, valy) = dset"),
           {"training_stats"}),
    mutant("train_error_as_percent", "training loop",
           "training error in percent", LOOP,
           ("training_errors[epoch] = mistakes / n_train",
            "training_errors[epoch] = 100.0 * mistakes / n_train"), {"training_stats"}),
    # ------------------------------------------------------------ vectorisation (sample loops)
    mutant("loop_affine_per_sample", "vectorisation",
           "forward computes x @ W one sample at a time", NET,
           (AFFINE, "z = np.array([row @ self.W[i] for row in h]).reshape(len(h), -1) "
                    "+ self.b[i]"), {"vectorisation"}),
    mutant("loop_dW_per_sample", "vectorisation",
           "dW accumulated as a sum of per-sample outer products", NET,
           (DW, "self.dW[i] = np.zeros_like(self.W[i])\n"
                "            for h_n, d_n in zip(self.layer_inputs[i], delta):\n"
                "                self.dW[i] += np.outer(h_n, d_n)"), {"vectorisation"}),
    mutant("loop_sigmoid_per_sample", "vectorisation",
           "sigmoid computed row by row", ACT,
           ("        e = np.exp(-np.abs(x))\n"
            "        self.state = np.where(x >= 0, 1.0, e) / (1.0 + e)\n",
            "        rows = []\n        for row in np.atleast_2d(x):\n"
            "            e = np.exp(-np.abs(row))\n"
            "            rows.append(np.where(row >= 0, 1.0, e) / (1.0 + e))\n"
            "        self.state = np.array(rows).reshape(np.shape(x))\n"), {"vectorisation"}),
    mutant("loop_softmax_per_sample", "vectorisation",
           "softmax cross-entropy computed one sample at a time", LOSS,
           ("        shifted = x - x.max(axis=1, keepdims=True)\n"
            "        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
            "        log_softmax = np.zeros_like(x, dtype=float)\n"
            "        for n in range(len(x)):\n"
            "            shifted = x[n] - x[n].max()\n"
            "            log_softmax[n] = shifted - np.log(np.exp(shifted).sum())\n"),
           {"vectorisation"}),
    mutant("loop_batchnorm_backward_per_sample", "vectorisation",
           "BatchNorm dx computed row by row", BN,
           (BN_DX, "mean_g = dnorm.mean(axis=0)\n"
                   "        mean_gn = (dnorm * self.norm).mean(axis=0)\n"
                   "        dx = np.empty_like(dnorm)\n"
                   "        for n in range(len(dnorm)):\n"
                   "            dx[n] = inv_std * (dnorm[n] - mean_g - self.norm[n] * mean_gn)\n"
                   "        return dx"), {"vectorisation"}),
]

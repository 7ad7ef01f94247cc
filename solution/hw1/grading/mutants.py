"""Every mutant of the suite, as data.

A mutant is one plausible student mistake: text edits to one file of a copy of solution/mlp.
``targets`` are the rubric items that contain the bug and MUST catch it (each loses points, or
for the 0-point vectorisation item, fails a case). Every other item keeps full marks: one bug,
one item (a case that runs a target's code on purpose is excused, not scored).
"""
from __future__ import annotations

from autograder.references.mutation import Mutant, mutant  # noqa: F401


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
           "Sigmoid forward computed as exp(x) / (1 + exp(x)), which gives inf / inf = NaN for "
           "large x", ACT,
           ("self.state = np.where(x >= 0, 1.0, e) / (1.0 + e)",
            "self.state = np.exp(x) / (1.0 + np.exp(x))"), {"sigmoid"}),
    mutant("tanh_from_exp", "activation forward / stability",
           "Tanh forward written with exp(x) and exp(-x), which overflow to NaN for large |x|", ACT,
           ("self.state = np.tanh(x)",
            "self.state = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))"), {"tanh"}),
    mutant("relu_max_instead_of_maximum", "activation forward / reductions",
           "ReLU forward uses np.max(x, 0), a maximum over the batch, instead of the elementwise"
           " np.maximum(x, 0)", ACT,
           ("self.state = np.maximum(x, 0.0)", "self.state = np.max(x, 0)"), {"relu"}),
    mutant("leaky_relu_default_alpha_hard_coded", "activation forward",
           "LeakyReLU uses the slope 0.01 whatever alpha it was given", ACT,
           ("self.state = np.where(x > 0.0, x, self.alpha * x)",
            "self.state = np.where(x > 0.0, x, 0.01 * x)"), {"leaky_relu"}),
    # ------------------------------------------------------------ activations: derivative
    mutant("sigmoid_derivative_reapplies_sigmoid", "activation derivative",
           "Sigmoid derivative applies the sigmoid again to the stored output, as if the output "
           "were the input", ACT,
           (SIGMOID_DERIVATIVE, "s = 1.0 / (1.0 + np.exp(-self.state))\n"
                                "        return s * (1.0 - s)"), {"sigmoid"}),
    mutant("sigmoid_derivative_returns_state", "activation derivative",
           "Sigmoid derivative returns s instead of s * (1 - s)", ACT,
           (SIGMOID_DERIVATIVE, "return self.state"), {"sigmoid"}),
    mutant("tanh_derivative_not_squared", "activation derivative",
           "Tanh derivative is 1 - t instead of 1 - t**2", ACT,
           (TANH_DERIVATIVE, "return 1.0 - self.state"), {"tanh"}),
    mutant("tanh_derivative_reapplies_tanh", "activation derivative",
           "Tanh derivative applies tanh again to the stored output: 1 - tanh(t)**2", ACT,
           (TANH_DERIVATIVE, "return 1.0 - np.tanh(self.state) ** 2"), {"tanh"}),
    mutant("relu_derivative_one_at_zero", "activation derivative",
           "ReLU derivative is 1 where the output is 0 (a test like output >= 0 is always true)",
           ACT,
           ("(self.state > 0.0).astype(np.float64)", "(self.state >= 0.0).astype(np.float64)"),
           {"relu"}),
    mutant("leaky_relu_derivative_zero_for_negatives", "activation derivative",
           "LeakyReLU derivative copied from ReLU: 0 instead of alpha for negative inputs", ACT,
           ("return np.where(self.state > 0.0, 1.0, self.alpha)",
            "return np.where(self.state > 0.0, 1.0, 0.0)"), {"leaky_relu"}),
    # ------------------------------------------------------------ softmax cross-entropy
    mutant("sce_without_max_shift", "loss / stability",
           "softmax without subtracting each row's maximum first, so exp overflows for large "
           "logits", LOSS,
           (SCE_SHIFT, "shifted = x"), {"softmax_cross_entropy"}),
    mutant("sce_shift_by_global_max", "loss / reductions",
           "softmax shifted by the maximum of the whole batch instead of each row's, so other "
           "rows underflow to log(0)", LOSS,
           (SCE_SHIFT, "shifted = x - x.max()"), {"softmax_cross_entropy"}),
    mutant("sce_normalises_over_batch_axis", "loss / reductions",
           "softmax normalised over axis 0 (the batch) instead of axis 1 (the classes)", LOSS,
           ("np.exp(shifted).sum(axis=1, keepdims=True)",
            "np.exp(shifted).sum(axis=0, keepdims=True)"), {"softmax_cross_entropy"}),
    mutant("sce_log_of_softmax", "loss / stability",
           "loss computed as -sum(y * log(softmax)), which takes log(0) when a probability "
           "underflows", LOSS,
           (SCE_LOSS, "self.loss = -(y * np.log(self.sm)).sum(axis=1)"),
           {"softmax_cross_entropy"}),
    mutant("sce_returns_mean_loss", "loss / reductions",
           "SoftmaxCrossEntropy forward returns the mean over the batch instead of one loss per "
           "sample", LOSS,
           (SCE_LOSS, "self.loss = -(y * log_softmax).sum(axis=1).mean()"),
           {"softmax_cross_entropy"}),
    mutant("sce_derivative_divided_by_batch", "loss / reductions",
           "SoftmaxCrossEntropy derivative divided by the batch size (the MLP's backward already"
           " does that)", LOSS,
           ("return self.sm - self.labels", "return (self.sm - self.labels) / len(self.labels)"),
           {"softmax_cross_entropy"}),
    # ------------------------------------------------------------ initializers
    mutant("init_uniform_weights", "initializers",
           "weights drawn with np.random.rand (uniform) instead of np.random.randn (standard "
           "normal)", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.rand(d0, d1)"),
           {"initializers"}),
    mutant("init_weights_transposed", "initializers / shapes",
           "weights drawn with shape (d1, d0) instead of (d0, d1)", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.randn(d1, d0)"),
           {"initializers"}),
    mutant("init_scaled_weights", "initializers",
           "weights scaled by sqrt(2 / d0) (He initialization) where plain standard normal "
           "values are asked for", INIT,
           ("return np.random.randn(d0, d1)", "return np.random.randn(d0, d1) * np.sqrt(2.0 / d0)"),
           {"initializers"}),
    mutant("init_bias_column", "initializers / shapes",
           "bias of shape (d, 1) instead of (1, d): a column broadcasts into a (d, d) matrix", INIT,
           ("return np.zeros((1, d))", "return np.zeros((d, 1))"), {"initializers"}),
    # ------------------------------------------------------------ MLP forward
    mutant("forward_without_bias", "MLP forward",
           "MLP forward leaves out the bias: h @ W instead of h @ W + b",
           NET, (AFFINE, "z = h @ self.W[i]"),
           {"linear_classifier", "hidden_forward"}),
    mutant("forward_hidden_bias_missing", "MLP forward",
           "MLP forward leaves out the hidden layers' biases (the output layer keeps its own): "
           "a forward bug only, backward is right given that forward pass", NET,
           (AFFINE, "z = h @ self.W[i] + (self.b[i] if i == self.nlayers - 1 else 0.0)"),
           {"hidden_forward"}),
    mutant("forward_weights_transposed", "MLP forward / orientation",
           "MLP forward multiplies by W.T (h @ W.T), which works only when a layer is square", NET,
           (AFFINE, "z = h @ self.W[i].T + self.b[i]"),
           {"linear_classifier", "hidden_forward", "hidden_backward"}),
    mutant("forward_output_activation_skipped", "MLP forward",
           "MLP forward skips the last activation, assuming it is Identity", NET,
           ("h = self.activations[i](z)",
            "h = self.activations[i](z) if i < self.nlayers - 1 else z"),
           {"hidden_forward", "hidden_backward"}),
    mutant("forward_batchnorm_after_activation", "where BatchNorm sits",
           "BatchNorm applied to the activation's output instead of to the affine output before "
           "the activation", NET,
           (f"            if i < self.num_bn_layers:\n                {BN_CALL}\n"
            "            h = self.activations[i](z)\n",
            "            h = self.activations[i](z)\n            if i < self.num_bn_layers:\n"
            "                h = self.bn_layers[i](h, eval=not self.train_mode)\n"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_batchnorm_one_layer_too_many", "where BatchNorm sits",
           "BatchNorm applied to one layer more than num_bn_layers (i <= num_bn_layers instead "
           "of i < num_bn_layers)", NET,
           ("            if i < self.num_bn_layers:\n                z = self.bn_layers",
            "            if self.bn and i <= self.num_bn_layers:\n"
            "                z = self.bn_layers"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_eval_flag_inverted", "BatchNorm in the MLP",
           "the MLP passes BatchNorm's eval flag the wrong way round: batch statistics in eval "
           "mode, running statistics in training", NET,
           (BN_CALL, "z = self.bn_layers[i](z, eval=self.train_mode)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("forward_ignores_eval_mode", "BatchNorm in the MLP",
           "the MLP never passes eval=True to BatchNorm, so eval mode still uses the batch "
           "statistics", NET,
           (BN_CALL, "z = self.bn_layers[i](z)"), {"batchnorm_inference"}),
    # ------------------------------------------------------------ MLP backward
    mutant("backward_sum_not_mean", "MLP backward / reductions",
           "gradients of the summed loss: the loss gradient is not divided by the batch size", NET,
           (BATCH_MEAN, "delta = self.criterion.derivative()"),
           {"linear_classifier", "hidden_backward"}),
    mutant("backward_divides_twice", "MLP backward / reductions",
           "dW divided by the batch size a second time", NET,
           (DW, "self.dW[i] = self.layer_inputs[i].T @ delta / labels.shape[0]"),
           {"linear_classifier", "hidden_backward"}),
    mutant("backward_dW_transposed", "MLP backward / orientation",
           "dW computed as delta.T @ h, the transpose of W's shape", NET,
           (DW, "self.dW[i] = delta.T @ self.layer_inputs[i]"),
           {"linear_classifier", "hidden_backward"}),
    mutant("backward_db_mean_over_batch", "MLP backward / reductions",
           "db averaged over the batch, on top of the division by the batch size already in delta",
           NET,
           (DB, "self.db[i] = delta.mean(axis=0).reshape(self.b[i].shape)"),
           {"linear_classifier", "hidden_backward"}),
    mutant("backward_db_summed_over_features", "MLP backward / reductions",
           "db summed over axis 1 (the units) instead of axis 0 (the batch)", NET,
           (DB, "self.db[i] = delta.sum(axis=1)[:self.b[i].size].reshape(self.b[i].shape)"),
           {"linear_classifier", "hidden_backward"}),
    mutant("backward_derivative_of_previous_layer", "MLP backward",
           "backward multiplies by the derivative of the wrong layer's activation (layer i - 1 "
           "instead of i)", NET,
           (ACT_DERIVATIVE, "delta = delta * self.activations[i - 1].derivative()"),
           {"hidden_backward"}),
    mutant("backward_skips_output_derivative", "MLP backward",
           "backward skips the output activation's derivative, assuming it is Identity", NET,
           (ACT_DERIVATIVE, "if i < self.nlayers - 1:\n"
                            "                delta = delta * self.activations[i].derivative()"),
           {"hidden_backward"}),
    mutant("backward_propagates_without_transpose", "MLP backward / orientation",
           "delta propagated with W instead of W.T (square layers hide the shape error)", NET,
           ("delta = delta @ self.W[i].T",
            "delta = (delta @ self.W[i].reshape(self.W[i].shape[::-1]))"),
           {"hidden_backward"}),
    mutant("backward_batchnorm_before_activation_derivative", "BatchNorm in the MLP",
           "backward goes through BatchNorm before the activation's derivative (the reverse of "
           "the forward order)", NET,
           (f"            {ACT_DERIVATIVE}\n            if i < self.num_bn_layers:\n"
            f"                {BN_BACKWARD_CALL}\n",
            f"            if i < self.num_bn_layers:\n                {BN_BACKWARD_CALL}\n"
            f"            {ACT_DERIVATIVE}\n"),
           {"batchnorm_train"}),
    mutant("backward_discards_batchnorm_gradient", "BatchNorm in the MLP",
           "BatchNorm's backward is called but what it returns is thrown away, so delta skips "
           "BatchNorm", NET,
           (BN_BACKWARD_CALL, "self.bn_layers[i].backward(delta)"), {"batchnorm_train"}),
    # ------------------------------------------------------------ zero_grads
    mutant("init_gradients_as_scalars", "parameter state",
           "the constructor leaves dW = [0] * n (zero_grads and backward fill it with arrays, "
           "and training works): a constructor detail, charged once, to linear_classifier", NET,
           (("self.dW = [np.zeros_like(W) for W in self.W]", "self.dW = [0] * len(self.W)"),
            ("        for grad in self.dW + self.db:\n",
             "        self.dW = [np.zeros_like(W) for W in self.W]\n"
             "        for grad in self.dW + self.db:\n")),
           {"linear_classifier"}),
    mutant("zero_grads_rebinds_a_local", "parameter state",
           "zero_grads assigns a new zero array to a loop variable, which leaves the stored "
           "gradients unchanged", NET,
           ("            grad.fill(0.0)\n", "            grad = np.zeros_like(grad)\n"),
           {"linear_classifier", "batchnorm_train"}),
    mutant("zero_grads_skips_batchnorm", "parameter state",
           "zero_grads leaves BatchNorm's dgamma and dbeta alone", NET,
           ("            bn.dgamma.fill(0.0)\n            bn.dbeta.fill(0.0)\n",
            "            pass\n"), {"batchnorm_train"}),
    # ------------------------------------------------------------ step and momentum
    mutant("momentum_velocity_not_kept", "parameter updates / state",
           "the momentum velocity is used but never stored, so every step is plain SGD", NET,
           (VELOCITY, "        param += self.momentum * velocity - self.lr * grad\n"),
           {"momentum"}),
    mutant("momentum_update_before_velocity", "parameter updates / state",
           "the parameter moves with the old velocity before the velocity is updated", NET,
           (VELOCITY, "        param += velocity\n        velocity *= self.momentum\n"
                      "        velocity -= self.lr * grad\n"),
           {"momentum", "linear_classifier"}),
    mutant("momentum_dampened", "parameter updates",
           "velocity as an exponential average, v = m v - (1 - m) lr g, instead of v = m v - lr g",
           NET,
           ("velocity -= self.lr * grad", "velocity -= (1.0 - self.momentum) * self.lr * grad"),
           {"momentum"}),
    mutant("momentum_velocity_reset_every_step", "parameter updates / state",
           "the velocities are reset to zero in every step()", NET,
           ("        for i in range(self.nlayers):\n            grad_W = self.dW[i]\n",
            "        self.W_velocity = [np.zeros_like(W) for W in self.W]\n"
            "        for i in range(self.nlayers):\n            grad_W = self.dW[i]\n"),
           {"momentum"}),
    mutant("step_skips_biases", "parameter updates",
           "step() updates the weights but not the biases",
           NET, (STEP_B, "pass"), {"linear_classifier", "momentum"}),
    mutant("step_skips_batchnorm", "parameter updates",
           "step() never updates BatchNorm's gamma and beta", NET,
           ("            self.apply_momentum(bn.gamma, v_gamma, bn.dgamma)\n"
            "            self.apply_momentum(bn.beta, v_beta, bn.dbeta)\n", "            pass\n"),
           {"momentum"}),
    mutant("step_gamma_gets_beta_gradient", "parameter updates",
           "gamma updated with dbeta instead of dgamma (a copy-paste slip)", NET,
           ("self.apply_momentum(bn.gamma, v_gamma, bn.dgamma)",
            "self.apply_momentum(bn.gamma, v_gamma, bn.dbeta)"), {"momentum"}),
    # ------------------------------------------------------------ bonus: weight decay
    mutant("weight_decay_ignored", "bonus: weight decay",
           "weight_decay is stored but never used", NET, (DECAY, "pass"), {"weight_decay"}),
    mutant("weight_decay_wrong_sign", "bonus: weight decay",
           "weight decay subtracted from the gradient (dW - weight_decay * W) instead of added",
           NET,
           (DECAY, "grad_W = grad_W - self.weight_decay * self.W[i]"), {"weight_decay"}),
    mutant("weight_decay_on_biases", "bonus: weight decay",
           "weight decay applied to the biases too", NET,
           (STEP_B, "self.apply_momentum(self.b[i], self.b_velocity[i],\n"
                    "                                self.db[i] + self.weight_decay * self.b[i])"),
           {"weight_decay"}),
    mutant("weight_decay_halved", "bonus: weight decay",
           "the penalty 0.5 * weight_decay * ||W||^2 differentiated as 0.5 * weight_decay * W "
           "instead of weight_decay * W", NET,
           (DECAY, "grad_W = grad_W + 0.5 * self.weight_decay * self.W[i]"), {"weight_decay"}),
    # ------------------------------------------------------------ BatchNorm: statistics
    mutant("bn_unbiased_variance", "BatchNorm statistics (train)",
           "BatchNorm variance divided by batch - 1 (ddof=1) instead of batch", BN,
           (BN_VAR, "self.var = x.var(axis=0, ddof=1, keepdims=True)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_statistics_over_features", "BatchNorm statistics (train) / reductions",
           "BatchNorm mean and variance taken over axis 1 (the features, as in layer norm) "
           "instead of axis 0 (the batch)", BN,
           ((BN_MEAN, "self.mean = x.mean(axis=1, keepdims=True)"),
            (BN_VAR, "self.var = x.var(axis=1, keepdims=True)")),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_eps_outside_sqrt", "BatchNorm statistics (train) / stability",
           "BatchNorm divides by sqrt(var) + eps instead of sqrt(var + eps)", BN,
           (BN_NORM, "self.norm = (x - self.mean) / (np.sqrt(self.var) + self.eps)"),
           {"batchnorm_train"}),
    mutant("bn_running_alpha_swapped", "BatchNorm statistics (running)",
           "running averages with alpha and 1 - alpha swapped: (1 - alpha) * running + alpha * "
           "batch", BN,
           ((RUNNING_MEAN, "self.running_mean = (1.0 - self.alpha) * self.running_mean + "
                           "self.alpha * self.mean"),
            (RUNNING_VAR, "self.running_var = (1.0 - self.alpha) * self.running_var + "
                          "self.alpha * self.var")),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_running_var_unbiased", "BatchNorm statistics (running)",
           "running variance updated with the unbiased batch variance (times n / (n - 1), as "
           "PyTorch does)", BN,
           (RUNNING_VAR, "self.running_var = self.alpha * self.running_var + "
                         "(1.0 - self.alpha) * self.var * len(x) / max(len(x) - 1, 1)"),
           {"batchnorm_train", "batchnorm_inference"}),
    mutant("bn_running_stats_not_updated", "BatchNorm statistics (running)",
           "running_mean and running_var are never updated", BN,
           ((RUNNING_MEAN, "pass"), (RUNNING_VAR, "pass")),
           {"batchnorm_train", "batchnorm_inference"}),
    # ------------------------------------------------------------ BatchNorm: eval
    mutant("bn_eval_uses_batch_statistics", "BatchNorm statistics (eval)",
           "BatchNorm in eval mode normalises with the batch's own mean and variance instead of "
           "the running ones", BN,
           (EVAL_NORM, "norm = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + self.eps)"),
           {"batchnorm_inference"}),
    mutant("bn_eval_updates_running_mean", "BatchNorm statistics (eval)",
           "BatchNorm in eval mode still updates the running mean", BN,
           (EVAL_RETURN, "            self.running_mean = self.alpha * self.running_mean + "
                         "(1.0 - self.alpha) * x.mean(axis=0, keepdims=True)\n" + EVAL_RETURN),
           {"batchnorm_inference"}),
    mutant("bn_eval_without_affine", "BatchNorm statistics (eval)",
           "BatchNorm in eval mode returns the normalised input without applying gamma and beta",
           BN,
           (EVAL_RETURN, "            return norm\n"), {"batchnorm_inference"}),
    mutant("bn_eval_eps_outside_sqrt", "BatchNorm statistics (eval) / stability",
           "BatchNorm in eval mode divides by sqrt(running_var) + eps instead of "
           "sqrt(running_var + eps)", BN,
           (EVAL_NORM, "norm = (x - self.running_mean) / (np.sqrt(self.running_var) + self.eps)"),
           {"batchnorm_inference"}),
    # ------------------------------------------------------------ BatchNorm: backward
    mutant("bn_backward_ignores_statistics", "BatchNorm backward",
           "BatchNorm dx = delta * gamma / sqrt(var + eps), as if the batch mean and variance "
           "did not depend on x", BN,
           (BN_DX, "return inv_std * dnorm"), {"batchnorm_train"}),
    mutant("bn_backward_drops_variance_term", "BatchNorm backward",
           "BatchNorm dx keeps the term that comes from the batch mean but drops the one from "
           "the variance", BN,
           (BN_DX, "return inv_std * (dnorm - dnorm.mean(axis=0, keepdims=True))"),
           {"batchnorm_train"}),
    mutant("bn_backward_dgamma_from_x", "BatchNorm backward",
           "dgamma summed from delta * x instead of delta * norm", BN,
           ("self.dgamma = (delta * self.norm).sum(axis=0, keepdims=True)",
            "self.dgamma = (delta * self.x).sum(axis=0, keepdims=True)"), {"batchnorm_train"}),
    mutant("bn_backward_dbeta_mean", "BatchNorm backward / reductions",
           "dbeta averaged over the batch instead of summed", BN,
           ("self.dbeta = delta.sum(axis=0, keepdims=True)",
            "self.dbeta = delta.mean(axis=0, keepdims=True)"), {"batchnorm_train"}),
    mutant("bn_backward_forgets_gamma", "BatchNorm backward",
           "BatchNorm backward forgets the factor gamma: the gradient with respect to norm taken"
           " as delta instead of delta * gamma", BN,
           ("dnorm = delta * self.gamma", "dnorm = delta"), {"batchnorm_train"}),
    # ------------------------------------------------------------ training loop protocol
    mutant("train_shuffles_once", "training loop",
           "training data shuffled once before the first epoch instead of at the start of every "
           "epoch", LOOP,
           ((SHUFFLE, ""), ("    for epoch in range(nepochs):\n",
                            "    idx = np.arange(n_train)\n    np.random.shuffle(idx)\n"
                            "    for epoch in range(nepochs):\n")),
           {"training_stats"}),
    mutant("train_never_shuffles", "training loop",
           "training data never shuffled: batches in the stored order", LOOP,
           ("        np.random.shuffle(idx)\n", ""), {"training_stats"}),
    mutant("train_drops_last_batch", "training loop",
           "the last, smaller batch of each epoch is dropped", LOOP,
           ("range(0, n_train, batch_size)", "range(0, n_train - batch_size + 1, batch_size)"),
           {"training_stats"}),
    mutant("train_labels_not_shuffled", "training loop",
           "inputs shuffled but labels taken in the stored order", LOOP,
           ("x, y = trainx[batch], trainy[batch]",
            "x, y = trainx[batch], trainy[start:start + batch_size]"), {"training_stats"}),
    mutant("train_loss_mean_of_batch_means", "training loop / reductions",
           "training loss as the average of the batch means, which gives the smaller last batch "
           "too much weight", LOOP,
           (("loss_sum += np.sum(mlp.criterion.loss)", "loss_sum += np.mean(mlp.criterion.loss)"),
            ("training_losses[epoch] = loss_sum / n_train",
             "training_losses[epoch] = loss_sum / -(-n_train // batch_size)")),
           {"training_stats"}),
    mutant("train_error_counts_correct", "training loop",
           "training error counts the correct predictions instead of the wrong ones", LOOP,
           ("out.argmax(axis=1) != y.argmax(axis=1)", "out.argmax(axis=1) == y.argmax(axis=1)"),
           {"training_stats"}),
    mutant("train_never_calls_train", "training loop",
           "after the first validation the MLP is never put back in training mode", LOOP,
           ("        mlp.train()\n", ""), {"training_stats"}),
    mutant("train_never_calls_eval", "training loop",
           "validation runs with the MLP in training mode",
           LOOP, ("        mlp.eval()\n", ""), {"training_stats"}),
    mutant("train_without_zero_grads", "training loop",
           "zero_grads() is not called before each batch, so gradients pile up",
           LOOP, ("            mlp.zero_grads()\n", ""),
           {"training_stats"}),
    mutant("train_without_step", "training loop",
           "step() is never called: nothing is learned", LOOP, ("            mlp.step()\n", ""),
           {"training_stats"}),
    mutant("train_backward_on_validation", "training loop",
           "backward() is called on the validation batch", LOOP,
           ("        out = mlp.forward(valx)\n",
            "        out = mlp.forward(valx)\n        mlp.backward(valy)\n"), {"training_stats"}),
    mutant("train_validates_on_test", "training loop",
           "the test split used as validation data", LOOP,
           ("(trainx, trainy), (valx, valy), _ = dset", "(trainx, trainy), _, (valx, valy) = dset"),
           {"training_stats"}),
    mutant("train_error_as_percent", "training loop",
           "training error in percent instead of a fraction", LOOP,
           ("training_errors[epoch] = mistakes / n_train",
            "training_errors[epoch] = 100.0 * mistakes / n_train"), {"training_stats"}),
    # ------------------------------------------------------------ vectorisation (sample loops)
    mutant("loop_affine_per_sample", "vectorisation",
           "MLP forward computes x @ W one sample at a time in a Python loop", NET,
           (AFFINE, "z = np.array([row @ self.W[i] for row in h]).reshape(len(h), -1) "
                    "+ self.b[i]"), {"vectorisation"}),
    mutant("loop_dW_per_sample", "vectorisation",
           "dW accumulated as a sum of per-sample outer products in a Python loop", NET,
           (DW, "self.dW[i] = np.zeros_like(self.W[i])\n"
                "            for h_n, d_n in zip(self.layer_inputs[i], delta):\n"
                "                self.dW[i] += np.outer(h_n, d_n)"), {"vectorisation"}),
    mutant("loop_sigmoid_per_sample", "vectorisation",
           "Sigmoid computed row by row in a Python loop", ACT,
           ("        e = np.exp(-np.abs(x))\n"
            "        self.state = np.where(x >= 0, 1.0, e) / (1.0 + e)\n",
            "        rows = []\n        for row in np.atleast_2d(x):\n"
            "            e = np.exp(-np.abs(row))\n"
            "            rows.append(np.where(row >= 0, 1.0, e) / (1.0 + e))\n"
            "        self.state = np.array(rows).reshape(np.shape(x))\n"), {"vectorisation"}),
    mutant("loop_softmax_per_sample", "vectorisation",
           "softmax cross-entropy computed one sample at a time in a Python loop", LOSS,
           ("        shifted = x - x.max(axis=1, keepdims=True)\n"
            "        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n",
            "        log_softmax = np.zeros_like(x, dtype=float)\n"
            "        for n in range(len(x)):\n"
            "            shifted = x[n] - x[n].max()\n"
            "            log_softmax[n] = shifted - np.log(np.exp(shifted).sum())\n"),
           {"vectorisation"}),
    mutant("loop_batchnorm_backward_per_sample", "vectorisation",
           "BatchNorm dx computed row by row in a Python loop", BN,
           (BN_DX, "mean_g = dnorm.mean(axis=0)\n"
                   "        mean_gn = (dnorm * self.norm).mean(axis=0)\n"
                   "        dx = np.empty_like(dnorm)\n"
                   "        for n in range(len(dnorm)):\n"
                   "            dx[n] = inv_std * (dnorm[n] - mean_g - self.norm[n] * mean_gn)\n"
                   "        return dx"), {"vectorisation"}),
]

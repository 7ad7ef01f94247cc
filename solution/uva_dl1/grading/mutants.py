"""The uva_dl1 mutation catalogue: classic mistakes in the course's code, as data.

A mutant is one plausible student mistake: text edits to one file of a copy of
solution/uva_dl1/code/. ``targets`` are the rubric items that MUST catch it (each loses points);
every other item must keep full marks unless one of its cases lists a target in ``uses``.

Among them, every blind spot of the course's own unittests.py (issue 18): LeakyReLU with a
slope other than 0 (its tests use 0), the bias gradient (never checked), the BatchNorm Function
called with a gamma that needs no gradient, the batch loss as a mean or a sum, and the two
MLPs and the ConvNet (never tested at all).

Never a mutant, because it is correct: weights stored (in, out) with x @ W, biases (out, 1) or
(1, out), a cross entropy computed from logits with log-sum-exp: tests/alternatives/uva_dl1/.
"""
from __future__ import annotations

from autograder.references.mutation import Mutant, mutant  # noqa: F401

MODULES, MLP_NUMPY, MLP_PYTORCH = "modules.py", "mlp_numpy.py", "mlp_pytorch.py"
BATCHNORM, CONVNET = "custom_batchnorm.py", "convnet_pytorch.py"

WEIGHT_INIT = "np.random.normal(0.0, 0.0001, (out_features, in_features)),"
BIAS_INIT = ("0.0001, (out_features, in_features)),\n"
             "                       'bias': np.zeros(out_features)}")
GRADS_INIT = "self.grads = {'weight': np.zeros((out_features, in_features)),"
FORWARD = "return x @ self.params['weight'].T + self.params['bias']"
GRAD_WEIGHT = "self.grads['weight'] = dout.T @ self.x"
GRAD_BIAS = "self.grads['bias'] = dout.sum(axis=0)"
DX = "return dout @ self.params['weight']\n"
LEAKY_FORWARD = "return np.where(x > 0, x, self.neg_slope * x)"
LEAKY_BACKWARD = "return np.where(self.x > 0, dout, self.neg_slope * dout)"
SOFTMAX_SHIFT = "shifted = np.exp(x - x.max(axis=1, keepdims=True))"
SOFTMAX_NORMALISE = "self.out = shifted / shifted.sum(axis=1, keepdims=True)"
SOFTMAX_BACKWARD = "return p * (dout - (dout * p).sum(axis=1, keepdims=True))"
CE_FORWARD = "return float(-np.sum(y * np.log(x)) / x.shape[0])"
CE_BACKWARD = "return -y / x / x.shape[0]"

NP_SIZES = "sizes = [n_inputs] + list(n_hidden) + [n_classes]\n        self.layers = []"
NP_ACTIVATION = ("            if index < len(sizes) - 2:\n"
                 "                self.layers.append(LeakyReLUModule(neg_slope))\n")
NP_SOFTMAX = "        self.layers.append(SoftMaxModule())\n"
NP_BACKWARD = "for layer in reversed(self.layers):\n            dout = layer.backward(dout)"

PT_ACTIVATION = ("            if index < len(sizes) - 2:\n"
                 "                layers.append(nn.LeakyReLU(neg_slope))\n")
PT_FORWARD = "return self.layers(x)"

SHAPE_CHECK = ("        if input.dim() != 2 or input.shape[1] != self.n_neurons:\n"
               "            raise ValueError(f\"expected an input of shape (batch, "
               "{self.n_neurons}), \"\n"
               "                             f\"got {tuple(input.shape)}\")\n")
AUTOGRAD_STATS = ("        mean = input.mean(dim=0)\n"
                  "        var = input.var(dim=0, unbiased=False)\n")
AUTOGRAD_NORMALISE = "normalised = (input - mean) / torch.sqrt(var + self.eps)"
FUNCTION_STD = "inverse_std = 1.0 / torch.sqrt((centred ** 2).mean(dim=0) + eps)"
BRANCHES = "grad_input = grad_gamma = grad_beta = None\n        if ctx.needs_input_grad[0]:"
INPUT_TERM = "                - normalised * (grad_output * normalised).mean(dim=0))"
GAMMA_BRANCH = "if ctx.needs_input_grad[1]:"
GRAD_BETA = "grad_beta = grad_output.sum(dim=0)"
RETURN_FOUR = "return grad_input, grad_gamma, grad_beta, None"
MODULE_APPLY = "return CustomBatchNormManualFunction.apply(input, self.gamma, self.beta, self.eps)"

CONV_BLOCK = ("layers += [nn.Conv2d(fan_in, sizes[1], kernel_size=3, stride=1, padding=1),\n"
              "                           nn.BatchNorm2d(sizes[1]), nn.ReLU()]")
POOL = "layers.append(nn.MaxPool2d(kernel_size=3, stride=2, padding=1))"
CONV_INPUT = "fan_in = n_channels if not layers else sizes[0]"

MUTANTS: list[Mutant] = [
    # ------------------------------------------------------------ LinearModule
    mutant("linear_weight_init_too_wide", "LinearModule / initialisation",
           "weights drawn from N(0, 0.01^2) instead of N(0, 0.0001^2)",
           MODULES, (WEIGHT_INIT, "np.random.normal(0.0, 0.01, (out_features, in_features)),"),
           {"linear"}),
    mutant("linear_bias_init_ones", "LinearModule / initialisation",
           "the bias starts at one instead of zero",
           MODULES, (BIAS_INIT, BIAS_INIT.replace("np.zeros", "np.ones")), {"linear"}),
    mutant("linear_grads_start_as_none", "LinearModule / initialisation",
           "grads['weight'] is None until backward runs (the text asks for zeros)",
           MODULES, (GRADS_INIT, "self.grads = {'weight': None,"), {"linear"}),
    mutant("linear_forward_without_bias", "LinearModule / forward",
           "forward forgets + b", MODULES, (FORWARD, "return x @ self.params['weight'].T"),
           {"linear"}),
    mutant("linear_grad_bias_mean_over_batch", "LinearModule / reductions",
           "the bias gradient averaged over the batch instead of summed (the mean loss already "
           "divides by the batch size): the course's tests never check it",
           MODULES, (GRAD_BIAS, "self.grads['bias'] = dout.mean(axis=0)"), {"linear"}),
    mutant("linear_grad_weight_divided_by_batch", "LinearModule / reductions",
           "the weight gradient divided by the batch size a second time",
           MODULES, (GRAD_WEIGHT, "self.grads['weight'] = dout.T @ self.x / dout.shape[0]"),
           {"linear"}),
    mutant("linear_grad_weight_transposed", "LinearModule / layout",
           "grads['weight'] = x^T dout, the transpose of params['weight']'s layout",
           MODULES, (GRAD_WEIGHT, "self.grads['weight'] = self.x.T @ dout"), {"linear"}),
    mutant("linear_dx_with_bias_gradient", "LinearModule / backward",
           "dx adds the bias, as forward does",
           MODULES, (DX, "return dout @ self.params['weight'] + self.params['bias'][0]\n"),
           {"linear"}),
    # ------------------------------------------------------------ LeakyReLUModule
    mutant("leaky_relu_forward_is_relu", "LeakyReLU / slope",
           "the negative part is set to 0, ignoring neg_slope (right only for slope 0, the only "
           "slope the course's tests try)",
           MODULES, (LEAKY_FORWARD, "return np.where(x > 0, x, 0.0)"), {"leaky_relu"}),
    mutant("leaky_relu_backward_is_relu", "LeakyReLU / slope",
           "backward passes no gradient through the negative part (right only for slope 0)",
           MODULES, (LEAKY_BACKWARD, "return np.where(self.x > 0, dout, 0.0)"), {"leaky_relu"}),
    mutant("leaky_relu_negative_part_sign", "LeakyReLU / slope",
           "the negative part is -neg_slope * x (the wrong sign)",
           MODULES, (LEAKY_FORWARD, "return np.where(x > 0, x, -self.neg_slope * x)"),
           {"leaky_relu"}),
    mutant("leaky_relu_backward_slope_sign", "LeakyReLU / slope",
           "backward multiplies the negative part's gradient by -neg_slope",
           MODULES, (LEAKY_BACKWARD, "return np.where(self.x > 0, dout, -self.neg_slope * dout)"),
           {"leaky_relu"}),
    mutant("leaky_relu_backward_mask_from_dout", "LeakyReLU / backward",
           "the mask of backward taken from the upstream gradient instead of the input",
           MODULES, (LEAKY_BACKWARD, "return np.where(dout > 0, dout, self.neg_slope * dout)"),
           {"leaky_relu"}),
    # ------------------------------------------------------------ SoftMaxModule
    mutant("softmax_without_max_trick", "Softmax / stability",
           "exp(x) without subtracting the row maximum: overflows for large logits",
           MODULES, (SOFTMAX_SHIFT, "shifted = np.exp(x)"), {"softmax"}),
    mutant("softmax_normalises_columns", "Softmax / axis",
           "each column normalised (sum over the batch) instead of each row",
           MODULES, (SOFTMAX_NORMALISE, "self.out = shifted / shifted.sum(axis=0, keepdims=True)"),
           {"softmax"}),
    mutant("softmax_backward_diagonal_only", "Softmax / backward",
           "backward uses only the diagonal of the Jacobian, p (1 - p) dout",
           MODULES, (SOFTMAX_BACKWARD, "return p * (1 - p) * dout"), {"softmax"}),
    mutant("softmax_backward_sums_over_batch", "Softmax / backward",
           "the sum of dout * p taken over the batch instead of over the classes",
           MODULES, (SOFTMAX_BACKWARD,
                     "return p * (dout - (dout * p).sum(axis=0, keepdims=True))"), {"softmax"}),
    # ------------------------------------------------------------ CrossEntropyModule
    mutant("cross_entropy_sum_over_batch", "Cross entropy / reductions",
           "the batch loss is the SUM of the per-sample losses (and its gradient that of the "
           "sum); the text asks for the mean",
           MODULES, ((CE_FORWARD, "return float(-np.sum(y * np.log(x)))"),
                     (CE_BACKWARD, "return -y / x")), {"cross_entropy"}),
    mutant("cross_entropy_backward_not_averaged", "Cross entropy / reductions",
           "backward forgets the 1/batch of the mean loss",
           MODULES, (CE_BACKWARD, "return -y / x"), {"cross_entropy"}),
    mutant("cross_entropy_backward_sign", "Cross entropy / backward",
           "dx = y / x / batch: the minus sign lost",
           MODULES, (CE_BACKWARD, "return y / x / x.shape[0]"), {"cross_entropy"}),
    mutant("cross_entropy_divides_by_classes", "Cross entropy / reductions",
           "the loss divided by the number of classes instead of the batch size",
           MODULES, (CE_FORWARD, "return float(-np.sum(y * np.log(x)) / x.shape[1])"),
           {"cross_entropy"}),
    # ------------------------------------------------------------ NumPy MLP
    mutant("mlp_numpy_activation_after_output", "NumPy MLP / layers",
           "a LeakyReLU after the output layer too, before the softmax",
           MLP_NUMPY, (NP_ACTIVATION, "            self.layers.append(LeakyReLUModule(neg_slope))\n"),
           {"mlp_numpy"}),
    mutant("mlp_numpy_ignores_neg_slope", "NumPy MLP / layers",
           "the hidden layers use slope 0 whatever neg_slope says (the course never tests the "
           "MLP)", MLP_NUMPY, ("LeakyReLUModule(neg_slope)", "LeakyReLUModule(0.0)"),
           {"mlp_numpy"}),
    mutant("mlp_numpy_without_softmax", "NumPy MLP / layers",
           "forward returns the last layer's scores: no softmax module",
           MLP_NUMPY, (NP_SOFTMAX, ""), {"mlp_numpy"}),
    mutant("mlp_numpy_first_hidden_layer_only", "NumPy MLP / layers",
           "only the first entry of n_hidden becomes a layer",
           MLP_NUMPY, (NP_SIZES, NP_SIZES.replace("list(n_hidden)", "list(n_hidden[:1])")),
           {"mlp_numpy"}),
    mutant("mlp_numpy_backward_skips_softmax", "NumPy MLP / backward",
           "backward starts below the softmax, as if dout were already the gradient of its "
           "input", MLP_NUMPY, (NP_BACKWARD, "for layer in reversed(self.layers[:-1]):\n"
                                             "            dout = layer.backward(dout)"),
           {"mlp_numpy"}),
    # ------------------------------------------------------------ PyTorch MLP
    mutant("mlp_pytorch_returns_probabilities", "PyTorch MLP / output",
           "forward applies a softmax: nn.CrossEntropyLoss expects logits",
           MLP_PYTORCH, (PT_FORWARD, "return nn.functional.softmax(self.layers(x), dim=1)"),
           {"mlp_pytorch"}),
    mutant("mlp_pytorch_relu_not_leaky", "PyTorch MLP / slope",
           "nn.ReLU in the hidden layers, ignoring neg_slope",
           MLP_PYTORCH, ("layers.append(nn.LeakyReLU(neg_slope))", "layers.append(nn.ReLU())"),
           {"mlp_pytorch"}),
    mutant("mlp_pytorch_activation_after_output", "PyTorch MLP / layers",
           "a LeakyReLU after the output layer too",
           MLP_PYTORCH, (PT_ACTIVATION, "            layers.append(nn.LeakyReLU(neg_slope))\n"),
           {"mlp_pytorch"}),
    mutant("mlp_pytorch_hidden_sizes_reversed", "PyTorch MLP / layers",
           "the hidden layers built in reverse order of n_hidden",
           MLP_PYTORCH, ("sizes = [n_inputs] + list(n_hidden) + [n_classes]",
                         "sizes = [n_inputs] + list(n_hidden)[::-1] + [n_classes]"),
           {"mlp_pytorch"}),
    # ------------------------------------------------------------ BatchNorm, autograd
    mutant("bn_autograd_bessel_variance", "BatchNorm / variance",
           "torch.var with Bessel's correction (unbiased=True): the text's variance has none",
           BATCHNORM, (AUTOGRAD_STATS, AUTOGRAD_STATS.replace(", unbiased=False", "")),
           {"bn_autograd"}),
    mutant("bn_autograd_without_shape_check", "BatchNorm / shape check",
           "forward accepts an input of any shape",
           BATCHNORM, (SHAPE_CHECK + AUTOGRAD_STATS, AUTOGRAD_STATS), {"bn_autograd"}),
    mutant("bn_autograd_eps_outside_sqrt", "BatchNorm / eps",
           "sqrt(var) + eps instead of sqrt(var + eps)",
           BATCHNORM, (AUTOGRAD_NORMALISE,
                       "normalised = (input - mean) / (torch.sqrt(var) + self.eps)"),
           {"bn_autograd"}),
    mutant("bn_autograd_statistics_per_sample", "BatchNorm / axis",
           "mean and variance taken over the neurons of each sample instead of over the batch",
           BATCHNORM, (AUTOGRAD_STATS, "        mean = input.mean(dim=1, keepdim=True)\n"
                                       "        var = input.var(dim=1, unbiased=False, "
                                       "keepdim=True)\n"), {"bn_autograd"}),
    # ------------------------------------------------------------ BatchNorm, Function
    mutant("bn_function_grad_input_needs_grad_gamma", "BatchNorm Function / needs_input_grad",
           "grad_input reuses grad_gamma, which exists only when gamma needs a gradient: a "
           "crash when it does not (the course's tests always ask for every gradient)",
           BATCHNORM, ((BRANCHES, "grad_input = grad_gamma = grad_beta = None\n"
                                  "        if ctx.needs_input_grad[1]:\n"
                                  "            grad_gamma = (grad_output * normalised).sum(dim=0)\n"
                                  "        if ctx.needs_input_grad[0]:"),
                       (INPUT_TERM, "                - normalised * grad_gamma / "
                                    "grad_output.shape[0])")), {"bn_function"}),
    mutant("bn_function_ignores_needs_input_grad", "BatchNorm Function / needs_input_grad",
           "backward computes and returns grad_gamma whether or not it is needed",
           BATCHNORM, (GAMMA_BRANCH, "if True:"), {"bn_function"}),
    mutant("bn_function_grad_beta_mean", "BatchNorm Function / backward",
           "grad_beta averaged over the batch instead of summed",
           BATCHNORM, (GRAD_BETA, "grad_beta = grad_output.mean(dim=0)"), {"bn_function"}),
    mutant("bn_function_grad_input_missing_term", "BatchNorm Function / backward",
           "grad_input forgets the term through the variance",
           BATCHNORM, ("\n" + INPUT_TERM, ")"), {"bn_function"}),
    mutant("bn_function_bessel_variance", "BatchNorm Function / variance",
           "the variance divided by batch - 1 in forward (backward assumes the batch size)",
           BATCHNORM, (FUNCTION_STD, "inverse_std = 1.0 / torch.sqrt((centred ** 2).sum(dim=0) "
                                     "/ (input.shape[0] - 1) + eps)"), {"bn_function"}),
    mutant("bn_function_returns_three_gradients", "BatchNorm Function / backward",
           "backward returns three values: autograd wants one per forward input, eps included",
           BATCHNORM, (RETURN_FOUR, "return grad_input, grad_gamma, grad_beta"),
           {"bn_function"}),
    # ------------------------------------------------------------ BatchNorm, manual module
    mutant("bn_module_bypasses_function", "BatchNorm module / Function",
           "the module normalises with autograd operations instead of calling the Function",
           BATCHNORM, (MODULE_APPLY, "return CustomBatchNormAutograd.forward(self, input)"),
           {"bn_module"}),
    mutant("bn_module_without_shape_check", "BatchNorm module / shape check",
           "the manual module accepts an input of any shape",
           BATCHNORM, (SHAPE_CHECK + "        " + MODULE_APPLY, "        " + MODULE_APPLY),
           {"bn_module"}),
    mutant("bn_module_drops_eps", "BatchNorm module / eps",
           "the module does not pass its eps to the Function (the default 1e-5 is used)",
           BATCHNORM, (MODULE_APPLY, MODULE_APPLY.replace(", self.eps)", ")")), {"bn_module"}),
    # ------------------------------------------------------------ ConvNet
    mutant("convnet_pool_without_padding", "ConvNet / Table 1",
           "max pools without padding (Table 1 pads by 1)",
           CONVNET, (POOL, POOL.replace("padding=1", "padding=0")), {"convnet"}),
    mutant("convnet_without_batchnorm", "ConvNet / Table 1",
           "conv blocks without BatchNorm",
           CONVNET, (CONV_BLOCK, CONV_BLOCK.replace("nn.BatchNorm2d(sizes[1]), ", "")),
           {"convnet"}),
    mutant("convnet_relu_before_batchnorm", "ConvNet / Table 1",
           "ReLU before BatchNorm in every block",
           CONVNET, (CONV_BLOCK, CONV_BLOCK.replace("nn.BatchNorm2d(sizes[1]), nn.ReLU()",
                                                    "nn.ReLU(), nn.BatchNorm2d(sizes[1])")),
           {"convnet"}),
    mutant("convnet_kernel_five", "ConvNet / Table 1",
           "5x5 convolutions (padding 2) instead of 3x3",
           CONVNET, (CONV_BLOCK, CONV_BLOCK.replace("kernel_size=3, stride=1, padding=1",
                                                    "kernel_size=5, stride=1, padding=2")),
           {"convnet"}),
    mutant("convnet_average_pooling", "ConvNet / Table 1",
           "average pooling instead of max pooling",
           CONVNET, (POOL, POOL.replace("MaxPool2d", "AvgPool2d")), {"convnet"}),
    mutant("convnet_ignores_n_channels", "ConvNet / input",
           "the first convolution always takes 3 channels, whatever n_channels says",
           CONVNET, (CONV_INPUT, "fan_in = 3 if not layers else sizes[0]"), {"convnet"}),
]

"""The BYOMLP mutation catalogue: every mutant as data.

A mutant is one plausible student mistake: text edits to one file of a copy of the solution
(mlp.py or a notebook; `file` is relative to solution/byomlp/, which holds the submission's
files side by side). ``targets`` are the rubric items that MUST catch it. Every other item must
keep full marks unless one of its cases lists a target in ``uses`` (the notebooks' trained-model
cases run the student's MLP on purpose, and are then not scored).

Never a mutant, because it is correct (tests/alternatives/byomlp/ holds them): parameters kept
in dicts, lists, layer objects or separate lists; weights stored (m_prev, m) and used as
h @ W; gradients in lists of their own; step that rebinds the arrays; zero_grad that makes
fresh zero arrays.

Notebook edits are made on the .ipynb JSON text, where a quote is written \\".
"""
from __future__ import annotations

from autograder.references.mutation import Mutant, mutant  # noqa: F401

MLP, CLASSIFICATION, AUTOENCODER = "mlp.py", "Classification.ipynb", "Autoencoder.ipynb"

AFFINE = 'a = layer["W"] @ h + layer["b"]'
FIRST = "first = 0 if start is None else names.index(start)"
LAST = "last = len(self.layers) - 1 if end is None else names.index(end)"
INIT_W = "W = 0.1 * np.random.randn(m, prev)"
INIT_B = "b = 0.1 * np.random.randn(m)"
LOSS = "g = self.est_lossderiv(y_est, y)"
LAST_FDERIV = ('        if last["fderiv"] is not None:\n'
               '            g = g * last["fderiv"](self.a[-1])\n')
GRAD_W = 'layer["dW"] += np.outer(g, self.h_in[k])'
GRAD_B = 'layer["db"] += g'
HIDDEN = 'g = (layer["W"].T @ g) * self.layers[k - 1]["fderiv"](self.a[k - 1])'
LAYERS_BACK = "for k in range(len(self.layers) - 1, -1, -1):"
STEP_W = 'layer["W"] -= alpha * layer["dW"]'
STEP_B = '            layer["b"] -= alpha * layer["db"]\n'
ZERO_W = '            layer["dW"][...] = 0.0\n'
ZERO_B = '            layer["db"][...] = 0.0\n'

F, B = "forward", "backpropagation"
C, A = "classification", "autoencoder"

MUTANTS = [
    # ---------------------------------------------------------------- add_layer and forward
    mutant("forward_bias_left_out", "forward",
           "forward computes W @ h without adding the bias",
           MLP, [(AFFINE, 'a = layer["W"] @ h')], [F]),
    mutant("forward_start_one_layer_late", "forward",
           "start=name feeds x to the layer AFTER the named one",
           MLP, [(FIRST, "first = 0 if start is None else names.index(start) + 1")], [F]),
    mutant("forward_start_one_layer_early", "forward",
           "start=name feeds x to the layer BEFORE the named one",
           MLP, [(FIRST, "first = 0 if start is None else max(names.index(start) - 1, 0)")], [F]),
    mutant("forward_end_one_layer_early", "forward",
           "end=name returns the output of the layer before the named one",
           MLP, [(LAST, "last = len(self.layers) - 1 if end is None else names.index(end) - 1")],
           [F]),
    mutant("forward_end_one_layer_late", "forward",
           "end=name returns the output of the layer after the named one",
           MLP, [(LAST, "last = len(self.layers) - 1 if end is None else "
                        "min(names.index(end) + 1, len(self.layers) - 1)")], [F]),
    mutant("forward_ignores_end", "forward",
           "forward always runs to the last layer, whatever end says",
           MLP, [(LAST, "last = len(self.layers) - 1")], [F]),
    mutant("forward_ignores_start", "forward",
           "forward always starts at the first layer, whatever start says",
           MLP, [(FIRST, "first = 0")], [F]),
    mutant("weights_not_scaled", "add_layer",
           "the weights are np.random.randn without the factor 0.1",
           MLP, [(INIT_W, "W = np.random.randn(m, prev)")], [F]),
    mutant("bias_not_scaled", "add_layer",
           "the bias is np.random.randn without the factor 0.1",
           MLP, [(INIT_B, "b = np.random.randn(m)")], [F]),
    mutant("weights_uniform", "add_layer",
           "the weights are drawn with np.random.rand (uniform in [0, 1)) instead of randn",
           MLP, [(INIT_W, "W = 0.1 * np.random.rand(m, prev)")], [F]),
    mutant("bias_zero", "add_layer",
           "the bias starts at zero instead of 0.1 * randn",
           MLP, [(INIT_B, "b = np.zeros(m)")], [F]),
    mutant("bias_two_dimensional", "add_layer",
           "the bias is a column (m, 1), used consistently, instead of a 1-D array (m,)",
           MLP, [(INIT_B, "b = 0.1 * np.random.randn(m, 1)"),
                 (AFFINE, 'a = layer["W"] @ h + layer["b"][:, 0]'),
                 (GRAD_B, 'layer["db"] += g[:, None]')], [F]),
    # ---------------------------------------------------------------- backward, step, zero_grad
    mutant("weight_gradients_overwritten", "backward",
           "backward sets dW to this example's gradient instead of adding to it",
           MLP, [(GRAD_W, 'layer["dW"] = np.outer(g, self.h_in[k])')], [B]),
    mutant("bias_gradients_overwritten", "backward",
           "backward sets db to this example's gradient instead of adding to it",
           MLP, [(GRAD_B, 'layer["db"] = g.copy()')], [B]),
    mutant("zero_grad_does_nothing", "zero_grad",
           "zero_grad leaves the accumulated gradients as they are",
           MLP, [(ZERO_W + ZERO_B, "            pass\n")], [B]),
    mutant("zero_grad_forgets_bias", "zero_grad",
           "zero_grad resets the weight gradients only",
           MLP, [(ZERO_B, "")], [B]),
    mutant("step_with_plus", "step",
           "step adds alpha times the gradient (gradient ascent)",
           MLP, [(STEP_W, 'layer["W"] += alpha * layer["dW"]')], [B]),
    mutant("step_forgets_bias", "step",
           "step updates the weights only",
           MLP, [(STEP_B, "")], [B]),
    mutant("last_fderiv_ignored", "backward",
           "the last layer's fderiv is never applied, even when it is given",
           MLP, [(LAST_FDERIV, "")], [B]),
    mutant("fderiv_of_h_not_a", "backward",
           "the hidden layers' derivative is taken at their output h instead of a",
           MLP, [(HIDDEN, 'g = (layer["W"].T @ g) * self.layers[k - 1]["fderiv"](self.h_in[k])')],
           [B]),
    mutant("fderiv_after_gradients", "backward",
           "a hidden layer's fderiv is applied after its dW and db were accumulated, not before",
           MLP, [(GRAD_B, 'layer["db"] += g\n'
                          '            if k < len(self.layers) - 1:\n'
                          '                g = g * layer["fderiv"](self.a[k])'),
                 (HIDDEN, 'g = layer["W"].T @ g')], [B]),
    mutant("weight_gradient_uses_a", "backward",
           "dW uses the previous layer's a (before its activation) instead of its output h",
           MLP, [(GRAD_W, 'layer["dW"] += np.outer(g, self.a[k - 1] if k else self.h_in[k])')],
           [B]),
    mutant("loss_arguments_swapped", "backward",
           "backward calls est_lossderiv(y, y_est) instead of est_lossderiv(y_est, y)",
           MLP, [(LOSS, "g = self.est_lossderiv(y, y_est)")], [B]),
    mutant("backward_skips_first_layer", "backward",
           "backpropagation stops before the first layer, whose gradients stay zero",
           MLP, [(LAYERS_BACK, "for k in range(len(self.layers) - 1, 0, -1):")], [B]),
    mutant("step_uses_alpha_squared", "step",
           "step moves the weights by alpha squared times the gradient",
           MLP, [(STEP_W, 'layer["W"] -= alpha * alpha * layer["dW"]')], [B]),
    # ---------------------------------------------------------------- the notebooks
    mutant("classification_wrong_width", "notebook",
           "the first network has 30 hidden neurons instead of 20",
           CLASSIFICATION, [("small.add_layer(20, ", "small.add_layer(30, ")], [C]),
    mutant("classification_missing_layer", "notebook",
           "the second network leaves out its 40-neuron ReLU layer",
           CLASSIFICATION, [('    "deep.add_layer(40, relu, relu_deriv)\\n",\n', "")], [C]),
    mutant("classification_never_trains", "notebook",
           "the training loop never calls step",
           CLASSIFICATION, [("net.step(alpha)", "net.zero_grad()")], [C]),
    mutant("autoencoder_wrong_latent_size", "notebook",
           "the latent layer has 3 neurons instead of 2",
           AUTOENCODER, [("autoencoder.add_layer(2, ", "autoencoder.add_layer(3, ")], [A]),
    mutant("autoencoder_never_trains", "notebook",
           "the training loop never calls step",
           AUTOENCODER, [("autoencoder.step(alpha)", "autoencoder.zero_grad()")], [A]),
    mutant("autoencoder_latent_not_logistic", "notebook",
           "the latent layer uses a leaky ReLU, so encodings leave [0, 1]^2",
           AUTOENCODER, [("autoencoder.add_layer(2, logistic, logistic_deriv",
                          "autoencoder.add_layer(2, leaky_relu, leaky_relu_deriv")], [A]),
    mutant("autoencoder_unnamed_up128", "notebook",
           "the layer after the latent one is not named \\\"up128\\\"",
           AUTOENCODER, [('leaky_relu_deriv, \\"up128\\")', "leaky_relu_deriv)")], [A]),
]

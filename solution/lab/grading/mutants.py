"""The weekly lab's mutation catalogue: one plausible student mistake per mutant.

A mutant is a text edit of the notebook (`file` is relative to solution/lab/, which holds the
notebook a student hands in). Edits are made on the .ipynb JSON text, so every
snippet goes through ``nb`` (a quote is written \\" there, a new line \\n). ``targets`` are the
rubric items that MUST catch it; every other item keeps full marks, except cases that run a
target's code on purpose (training runs the MLP, the gradcheck cell runs linear_backward), which
are then not scored.

Never a mutant, because it is correct (tests/alternatives/lab/ holds them): layers in an
nn.Sequential or as named attributes, F.relu or nn.ReLU modules, grad_W as (x.T @ grad_out).T,
grad_b as a (1, n_out) row, einsum, SGD with momentum instead of Adam, mini-batches.
"""
from __future__ import annotations

import json

from autograder.references.mutation import Mutant, mutant  # noqa: F401

NOTEBOOK = "mlp_lab.ipynb"


def nb(text: str) -> str:
    """``text`` as it is written inside a JSON string of the notebook."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def edit(old: str, new: str) -> tuple[str, str]:
    return nb(old), nb(new)


M, T, L, G = "mlp", "training", "linear_backward", "gradcheck"

RELU = "            x = torch.relu(layer(x))"
LOGITS = "        return self.layers[-1](x)"
SIZES = "        sizes = [n_inputs, *n_hidden, n_classes]"
ADAM = "optimizer = torch.optim.Adam(model.parameters(), lr=0.02)"
GRAD_X, GRAD_W, GRAD_B = ("    grad_x = grad_out @ W", "    grad_W = grad_out.T @ x",
                          "    grad_b = grad_out.sum(dim=0)")
RETURN = "    return grad_x, grad_W, grad_b"
AUTOGRAD_LAYER = ("    with torch.enable_grad():\n"
                  "        leaves = [t.detach().clone().requires_grad_() for t in (x, W, b)]\n"
                  "        out = leaves[0] @ leaves[1].T + leaves[2]\n")
COMPARE = "(x @ W.T + b).backward(grad_out)"
INPUTS = "inputs = tuple(t.detach().clone().requires_grad_() for t in (x, W, b))"
GRADCHECK = "torch.autograd.gradcheck(ManualLinear.apply, inputs, eps=1e-6, atol=1e-8)"

MUTANTS = [
    # ----------------------------------------------------------------------- A.1 the MLP
    mutant("mlp_no_nonlinearity", "mlp",
           "forward applies no ReLU between the layers: the MLP collapses to one linear map",
           NOTEBOOK, [edit(RELU, "            x = layer(x)")], [M]),
    mutant("mlp_relu_on_the_logits", "mlp",
           "forward also applies a ReLU after the last layer: logits can no longer be negative",
           NOTEBOOK, [edit(LOGITS, "        return torch.relu(self.layers[-1](x))")], [M]),
    mutant("mlp_softmax_output", "mlp",
           "forward returns softmax probabilities; nn.CrossEntropyLoss wants the logits",
           NOTEBOOK, [edit(LOGITS, "        return torch.softmax(self.layers[-1](x), dim=1)")],
           [M]),
    mutant("mlp_only_first_hidden_layer", "mlp",
           "the constructor builds only the first hidden layer of n_hidden",
           NOTEBOOK, [edit(SIZES, "        sizes = [n_inputs, *n_hidden[:1], n_classes]")], [M]),
    mutant("mlp_sigmoid_instead_of_relu", "mlp",
           "the hidden layers use a sigmoid where the handout asks for a ReLU",
           NOTEBOOK, [edit(RELU, "            x = torch.sigmoid(layer(x))")], [M]),
    # ----------------------------------------------------------------------- A.2 training
    mutant("training_never_zeroes_gradients", "training",
           "the training loop never zeroes the gradients, so they accumulate over the steps",
           NOTEBOOK, [edit("    optimizer.zero_grad()", "    pass  # gradients not zeroed")],
           [T]),
    mutant("training_never_steps", "training",
           "the training loop computes the gradients but never calls optimizer.step()",
           NOTEBOOK, [edit("    optimizer.step()", "    pass  # no optimizer step")], [T]),
    mutant("training_tiny_learning_rate", "training",
           "a learning rate a thousand times too small: the network barely moves",
           NOTEBOOK, [edit(ADAM, "optimizer = torch.optim.Adam(model.parameters(), lr=2e-5)")],
           [T]),
    mutant("training_labels_misaligned", "training",
           "the loss pairs the inputs with the labels in the wrong order",
           NOTEBOOK, [edit("loss_fn(model(X_train), y_train)",
                           "loss_fn(model(X_train), y_train.flip(0))")], [T]),
    # ----------------------------------------------------------------------- A.3 linear_backward
    mutant("backward_grad_W_transposed", "linear_backward",
           "grad_W is x.T @ grad_out, shaped (n_in, n_out) like W.T, not like W",
           NOTEBOOK, [edit(GRAD_W, "    grad_W = x.T @ grad_out")], [L]),
    mutant("backward_grad_x_uses_W_transposed", "linear_backward",
           "grad_x multiplies by W.T instead of W",
           NOTEBOOK, [edit(GRAD_X, "    grad_x = grad_out @ W.T")], [L]),
    mutant("backward_grad_b_mean", "linear_backward",
           "grad_b is the mean of grad_out over the batch; the bias's gradient is the sum",
           NOTEBOOK, [edit(GRAD_B, "    grad_b = grad_out.mean(dim=0)")], [L]),
    mutant("backward_grad_b_not_summed", "linear_backward",
           "grad_b is grad_out itself, one row per sample, not summed over the batch",
           NOTEBOOK, [edit(GRAD_B, "    grad_b = grad_out")], [L]),
    mutant("backward_by_autograd_grad", "linear_backward",
           "linear_backward returns torch.autograd.grad's answer: not a manual backward",
           NOTEBOOK, [edit(RETURN, AUTOGRAD_LAYER
                           + "        return torch.autograd.grad(out, leaves, grad_out)")], [L]),
    mutant("backward_by_tensor_backward", "linear_backward",
           "linear_backward calls .backward() and returns the .grad fields: not a manual backward",
           NOTEBOOK, [edit(RETURN, AUTOGRAD_LAYER + "        out.backward(grad_out)\n"
                           "        return tuple(t.grad for t in leaves)")], [L]),
    # ----------------------------------------------------------------------- A.4 the checks
    mutant("check_backward_twice", "gradcheck",
           "the comparison cell runs autograd's backward twice without zeroing: .grad doubles",
           NOTEBOOK, [edit(COMPARE, COMPARE + "\n" + COMPARE)], [G]),
    mutant("gradcheck_in_float32", "gradcheck",
           "gradcheck runs on float32 inputs, too coarse for finite differences",
           NOTEBOOK, [edit(INPUTS, "inputs = tuple(t.detach().float().requires_grad_() "
                                   "for t in (x, W, b))")], [G]),
    mutant("gradcheck_of_autograd_layer", "gradcheck",
           "gradcheck checks autograd's own linear layer, never the hand-written backward",
           NOTEBOOK, [edit(GRADCHECK, "torch.autograd.gradcheck(lambda x, W, b: x @ W.T + b, "
                                      "inputs, eps=1e-6, atol=1e-8)")], [G]),
]

"""Batch normalisation written by hand (part 3): once relying on autograd (3.1), once as a
torch.autograd.Function with its own backward (3.2).

For a batch x of shape (S, C) and every neuron i (a column):
    mu_i = mean_s x_si,   var_i = mean_s (x_si - mu_i)^2     (no Bessel correction)
    xhat_si = (x_si - mu_i) / sqrt(var_i + eps),   y_si = gamma_i xhat_si + beta_i
"""
import torch
import torch.nn as nn


class CustomBatchNormAutograd(nn.Module):
    """Batch norm as an nn.Module: the forward pass in elementary tensor operations, the
    backward pass left to autograd. Always uses the statistics of the batch it is given (no
    running averages)."""

    def __init__(self, n_neurons, eps=1e-5):
        """Registers gamma (ones) and beta (zeros), each (n_neurons,), as nn.Parameters.

        Args:
          n_neurons: number of neurons C
          eps: small constant added to the variance
        """
        super(CustomBatchNormAutograd, self).__init__()
        self.n_neurons = n_neurons
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(n_neurons))
        self.beta = nn.Parameter(torch.zeros(n_neurons))

    def forward(self, input):
        """input (S, n_neurons) -> out (S, n_neurons).

        Checks the input first: anything but a 2-D tensor with n_neurons columns raises an
        exception (a ValueError) saying what shape was expected.
        """
        if input.dim() != 2 or input.shape[1] != self.n_neurons:
            raise ValueError(f"expected an input of shape (batch, {self.n_neurons}), "
                             f"got {tuple(input.shape)}")
        mean = input.mean(dim=0)
        var = input.var(dim=0, unbiased=False)
        normalised = (input - mean) / torch.sqrt(var + self.eps)
        return self.gamma * normalised + self.beta


class CustomBatchNormManualFunction(torch.autograd.Function):
    """Batch norm as a torch.autograd.Function with a hand-written backward.

    Used as ``CustomBatchNormManualFunction.apply(input, gamma, beta, eps)``.
    """

    @staticmethod
    def forward(ctx, input, gamma, beta, eps=1e-5):
        """input (S, C), gamma (C,), beta (C,) -> out (S, C).

        Save for backward only what it needs (the normalised input and the inverse standard
        deviation suffice, with gamma) via ctx.save_for_backward; keep constants as ctx
        attributes.
        """
        mean = input.mean(dim=0)
        centred = input - mean
        inverse_std = 1.0 / torch.sqrt((centred ** 2).mean(dim=0) + eps)
        normalised = centred * inverse_std
        ctx.save_for_backward(normalised, inverse_std, gamma)
        return gamma * normalised + beta

    @staticmethod
    def backward(ctx, grad_output):
        """grad_output (S, C) -> (grad_input (S, C), grad_gamma (C,), grad_beta (C,), None).

        Compute only the gradients that ctx.needs_input_grad asks for; return None for the
        others (and always None for eps, which is not a tensor).
        With g = grad_output and xhat the normalised input:
            grad_gamma = sum_s g * xhat,   grad_beta = sum_s g,
            grad_input = gamma / sqrt(var + eps) * (g - mean_s g - xhat * mean_s (g * xhat)).
        """
        normalised, inverse_std, gamma = ctx.saved_tensors
        grad_input = grad_gamma = grad_beta = None
        if ctx.needs_input_grad[0]:
            grad_input = gamma * inverse_std * (
                grad_output - grad_output.mean(dim=0)
                - normalised * (grad_output * normalised).mean(dim=0))
        if ctx.needs_input_grad[1]:
            grad_gamma = (grad_output * normalised).sum(dim=0)
        if ctx.needs_input_grad[2]:
            grad_beta = grad_output.sum(dim=0)
        return grad_input, grad_gamma, grad_beta, None


class CustomBatchNormManualModule(nn.Module):
    """Batch norm as an nn.Module whose forward calls CustomBatchNormManualFunction."""

    def __init__(self, n_neurons, eps=1e-5):
        """Registers gamma (ones) and beta (zeros), each (n_neurons,), as nn.Parameters."""
        super(CustomBatchNormManualModule, self).__init__()
        self.n_neurons = n_neurons
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(n_neurons))
        self.beta = nn.Parameter(torch.zeros(n_neurons))

    def forward(self, input):
        """input (S, n_neurons) -> out (S, n_neurons); checks the input's shape as
        CustomBatchNormAutograd does, then applies the Function."""
        if input.dim() != 2 or input.shape[1] != self.n_neurons:
            raise ValueError(f"expected an input of shape (batch, {self.n_neurons}), "
                             f"got {tuple(input.shape)}")
        return CustomBatchNormManualFunction.apply(input, self.gamma, self.beta, self.eps)

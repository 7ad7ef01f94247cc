"""The multi-layer perceptron of part 2, in PyTorch."""
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    """Linear -> LeakyReLU for every hidden layer, then a final Linear. The forward pass returns
    the logits (no softmax): nn.CrossEntropyLoss applies log-softmax itself."""

    def __init__(self, n_inputs, n_hidden, n_classes, neg_slope):
        """Build the layers (PyTorch's default initialisation).

        Args:
          n_inputs: number of inputs (features of one sample)
          n_hidden: list of ints, the number of units of each hidden layer (may be empty)
          n_classes: number of classes
          neg_slope: negative slope of every LeakyReLU
        """
        super(MLP, self).__init__()
        sizes = [n_inputs] + list(n_hidden) + [n_classes]
        self.neg_slope = neg_slope
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        """x (S, n_inputs) -> logits (S, n_classes)."""
        for linear in self.linears[:-1]:
            x = F.leaky_relu(linear(x), self.neg_slope)
        return self.linears[-1](x)

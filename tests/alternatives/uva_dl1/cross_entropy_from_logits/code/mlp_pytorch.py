"""The multi-layer perceptron of part 2, in PyTorch."""
import torch.nn as nn


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
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if index < len(sizes) - 2:
                layers.append(nn.LeakyReLU(neg_slope))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        """x (S, n_inputs) -> logits (S, n_classes)."""
        return self.layers(x)

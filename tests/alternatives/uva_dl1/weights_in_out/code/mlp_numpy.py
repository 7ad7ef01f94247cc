"""The multi-layer perceptron of part 1.2, in NumPy, built from the modules of modules.py.

NumPy only: this file may not import PyTorch.
"""
from modules import *  # noqa: F401,F403  (the course's starter imports the modules this way)


class MLP(object):
    """Linear -> LeakyReLU for every hidden layer, then a final Linear and a softmax.

    With n_hidden = [] the network is a single Linear layer followed by the softmax.
    """

    def __init__(self, n_inputs, n_hidden, n_classes, neg_slope):
        """Build the layers.

        Args:
          n_inputs: number of inputs (features of one sample)
          n_hidden: list of ints, the number of units of each hidden layer (may be empty)
          n_classes: number of classes (outputs of the last layer)
          neg_slope: negative slope of every LeakyReLU
        """
        sizes = [n_inputs] + list(n_hidden) + [n_classes]
        self.layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.layers.append(LinearModule(fan_in, fan_out))
            if index < len(sizes) - 2:
                self.layers.append(LeakyReLUModule(neg_slope))
        self.layers.append(SoftMaxModule())

    def forward(self, x):
        """x (S, n_inputs) -> out (S, n_classes): the softmax output, one probability vector per
        sample."""
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def backward(self, dout):
        """dout (S, n_classes), the loss gradient with respect to the softmax output: propagate
        it through every module in reverse, so each LinearModule's grads are set. Returns
        nothing."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

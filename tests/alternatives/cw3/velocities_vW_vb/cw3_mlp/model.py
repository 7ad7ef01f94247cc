"""The multi-layer perceptron: Linear and activation layers in a list."""
from .layers import Linear, ReLU, Sigmoid

ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid}


class MLP:
    """Linear -> activation -> Linear -> activation -> ... -> Linear.

    Example: MLP(784, [128, 64], 10) has
        self.layers = [Linear(784, 128), ReLU(), Linear(128, 64), ReLU(), Linear(64, 10)]
    and maps images (N, 784) to logits (N, 10). With hidden_dims = [] it is a single Linear
    layer: the CW2 logistic-regression model.

    Args:
        input_dim: number of input features (784 for 28x28 images).
        hidden_dims: list of hidden-layer widths, first to last.
        output_dim: number of classes.
        activation: "relu" or "sigmoid", used after every hidden Linear layer (never after
            the last one: the loss expects raw logits).

    Attributes:
        layers: the list above. The optimizer updates every layer in it that has a `W`.
    """

    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        """Build `self.layers`.

        Create the Linear layers in order, first to last: each one draws its weights from
        np.random, so this order is what makes np.random.seed reproduce the grader's
        weights. Give every activation position its own new activation object (each
        caches its own input). An activation name other than "relu" or "sigmoid" raises
        ValueError with a message naming the bad value and the valid ones.
        """
        # BEGIN SOLUTION
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: expected one of "
                             f"{', '.join(repr(name) for name in ACTIVATIONS)}")
        dims = [input_dim, *hidden_dims, output_dim]
        self.layers = []
        for fan_in, fan_out in zip(dims[:-1], dims[1:]):
            self.layers.append(Linear(fan_in, fan_out))
            self.layers.append(ACTIVATIONS[activation]())
        self.layers.pop()  # the output layer returns logits, with no activation after it
        # END SOLUTION

    def forward(self, X):
        """Return the logits, (N, output_dim), for inputs X, (N, input_dim).

        Feed the output of each layer to the next, first to last.
        """
        # BEGIN SOLUTION
        for layer in self.layers:
            X = layer.forward(X)
        return X
        # END SOLUTION

    def backward(self, grad):
        """Backpropagate: grad = dL/dlogits, (N, output_dim); return dL/dX, (N, input_dim).

        Call each layer's backward, LAST layer first, passing along the gradient it returns:
        that is the chain rule. The Linear layers accumulate their grad_W and grad_b on the
        way. Call forward before backward: every layer uses what it cached then.
        """
        # BEGIN SOLUTION
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
        # END SOLUTION

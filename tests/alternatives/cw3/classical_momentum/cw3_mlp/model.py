"""The MLP: Linear, activation, ..., Linear."""
from .layers import Linear, ReLU, Sigmoid


class MLP:
    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        if activation == "relu":
            make_activation = ReLU
        elif activation == "sigmoid":
            make_activation = Sigmoid
        else:
            raise ValueError(f"activation must be 'relu' or 'sigmoid', got {activation!r}")
        widths = [input_dim] + list(hidden_dims) + [output_dim]
        count = len(widths) - 1
        self.layers = []
        for i in range(count):
            self.layers.append(Linear(widths[i], widths[i + 1]))
            if i < count - 1:
                self.layers.append(make_activation())

    def forward(self, X):
        out = X
        for i in range(len(self.layers)):
            out = self.layers[i].forward(out)
        return out

    def backward(self, grad):
        for i in range(len(self.layers) - 1, -1, -1):
            grad = self.layers[i].backward(grad)
        return grad

from .layers import Linear, ReLU, Sigmoid

_ACTIVATION_CLASSES = {"relu": ReLU, "sigmoid": Sigmoid}


class MLP:
    def __init__(self, input_dim, hidden_dims, output_dim, activation="relu"):
        if activation not in _ACTIVATION_CLASSES:
            raise ValueError(f"no activation {activation!r}; use one of "
                             f"{sorted(_ACTIVATION_CLASSES)}")
        sizes = [input_dim, *hidden_dims, output_dim]
        linears = [Linear(a, b) for a, b in zip(sizes, sizes[1:])]   # first to last
        self.layers = [linears[0]]
        for linear in linears[1:]:
            self.layers += [_ACTIVATION_CLASSES[activation](), linear]

    def forward(self, X):
        h = X
        for layer in self.layers:
            h = layer.forward(h)
        return h

    def backward(self, grad):
        g = grad
        for layer in self.layers[::-1]:
            g = layer.backward(g)
        return g

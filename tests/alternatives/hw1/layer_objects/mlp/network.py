import numpy as np

from .normalisation import BatchNorm


def random_normal_weight_init(d0, d1):
    return np.random.randn(d0, d1)


def zeros_bias_init(d):
    return np.zeros((1, d))


class Linear:
    """x @ W + b, with its gradients and momentum velocities."""

    def __init__(self, W, b):
        self.W, self.b = W, b
        self.dW, self.db = np.zeros_like(W), np.zeros_like(b)
        self.vW, self.vb = np.zeros_like(W), np.zeros_like(b)
        self.x = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, delta):
        self.dW = self.x.T @ delta
        self.db = np.sum(delta, axis=0).reshape(self.b.shape)
        return delta @ self.W.T


class AttributeView:
    """A list-like view of one attribute of every layer: view[i] = value sets layers[i].name."""

    def __init__(self, layers, name):
        self._layers, self._name = layers, name

    def __getitem__(self, i):
        return getattr(self._layers[i], self._name)

    def __setitem__(self, i, value):
        setattr(self._layers[i], self._name, value)

    def __len__(self):
        return len(self._layers)

    def __iter__(self):
        return (getattr(layer, self._name) for layer in self._layers)


class MLP:
    def __init__(self, input_size, output_size, hiddens, activations, weight_init_fn,
                 bias_init_fn, criterion, lr, momentum=0.0, num_bn_layers=0, weight_decay=0.0):
        self.train_mode = True
        self.num_bn_layers = num_bn_layers
        self.bn = num_bn_layers > 0
        self.nlayers = len(hiddens) + 1
        self.input_size = input_size
        self.output_size = output_size
        self.activations = activations
        self.criterion = criterion
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        sizes = [input_size] + list(hiddens) + [output_size]
        self.linears = []
        for i in range(self.nlayers):
            W = weight_init_fn(sizes[i], sizes[i + 1])
            self.linears.append(Linear(W, bias_init_fn(sizes[i + 1])))
        self.bn_layers = [BatchNorm(sizes[i + 1]) for i in range(num_bn_layers)]
        self.bn_velocities = [{"gamma": 0.0, "beta": 0.0} for _ in self.bn_layers]
        self.W, self.b = AttributeView(self.linears, "W"), AttributeView(self.linears, "b")
        self.dW, self.db = AttributeView(self.linears, "dW"), AttributeView(self.linears, "db")

    def _layers(self):
        for i, linear in enumerate(self.linears):
            yield linear, (self.bn_layers[i] if i < self.num_bn_layers else None), \
                self.activations[i]

    def forward(self, x):
        for linear, bn, activation in self._layers():
            x = linear.forward(x)
            if bn is not None:
                x = bn.forward(x, eval=not self.train_mode)
            x = activation.forward(x)
        self.output = x
        return x

    def backward(self, labels):
        self.criterion.forward(self.output, labels)
        delta = self.criterion.derivative() / labels.shape[0]
        for linear, bn, activation in reversed(list(self._layers())):
            delta = activation.derivative() * delta
            if bn is not None:
                delta = bn.backward(delta)
            delta = linear.backward(delta)

    def zero_grads(self):
        for linear in self.linears:
            linear.dW = np.zeros_like(linear.W)
            linear.db = np.zeros_like(linear.b)
        for bn in self.bn_layers:
            bn.dgamma, bn.dbeta = np.zeros_like(bn.gamma), np.zeros_like(bn.beta)

    def step(self):
        mu, lr = self.momentum, self.lr
        for linear in self.linears:
            linear.vW = mu * linear.vW - lr * (linear.dW + self.weight_decay * linear.W)
            linear.vb = mu * linear.vb - lr * linear.db
            linear.W = linear.W + linear.vW
            linear.b = linear.b + linear.vb
        for bn, velocity in zip(self.bn_layers, self.bn_velocities):
            velocity["gamma"] = mu * velocity["gamma"] - lr * bn.dgamma
            velocity["beta"] = mu * velocity["beta"] - lr * bn.dbeta
            bn.gamma = bn.gamma + velocity["gamma"]
            bn.beta = bn.beta + velocity["beta"]

    def train(self):
        self.train_mode = True

    def eval(self):
        self.train_mode = False

    def __call__(self, x):
        return self.forward(x)

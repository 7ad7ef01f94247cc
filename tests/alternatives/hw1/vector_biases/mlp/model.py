import numpy as np

from .functions import BatchNorm


def random_normal_weight_init(d0, d1):
    return np.random.standard_normal((d0, d1))


def zeros_bias_init(d):
    return np.zeros(d)


class MLP:
    def __init__(self, input_size, output_size, hiddens, activations, weight_init_fn,
                 bias_init_fn, criterion, lr, momentum=0.0, num_bn_layers=0, weight_decay=0.0):
        self.train_mode = True
        self.num_bn_layers, self.bn = num_bn_layers, num_bn_layers > 0
        self.nlayers = len(hiddens) + 1
        self.input_size, self.output_size = input_size, output_size
        self.activations, self.criterion = activations, criterion
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        dims = [input_size, *hiddens, output_size]
        self.W, self.b = [], []
        for fan_in, fan_out in zip(dims, dims[1:]):
            self.W.append(weight_init_fn(fan_in, fan_out))
            self.b.append(np.ravel(bias_init_fn(fan_out)).astype(float))
        self.dW = [np.zeros(w.shape) for w in self.W]
        self.db = [np.zeros(v.shape) for v in self.b]
        self.bn_layers = [BatchNorm(d) for d in dims[1:1 + num_bn_layers]]
        self.buffers = None
        self.hs = []

    def __call__(self, x):
        return self.forward(x)

    def train(self):
        self.train_mode = True

    def eval(self):
        self.train_mode = False

    def forward(self, x):
        self.hs = [x]
        for i, (W, b, act) in enumerate(zip(self.W, self.b, self.activations)):
            z = self.hs[-1] @ W + b
            if i < self.num_bn_layers:
                z = self.bn_layers[i](z, eval=not self.train_mode)
            self.hs.append(act(z))
        return self.hs[-1]

    def backward(self, labels):
        self.criterion(self.hs[-1], labels)
        g = self.criterion.derivative() / len(labels)
        for i in reversed(range(self.nlayers)):
            g = self.activations[i].derivative() * g
            if i < self.num_bn_layers:
                g = self.bn_layers[i].backward(g)
            self.dW[i] = self.hs[i].T @ g
            self.db[i] = g.sum(axis=0).reshape(np.shape(self.b[i]))
            g = g @ self.W[i].T

    def zero_grads(self):
        for grads in (self.dW, self.db):
            for i, g in enumerate(grads):
                grads[i] = np.zeros_like(g)
        for bn in self.bn_layers:
            bn.dgamma = np.zeros_like(bn.gamma)
            bn.dbeta = np.zeros_like(bn.beta)

    def _parameters(self):
        """(owner, attribute or index, gradient) for every parameter, in a fixed order."""
        for i in range(self.nlayers):
            yield self.W, i, self.dW[i] + self.weight_decay * self.W[i]
            yield self.b, i, self.db[i]
        for bn in self.bn_layers:
            yield bn, "gamma", bn.dgamma
            yield bn, "beta", bn.dbeta

    def step(self):
        params = list(self._parameters())
        if self.buffers is None:
            self.buffers = [None] * len(params)
        for k, (owner, key, grad) in enumerate(params):
            # PyTorch's SGD: the first buffer is the gradient itself
            if self.buffers[k] is None or self.momentum == 0:
                self.buffers[k] = np.array(grad, dtype=float)
            else:
                self.buffers[k] = self.momentum * self.buffers[k] + grad
            if isinstance(owner, list):
                owner[key] = owner[key] - self.lr * self.buffers[k]
            else:
                setattr(owner, key, getattr(owner, key) - self.lr * self.buffers[k])

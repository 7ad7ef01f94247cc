"""Alternative-correct submission 1: everything in one hw1.py, as 11-785 students submitted it.

Written independently of solution/: sigmoid through logaddexp, softmax cross-entropy through
np.logaddexp.reduce, one-pass BatchNorm variance, momentum state in a dict keyed by parameter,
and a training loop that keeps every per-sample loss and averages at the end.
"""
import numpy as np


class Activation(object):
    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        raise NotImplementedError

    def derivative(self):
        raise NotImplementedError


class Identity(Activation):
    def forward(self, x):
        self.state = x
        return x

    def derivative(self):
        return 1.0


class Sigmoid(Activation):
    def forward(self, x):
        # sigmoid(x) = exp(-log(1 + exp(-x))), and logaddexp(0, -x) never overflows
        self.state = np.exp(-np.logaddexp(0.0, -x))
        return self.state

    def derivative(self):
        s = self.state
        return s - s ** 2


class Tanh(Activation):
    def forward(self, x):
        self.state = np.tanh(x)
        return self.state

    def derivative(self):
        return 1.0 - self.state ** 2


class ReLU(Activation):
    def forward(self, x):
        self.state = x * (x > 0)
        return self.state

    def derivative(self):
        return np.heaviside(self.state, 0.0)


class LeakyReLU(Activation):
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        self.state = np.maximum(x, self.alpha * x)
        return self.state

    def derivative(self):
        d = np.full(np.shape(self.state), float(self.alpha))
        d[self.state > 0] = 1.0
        return d


class Criterion(object):
    def __init__(self):
        self.logits = None
        self.labels = None
        self.loss = None

    def __call__(self, x, y):
        return self.forward(x, y)

    def forward(self, x, y):
        raise NotImplementedError

    def derivative(self):
        raise NotImplementedError


class SoftmaxCrossEntropy(Criterion):
    def __init__(self):
        super().__init__()
        self.sm = None

    def forward(self, x, y):
        self.logits = x
        self.labels = y
        log_norm = np.logaddexp.reduce(x, axis=1)
        self.sm = np.exp(x - log_norm[:, np.newaxis])
        # -sum_k y_k (x_k - log_norm) with sum_k y_k = 1
        self.loss = log_norm - np.einsum("nk,nk->n", y, x)
        return self.loss

    def derivative(self):
        return self.sm - self.labels


class BatchNorm(object):
    def __init__(self, fan_in, alpha=0.9):
        self.alpha = alpha
        self.eps = 1e-8
        self.x = self.norm = self.out = None
        self.mean = np.zeros((1, fan_in))
        self.var = np.ones((1, fan_in))
        self.gamma = np.ones((1, fan_in))
        self.beta = np.zeros((1, fan_in))
        self.dgamma = np.zeros((1, fan_in))
        self.dbeta = np.zeros((1, fan_in))
        self.running_mean = np.zeros((1, fan_in))
        self.running_var = np.ones((1, fan_in))

    def __call__(self, x, eval=False):
        return self.forward(x, eval)

    def forward(self, x, eval=False):
        if eval:
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            return (x - self.running_mean) * scale + self.beta
        n = x.shape[0]
        self.x = x
        self.mean = np.sum(x, axis=0, keepdims=True) / n
        self.var = np.maximum(np.sum(x * x, axis=0, keepdims=True) / n - self.mean ** 2, 0.0)
        self.norm = (x - self.mean) / np.sqrt(self.var + self.eps)
        self.out = self.norm * self.gamma + self.beta
        a = self.alpha
        self.running_mean = a * self.running_mean + (1 - a) * self.mean
        self.running_var = a * self.running_var + (1 - a) * self.var
        return self.out

    def backward(self, delta):
        n = delta.shape[0]
        self.dbeta = np.sum(delta, axis=0, keepdims=True)
        self.dgamma = np.sum(delta * self.norm, axis=0, keepdims=True)
        dnorm = delta * self.gamma
        return (n * dnorm - np.sum(dnorm, axis=0, keepdims=True)
                - self.norm * np.sum(dnorm * self.norm, axis=0, keepdims=True)) \
            / (n * np.sqrt(self.var + self.eps))


def random_normal_weight_init(d0, d1):
    return np.random.randn(d0, d1)


def zeros_bias_init(d):
    return np.zeros((1, d))


class MLP(object):
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
        widths = [input_size] + list(hiddens) + [output_size]
        self.W, self.b = [], []
        for k in range(self.nlayers):
            self.W.append(weight_init_fn(widths[k], widths[k + 1]))
            self.b.append(bias_init_fn(widths[k + 1]))
        self.dW = [np.zeros_like(w) for w in self.W]
        self.db = [np.zeros_like(v) for v in self.b]
        self.bn_layers = [BatchNorm(widths[k + 1]) for k in range(num_bn_layers)]
        self.velocity = {}
        self.inputs = []

    def forward(self, x):
        self.inputs = []
        for k in range(self.nlayers):
            self.inputs.append(x)
            z = np.dot(x, self.W[k]) + self.b[k]
            if k < self.num_bn_layers:
                z = self.bn_layers[k].forward(z, eval=not self.train_mode)
            x = self.activations[k].forward(z)
        self.output = x
        return x

    def zero_grads(self):
        self.dW = [np.zeros_like(w) for w in self.W]
        self.db = [np.zeros_like(v) for v in self.b]
        for layer in self.bn_layers:
            layer.dgamma = np.zeros_like(layer.gamma)
            layer.dbeta = np.zeros_like(layer.beta)

    def backward(self, labels):
        batch = len(labels)
        self.criterion.forward(self.output, labels)
        grad = self.criterion.derivative() / batch
        for k in range(self.nlayers - 1, -1, -1):
            grad = grad * self.activations[k].derivative()
            if k < self.num_bn_layers:
                grad = self.bn_layers[k].backward(grad)
            self.dW[k] = np.dot(self.inputs[k].T, grad)
            self.db[k] = np.sum(grad, axis=0, keepdims=True).reshape(np.shape(self.b[k]))
            grad = np.dot(grad, self.W[k].T)

    def _move(self, key, grad):
        v = self.momentum * self.velocity.get(key, 0.0) - self.lr * grad
        self.velocity[key] = v
        return v

    def step(self):
        for k in range(self.nlayers):
            self.W[k] = self.W[k] + self._move(("W", k), self.dW[k] + self.weight_decay * self.W[k])
            self.b[k] = self.b[k] + self._move(("b", k), self.db[k])
        for k, layer in enumerate(self.bn_layers):
            layer.gamma = layer.gamma + self._move(("gamma", k), layer.dgamma)
            layer.beta = layer.beta + self._move(("beta", k), layer.dbeta)

    def __call__(self, x):
        return self.forward(x)

    def train(self):
        self.train_mode = True

    def eval(self):
        self.train_mode = False


def get_training_stats(mlp, dset, nepochs, batch_size):
    train, val, _ = dset
    trainx, trainy = train
    valx, valy = val
    idxs = np.arange(len(trainx))
    training_losses, training_errors = [], []
    validation_losses, validation_errors = [], []
    for e in range(nepochs):
        np.random.shuffle(idxs)
        mlp.train()
        losses, wrong = [], 0
        for b in range(0, len(trainx), batch_size):
            chosen = idxs[b:b + batch_size]
            mlp.zero_grads()
            out = mlp.forward(trainx[chosen])
            mlp.backward(trainy[chosen])
            mlp.step()
            losses.append(np.array(mlp.criterion.loss, dtype=float).reshape(-1))
            wrong += int(np.sum(np.argmax(out, axis=1) != np.argmax(trainy[chosen], axis=1)))
        training_losses.append(np.concatenate(losses).mean())
        training_errors.append(wrong / len(trainx))
        mlp.eval()
        out = mlp.forward(valx)
        validation_losses.append(np.mean(mlp.criterion.forward(out, valy)))
        validation_errors.append(np.mean(np.argmax(out, axis=1) != np.argmax(valy, axis=1)))
    return (np.array(training_losses), np.array(training_errors),
            np.array(validation_losses), np.array(validation_errors))

import numpy as np


class Activation:
    def __init__(self):
        self.state = None

    def __call__(self, x):
        return self.forward(x)


class Identity(Activation):
    def forward(self, x):
        self.state = x
        return x

    def derivative(self):
        return 1.0


class Sigmoid(Activation):
    def forward(self, x):
        # exp(500) is finite; beyond +/-500 the sigmoid is 0 or 1 to double precision anyway
        self.state = 1.0 / (1.0 + np.exp(-np.clip(x, -500.0, 500.0)))
        return self.state

    def derivative(self):
        return self.state * (1 - self.state)


class Tanh(Activation):
    def forward(self, x):
        self.state = np.tanh(x)
        return self.state

    def derivative(self):
        return (1 - self.state) * (1 + self.state)


class ReLU(Activation):
    def forward(self, x):
        self.state = np.where(x > 0, x, 0.0)
        return self.state

    def derivative(self):
        return np.where(self.state > 0, 1.0, 0.0)


class LeakyReLU(Activation):
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        self.state = np.where(x > 0, x, x * self.alpha)
        return self.state

    def derivative(self):
        return np.where(self.state > 0, 1.0, self.alpha)


class Criterion:
    def __init__(self):
        self.logits = self.labels = self.loss = None

    def __call__(self, x, y):
        return self.forward(x, y)


class SoftmaxCrossEntropy(Criterion):
    def __init__(self):
        super().__init__()
        self.sm = None

    def forward(self, x, y):
        self.logits, self.labels = x, y
        m = np.max(x, axis=1)[:, None]
        exps = np.exp(x - m)
        total = exps.sum(axis=1)[:, None]
        self.sm = exps / total
        self.loss = -np.sum(y * (x - m - np.log(total)), axis=1)
        return self.loss

    def derivative(self):
        return self.sm - self.labels


class BatchNorm:
    """gamma, beta and every statistic kept as (fan_in,) vectors."""

    def __init__(self, fan_in, alpha=0.9):
        self.alpha, self.eps = alpha, 1e-8
        self.x = self.norm = self.out = None
        self.mean, self.var = np.zeros(fan_in), np.ones(fan_in)
        self.gamma, self.beta = np.ones(fan_in), np.zeros(fan_in)
        self.dgamma, self.dbeta = np.zeros(fan_in), np.zeros(fan_in)
        self.running_mean, self.running_var = np.zeros(fan_in), np.ones(fan_in)

    def __call__(self, x, eval=False):
        return self.forward(x, eval)

    def forward(self, x, eval=False):
        if eval:
            return self.gamma * (x - self.running_mean) / np.sqrt(self.running_var + self.eps) \
                + self.beta
        self.x = x
        self.mean = np.mean(x, axis=0)
        self.var = np.mean((x - self.mean) ** 2, axis=0)
        self.norm = (x - self.mean) / np.sqrt(self.var + self.eps)
        self.out = self.gamma * self.norm + self.beta
        self.running_mean = self.alpha * self.running_mean + (1 - self.alpha) * self.mean
        self.running_var = self.alpha * self.running_var + (1 - self.alpha) * self.var
        return self.out

    def backward(self, delta):
        n = len(delta)
        self.dgamma = np.einsum("nf,nf->f", delta, self.norm)
        self.dbeta = delta.sum(0)
        return self.gamma / (n * np.sqrt(self.var + self.eps)) * (
            n * delta - self.dbeta - self.norm * self.dgamma)

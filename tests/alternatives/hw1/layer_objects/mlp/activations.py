import numpy as np


class Activation:
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
        out = np.empty_like(x, dtype=float)
        positive = x >= 0
        out[positive] = 1.0 / (1.0 + np.exp(-x[positive]))
        ex = np.exp(x[~positive])
        out[~positive] = ex / (1.0 + ex)
        self.state = out
        return out

    def derivative(self):
        return self.state * (1.0 - self.state)


class Tanh(Activation):
    def forward(self, x):
        self.state = np.tanh(x)
        return self.state

    def derivative(self):
        return 1.0 - np.square(self.state)


class ReLU(Activation):
    def forward(self, x):
        self.state = np.clip(x, 0.0, None)
        return self.state

    def derivative(self):
        return (self.state > 0).astype(float)


class LeakyReLU(Activation):
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        self.state = np.where(x > 0, 1.0, self.alpha) * x
        return self.state

    def derivative(self):
        return np.where(self.state > 0, 1.0, self.alpha)

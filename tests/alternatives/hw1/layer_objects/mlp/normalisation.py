import numpy as np


class BatchNorm:
    def __init__(self, fan_in, alpha=0.9):
        self.alpha = alpha
        self.eps = 1e-8
        self.x = None
        self.norm = None
        self.out = None
        shape = (1, fan_in)
        self.mean, self.var = np.zeros(shape), np.ones(shape)
        self.gamma, self.dgamma = np.ones(shape), np.zeros(shape)
        self.beta, self.dbeta = np.zeros(shape), np.zeros(shape)
        self.running_mean, self.running_var = np.zeros(shape), np.ones(shape)

    def __call__(self, x, eval=False):
        return self.forward(x, eval)

    def forward(self, x, eval=False):
        if eval:
            mean, var = self.running_mean, self.running_var
            return self.gamma * ((x - mean) / np.sqrt(var + self.eps)) + self.beta
        self.x = x
        self.mean = x.mean(axis=0, keepdims=True)
        self.var = ((x - self.mean) ** 2).mean(axis=0, keepdims=True)
        self.norm = (x - self.mean) / np.sqrt(self.var + self.eps)
        self.out = self.gamma * self.norm + self.beta
        self.running_mean = self.alpha * self.running_mean + (1 - self.alpha) * self.mean
        self.running_var = self.alpha * self.running_var + (1 - self.alpha) * self.var
        return self.out

    def backward(self, delta):
        """The chain rule one node at a time: norm -> var -> mean -> x."""
        m = delta.shape[0]
        self.dbeta = delta.sum(axis=0, keepdims=True)
        self.dgamma = (delta * self.norm).sum(axis=0, keepdims=True)
        dnorm = delta * self.gamma
        centred = self.x - self.mean
        inv_std = (self.var + self.eps) ** -0.5
        dvar = np.sum(dnorm * centred, axis=0, keepdims=True) * -0.5 * inv_std ** 3
        dmean = (np.sum(-dnorm * inv_std, axis=0, keepdims=True)
                 + dvar * np.sum(-2.0 * centred, axis=0, keepdims=True) / m)
        return dnorm * inv_std + dvar * 2.0 * centred / m + dmean / m

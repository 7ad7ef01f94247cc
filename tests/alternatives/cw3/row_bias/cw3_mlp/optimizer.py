import numpy as np


class SGD:
    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        self.layers = [layer for layer in layers if getattr(layer, "W", None) is not None]
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocities = []
        if self.momentum > 0:
            for layer in self.layers:
                self.velocities.append([np.zeros_like(layer.W), np.zeros_like(layer.b)])

    def step(self):
        for k, layer in enumerate(self.layers):
            updates = [layer.grad_W + self.weight_decay * layer.W, layer.grad_b]
            if self.momentum > 0:
                for v, g in zip(self.velocities[k], updates):
                    np.multiply(v, self.momentum, out=v)
                    np.add(v, g, out=v)
                updates = self.velocities[k]
            np.subtract(layer.W, self.lr * updates[0], out=layer.W)
            np.subtract(layer.b, self.lr * updates[1], out=layer.b)

    def zero_grad(self):
        for layer in self.layers:
            np.copyto(layer.grad_W, 0.0)
            np.copyto(layer.grad_b, 0.0)

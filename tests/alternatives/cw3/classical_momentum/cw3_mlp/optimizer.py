"""SGD with classical momentum: v = mu * v - lr * g, then p = p + v.

At a fixed learning rate this is the same trajectory as v = mu * v + g, p = p - lr * v (the
velocities here are -lr times those). Weight decay adds lam * W to the weights' gradient only.
"""
import numpy as np


class SGD:
    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        self.layers = [layer for layer in layers if hasattr(layer, "W")]
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        if momentum > 0:
            self.velocities = [(np.zeros(layer.W.shape), np.zeros(layer.b.shape))
                               for layer in self.layers]
        else:
            self.velocities = []

    def _gradients(self, layer):
        """(parameter, its gradient for this step) for W and b."""
        return ((layer.W, layer.grad_W + self.weight_decay * layer.W),
                (layer.b, layer.grad_b))

    def step(self):
        for index, layer in enumerate(self.layers):
            pairs = self._gradients(layer)
            if self.momentum > 0:
                for (param, g), v in zip(pairs, self.velocities[index]):
                    v *= self.momentum
                    v -= self.lr * g
                    param += v
            else:
                for param, g in pairs:
                    param -= self.lr * g

    def zero_grad(self):
        for layer in self.layers:
            layer.grad_W[...] = 0.0
            layer.grad_b[...] = 0.0

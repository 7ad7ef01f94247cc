"""Minibatch stochastic gradient descent with momentum and weight decay."""
import numpy as np


class SGD:
    """Updates the W and b of every layer that has them, from their grad_W and grad_b.

    Per parameter p with gradient g, velocity v (zero at the start), momentum mu,
    learning rate lr and weight decay lam, one `step()` does
        g = grad_W + lam * W   for weights;   g = grad_b   for biases (never decayed)
        v = mu * v + g
        p = p - lr * v
    exactly as torch.optim.SGD(params, lr, momentum=mu, weight_decay=lam) does (apart from
    decaying the biases, which that call would also do). With mu = 0 this is plain SGD,
    p = p - lr * g, and no velocity is needed. lam * W is the gradient of the L2 penalty
    (lam / 2) * ||W||^2, which pulls the weights towards zero.

    Args:
        layers: list of layers (e.g. model.layers); those without a `W` (activations) are
            skipped.
        lr: learning rate (> 0). momentum: mu in [0, 1). weight_decay: lam >= 0.

    Attributes:
        layers: the layers that have parameters, in the order given.
        lr, momentum, weight_decay: as given.
        velocities: one (v_W, v_b) pair of zero arrays per entry of `layers`, shaped like
            that layer's W and b, when momentum > 0; an empty list when momentum == 0.
    """

    def __init__(self, layers, lr, momentum=0.0, weight_decay=0.0):
        """Store the arguments; keep only the layers that have a `W`; create the velocities.

        The velocities are created here only when momentum > 0 (see the class docstring).
        """
        # BEGIN SOLUTION
        self.layers = [layer for layer in layers if hasattr(layer, "W")]
        self.lr = lr
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.state = {}
        if momentum > 0:
            for i, layer in enumerate(self.layers):
                self.state[f"W{i}"] = np.zeros_like(layer.W)
                self.state[f"b{i}"] = np.zeros_like(layer.b)
        # END SOLUTION

    def step(self):
        """Update every W and b once, using their current grad_W and grad_b.

        Pitfalls:
        - Update IN PLACE (layer.W -= ..., v *= ...): other objects hold references to these
          very arrays; `layer.W = layer.W - ...` would leave them with stale copies.
        - Add the weight-decay term to a new array (grad_W + lam * W), do not add it into
          grad_W itself: the gradients belong to the layers, and step must not change them.
        - Decay only the weights, not the biases.
        """
        # BEGIN SOLUTION
        for i, layer in enumerate(self.layers):
            g_W = layer.grad_W + self.weight_decay * layer.W
            g_b = layer.grad_b
            if self.momentum > 0:
                v_W, v_b = self.state[f"W{i}"], self.state[f"b{i}"]
                v_W *= self.momentum
                v_W += g_W
                v_b *= self.momentum
                v_b += g_b
                g_W, g_b = v_W, v_b
            layer.W -= self.lr * g_W
            layer.b -= self.lr * g_b
        # END SOLUTION

    def zero_grad(self):
        """Reset every grad_W and grad_b to zero. Call it before each backward pass:
        the layers accumulate gradients, so without it every step would also use all the
        previous batches' gradients."""
        # BEGIN SOLUTION
        for layer in self.layers:
            # In place, so anything holding these arrays (a test, a logger) sees the reset,
            # and no new arrays are allocated on every batch.
            layer.grad_W.fill(0.0)
            layer.grad_b.fill(0.0)
        # END SOLUTION

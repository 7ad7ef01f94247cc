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
        raise NotImplementedError

    def step(self):
        """Update every W and b once, using their current grad_W and grad_b.

        Pitfalls:
        - Update IN PLACE (layer.W -= ..., v *= ...): other objects hold references to these
          very arrays; `layer.W = layer.W - ...` would leave them with stale copies.
        - Add the weight-decay term to a new array (grad_W + lam * W), do not add it into
          grad_W itself: the gradients belong to the layers, and step must not change them.
        - Decay only the weights, not the biases.
        """
        raise NotImplementedError

    def zero_grad(self):
        """Reset every grad_W and grad_b to zero. Call it before each backward pass:
        the layers accumulate gradients, so without it every step would also use all the
        previous batches' gradients."""
        raise NotImplementedError

"""A multilayer perceptron: affine maps, optional BatchNorm, activations, SGD with momentum."""
import numpy as np

from .batchnorm import BatchNorm


class MLP:
    """A fully connected network trained with minibatch SGD and classical momentum.

    Layer i (i = 0 .. nlayers - 1) maps its input h, (batch, in_i), to
        z = h @ W[i] + b[i]                       (batch, out_i)
        z = bn_layers[i](z)                       only for i < num_bn_layers
        h = activations[i](z)
    with in_0 = input_size, out_{last} = output_size and the hidden sizes in between.

    Args:
        input_size, output_size: widths of the input and of the last layer.
        hiddens: list of hidden-layer widths (may be empty: then one affine layer).
        activations: one Activation object per layer, len(hiddens) + 1 of them; use a separate
            object for every layer (each keeps the `state` of its own layer). The last is
            usually Identity, so `forward` returns logits.
        weight_init_fn(d0, d1): returns a (d0, d1) weight matrix.
        bias_init_fn(d): returns a bias of d entries, shape (1, d) or (d,).
        criterion: a Criterion evaluated on the last output by `backward`.
        lr: learning rate. momentum: momentum coefficient in [0, 1).
        num_bn_layers: how many of the first hidden layers get BatchNorm.
        weight_decay: L2 coefficient, applied to the weights W only (not to b, gamma, beta).

    Attributes: train_mode, num_bn_layers, bn (True if num_bn_layers > 0), nlayers,
        input_size, output_size, activations, criterion, lr, momentum, weight_decay;
        lists W, b, dW, db (one entry per layer; dW[i] has W[i]'s shape, db[i] has b[i]'s);
        bn_layers (num_bn_layers BatchNorm objects).
    """

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
        self.initialize_parameters(list(hiddens), weight_init_fn, bias_init_fn)

    def initialize_parameters(self, hiddens, weight_init_fn, bias_init_fn):
        """Create W, b, dW, db, bn_layers and one zero velocity per parameter.

        For each layer in order: W[i] = weight_init_fn(in_i, out_i), THEN
        b[i] = bias_init_fn(out_i) (this order makes a fixed `np.random.seed` reproduce the
        grader's weights). Keep b[i] in the shape bias_init_fn returns. dW[i], db[i] start as
        zeros of the same shapes. bn_layers[i] = BatchNorm(out_i) for i < num_bn_layers.
        Momentum needs a velocity per parameter (W, b and every BatchNorm's gamma and beta),
        starting at zero; store them in lists of your choice.
        """
        raise NotImplementedError

    def forward(self, x):
        """Run the network on x, (batch, input_size); return the last layer's output,
        (batch, output_size).

        Remember what `backward` will need: every layer's input h (for dW) and, through the
        activations' `state`, their derivatives. BatchNorm layers use batch statistics in
        train mode and running statistics in eval mode: call bn(z, eval=not self.train_mode).
        """
        raise NotImplementedError

    def backward(self, labels):
        """Backpropagate the MEAN loss over the batch; fill dW, db and the BatchNorm
        dgamma, dbeta with its gradients.

        labels: targets for the last `forward`, (batch, output_size) (one-hot for
        classification). Steps:
          1. Evaluate the criterion on the last output and labels (sets criterion.loss).
          2. delta = criterion.derivative() / batch: the per-sample derivative, divided by the
             batch size because the objective is the mean of the per-sample losses.
          3. For each layer from the last to the first:
               delta = delta * activations[i].derivative()           dL/dz, (batch, out_i)
               delta = bn_layers[i].backward(delta)                  only if i < num_bn_layers
               dW[i] = h_i.T @ delta    (in_i, out_i), h_i the layer's input
               db[i] = delta summed over the batch, reshaped to b[i]'s shape
               delta = delta @ W[i].T                                dL/dh_i, (batch, in_i)
        Pitfalls: use W[i] BEFORE any update (backward never changes parameters); the input of
        the first layer needs no gradient; gradients of the mean loss are what PyTorch's
        cross_entropy(..., reduction='mean') gives.
        """
        raise NotImplementedError

    def zero_grads(self):
        """Set every gradient (dW, db, and each BatchNorm's dgamma, dbeta) to zero."""
        raise NotImplementedError

    def step(self):
        """Update every parameter with classical momentum, using the stored gradients.

        For each parameter p with gradient g and velocity v (which starts at zero):
            v = momentum * v - lr * g
            p = p + v
        For the weights, g = dW[i] + weight_decay * W[i] (the gradient of the L2 penalty
        0.5 * weight_decay * ||W||^2); b, gamma and beta use their plain gradients.
        With momentum = 0 this is plain SGD, p = p - lr * g.
        """
        raise NotImplementedError

    def apply_momentum(self, param, velocity, grad):
        """In place: velocity = momentum * velocity - lr * grad; param = param + velocity."""
        raise NotImplementedError

    def train(self):
        """Training mode: BatchNorm uses (and updates) batch statistics."""
        self.train_mode = True

    def eval(self):
        """Evaluation mode: BatchNorm uses its running statistics and changes nothing."""
        self.train_mode = False

    def __call__(self, x):
        return self.forward(x)

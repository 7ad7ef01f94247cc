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
        # BEGIN SOLUTION
        sizes = [self.input_size] + hiddens + [self.output_size]
        self.W, self.b = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            self.W.append(np.asarray(weight_init_fn(fan_in, fan_out), dtype=np.float64))
            self.b.append(np.asarray(bias_init_fn(fan_out), dtype=np.float64))
        self.dW = [np.zeros_like(W) for W in self.W]
        self.db = [np.zeros_like(b) for b in self.b]
        self.bn_layers = [BatchNorm(fan_out) for fan_out in sizes[1:1 + self.num_bn_layers]]
        self.W_velocity = [np.zeros_like(W) for W in self.W]
        self.b_velocity = [np.zeros_like(b) for b in self.b]
        self.gamma_velocity = [np.zeros_like(bn.gamma) for bn in self.bn_layers]
        self.beta_velocity = [np.zeros_like(bn.beta) for bn in self.bn_layers]
        # END SOLUTION

    def forward(self, x):
        """Run the network on x, (batch, input_size); return the last layer's output,
        (batch, output_size).

        Remember what `backward` will need: every layer's input h (for dW) and, through the
        activations' `state`, their derivatives. BatchNorm layers use batch statistics in
        train mode and running statistics in eval mode: call bn(z, eval=not self.train_mode).
        """
        # BEGIN SOLUTION
        self.layer_inputs = []
        h = x
        for i in range(self.nlayers):
            self.layer_inputs.append(h)
            z = h @ self.W[i] + self.b[i]
            if i < self.num_bn_layers:
                z = self.bn_layers[i](z, eval=not self.train_mode)
            h = self.activations[i](z)
        self.output = h
        return h
        # END SOLUTION

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
        # BEGIN SOLUTION
        self.criterion(self.output, labels)
        delta = self.criterion.derivative() / labels.shape[0]
        for i in reversed(range(self.nlayers)):
            delta = delta * self.activations[i].derivative()
            if i < self.num_bn_layers:
                delta = self.bn_layers[i].backward(delta)
            self.dW[i] = self.layer_inputs[i].T @ delta
            self.db[i] = delta.sum(axis=0).reshape(self.b[i].shape)
            if i > 0:
                delta = delta @ self.W[i].T
        # END SOLUTION

    def zero_grads(self):
        """Set every gradient (dW, db, and each BatchNorm's dgamma, dbeta) to zero."""
        # BEGIN SOLUTION
        for grad in self.dW + self.db:
            grad.fill(0.0)
        for bn in self.bn_layers:
            bn.dgamma.fill(0.0)
            bn.dbeta.fill(0.0)
        # END SOLUTION

    def step(self):
        """Update every parameter with classical momentum, using the stored gradients.

        For each parameter p with gradient g and velocity v (which starts at zero):
            v = momentum * v - lr * g
            p = p + v
        For the weights, g = dW[i] + weight_decay * W[i] (the gradient of the L2 penalty
        0.5 * weight_decay * ||W||^2); b, gamma and beta use their plain gradients.
        With momentum = 0 this is plain SGD, p = p - lr * g.
        """
        # BEGIN SOLUTION
        for i in range(self.nlayers):
            grad_W = self.dW[i]
            if self.weight_decay:
                grad_W = grad_W + self.weight_decay * self.W[i]
            self.apply_momentum(self.W[i], self.W_velocity[i], grad_W)
            self.apply_momentum(self.b[i], self.b_velocity[i], self.db[i])
        for bn, v_gamma, v_beta in zip(self.bn_layers, self.gamma_velocity, self.beta_velocity):
            self.apply_momentum(bn.gamma, v_gamma, bn.dgamma)
            self.apply_momentum(bn.beta, v_beta, bn.dbeta)
        # END SOLUTION

    def apply_momentum(self, param, velocity, grad):
        """In place: velocity = momentum * velocity - lr * grad; param = param + velocity."""
        # BEGIN SOLUTION
        velocity *= self.momentum
        velocity -= self.lr * grad
        param += velocity
        # END SOLUTION

    def train(self):
        """Training mode: BatchNorm uses (and updates) batch statistics."""
        self.train_mode = True

    def eval(self):
        """Evaluation mode: BatchNorm uses its running statistics and changes nothing."""
        self.train_mode = False

    def __call__(self, x):
        return self.forward(x)

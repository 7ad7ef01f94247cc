"""Build Your Own Multilayer Perceptron: a fully connected network trained one example at a time.

Notation (as in the course's backprop notes), for layer k with m_k neurons and the layer
before it of m_{k-1} (m_0 = d, the input dimension):

    a_k = W_k @ h_{k-1} + b_k        W_k is (m_k, m_{k-1}), b_k is (m_k,)
    h_k = f_k(a_k)                   h_0 = x, one example of shape (d,)

The grader never reads an attribute by name: it finds each layer's weights and bias by their
shapes (either orientation) wherever you keep them, and grades what forward, backward, step
and zero_grad DO. Name your attributes as you like.

Only numpy (and the standard library) may be imported.
"""
import numpy as np


class MLP:
    """A multilayer perceptron built layer by layer with add_layer.

    Args:
        d: the dimension of one input example.
        est_lossderiv(y_est, y): the gradient of the loss (see backward for what it means at
            the last layer), given the network's output y_est (m,) and the target y (m,).
    """

    def __init__(self, d, est_lossderiv):
        # BEGIN SOLUTION
        self.d = d
        self.est_lossderiv = est_lossderiv
        # One dict per layer: W (m, prev), b (m,), f, fderiv, name, dW, db.
        self.layers = []
        # What the last forward pass computed: a[k] and h[k] of layer k (h_in[k] is its input).
        self.a = []
        self.h_in = []
        # END SOLUTION

    def add_layer(self, m, f, fderiv, name=None):
        """Append a layer of m neurons with activation f and its derivative fderiv.

        The weights are a 2-D array (m, m_prev) and the bias a 1-D array (m,), both drawn with
        np.random.randn and multiplied by 0.1 (standard deviation 0.1). m_prev is d for the
        first layer, else the previous layer's m. Keep f and fderiv (elementwise functions of
        an array; fderiv may be None for the last layer, see backward) and the optional name,
        which forward's start and end refer to. Also keep an accumulated gradient of the same
        shape for the weights and for the bias, starting at zero.
        """
        # BEGIN SOLUTION
        prev = self.d if not self.layers else self.layers[-1]["W"].shape[0]
        W = 0.1 * np.random.randn(m, prev)
        b = 0.1 * np.random.randn(m)
        self.layers.append({"W": W, "b": b, "f": f, "fderiv": fderiv, "name": name,
                            "dW": np.zeros_like(W), "db": np.zeros_like(b)})
        # END SOLUTION

    def forward(self, x, start=None, end=None):
        """The network's output for ONE example x.

        Args:
            x: shape (d,), or, with start, the shape of the input of layer `start`.
            start: a layer's name; x is fed to the input of that layer (None: the first).
            end: a layer's name; the output h of that layer is returned (None: the last).

        Returns the output h of the last layer run, shape (m,) of that layer. Remember each
        layer's input and a (its value before f) for backward.
        """
        # BEGIN SOLUTION
        names = [layer["name"] for layer in self.layers]
        first = 0 if start is None else names.index(start)
        last = len(self.layers) - 1 if end is None else names.index(end)
        self.a, self.h_in = [], []
        h = np.asarray(x, dtype=float)
        for layer in self.layers[first:last + 1]:
            self.h_in.append(h)
            a = layer["W"] @ h + layer["b"]
            self.a.append(a)
            h = layer["f"](a)
        return h
        # END SOLUTION

    def backward(self, x, y):
        """One forward pass on x (d,), then backpropagation for the target y; every weight and
        bias gradient is ADDED to what is already accumulated (call zero_grad to start over).

        The last layer's rule: g = est_lossderiv(y_est, y).
          - If that layer's fderiv is None, g is already the gradient with respect to the
            layer's a (softmax or logistic output with the cross-entropy loss: y_est - y).
          - Otherwise g is the gradient with respect to its output h, and the gradient with
            respect to a is g * fderiv(a) (a squared loss after a logistic layer, say).
        Every other layer k: the gradient with respect to a_k is (W_{k+1}^T g_{k+1}) * fderiv(a_k).
        Then dL/dW_k = outer(g_k, h_{k-1}) and dL/db_k = g_k.
        """
        # BEGIN SOLUTION
        y_est = self.forward(x)
        g = self.est_lossderiv(y_est, y)
        last = self.layers[-1]
        if last["fderiv"] is not None:
            g = g * last["fderiv"](self.a[-1])
        for k in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[k]
            layer["dW"] += np.outer(g, self.h_in[k])
            layer["db"] += g
            if k > 0:
                g = (layer["W"].T @ g) * self.layers[k - 1]["fderiv"](self.a[k - 1])
        # END SOLUTION

    def step(self, alpha):
        """Gradient descent: every weight and bias -= alpha * its accumulated gradient."""
        # BEGIN SOLUTION
        for layer in self.layers:
            layer["W"] -= alpha * layer["dW"]
            layer["b"] -= alpha * layer["db"]
        # END SOLUTION

    def zero_grad(self):
        """Set every accumulated gradient to zero."""
        # BEGIN SOLUTION
        for layer in self.layers:
            layer["dW"][...] = 0.0
            layer["db"][...] = 0.0
        # END SOLUTION

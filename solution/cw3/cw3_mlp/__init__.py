"""CS3317 Coursework 3: a multi-layer perceptron with hand-written backpropagation (NumPy).

You implement layers.py, losses.py, model.py and optimizer.py. config.py, data.py,
plots.py, trainer.py and run.py are provided: do not modify them.
"""
from .layers import Linear, ReLU, Sigmoid
from .losses import CrossEntropyLoss
from .model import MLP
from .optimizer import SGD

__all__ = ["Linear", "ReLU", "Sigmoid", "CrossEntropyLoss", "MLP", "SGD"]

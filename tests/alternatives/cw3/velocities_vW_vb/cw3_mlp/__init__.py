"""CW3 alternative-correct submission: the solution, except that SGD keeps its velocities in two
lists, self.vW and self.vb (the course says "init velocities if momentum > 0" and names no
attribute).
"""
from .layers import Linear, ReLU, Sigmoid
from .losses import CrossEntropyLoss
from .model import MLP
from .optimizer import SGD

__all__ = ["Linear", "ReLU", "Sigmoid", "CrossEntropyLoss", "MLP", "SGD"]

"""CW3 alternative-correct submission: classical momentum (v = mu*v - lr*g; p += v).

Written apart from solution/cw3: ReLU keeps its mask from the output, the sigmoid uses
exp(-|x|) on both sides, the loss picks the true-class logits with take_along_axis, the MLP
walks its layers by index, and SGD keeps a velocity that already holds -lr * (gradient).
"""
from .layers import Linear, ReLU, Sigmoid
from .losses import CrossEntropyLoss
from .model import MLP
from .optimizer import SGD

__all__ = ["Linear", "ReLU", "Sigmoid", "CrossEntropyLoss", "MLP", "SGD"]

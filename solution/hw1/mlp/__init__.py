"""The student package: a NumPy multilayer perceptron with hand-written backpropagation."""
from .activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .batchnorm import BatchNorm
from .initializers import random_normal_weight_init, zeros_bias_init
from .loss import Criterion, SoftmaxCrossEntropy, SquaredError
from .mlp import MLP
from .training import get_training_stats

__all__ = [
    "Activation", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU",
    "Criterion", "SoftmaxCrossEntropy", "SquaredError",
    "BatchNorm",
    "random_normal_weight_init", "zeros_bias_init",
    "MLP",
    "get_training_stats",
]

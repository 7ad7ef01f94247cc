"""Alternative-correct submission 2: (n,) biases and BatchNorm vectors, a clipped sigmoid,
PyTorch-style momentum buffers (buf = m buf + g; p -= lr buf) and np.random.permutation."""
from .functions import (Activation, BatchNorm, Criterion, Identity, LeakyReLU, ReLU, Sigmoid,
                        SoftmaxCrossEntropy, Tanh)
from .model import MLP, random_normal_weight_init, zeros_bias_init
from .loop import get_training_stats

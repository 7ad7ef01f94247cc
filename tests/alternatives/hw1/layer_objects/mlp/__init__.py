"""Alternative-correct submission 3: separate Linear layer objects (the MLP's W, b, dW, db lists
are live views of them), BatchNorm backward in the long form (through var and mean step by
step), velocities kept on the layers, validation evaluated in batches."""
from .activations import Activation, Identity, LeakyReLU, ReLU, Sigmoid, Tanh
from .losses import Criterion, SoftmaxCrossEntropy
from .normalisation import BatchNorm
from .network import MLP, random_normal_weight_init, zeros_bias_init
from .trainer import get_training_stats

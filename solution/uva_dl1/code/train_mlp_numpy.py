"""Trains the NumPy MLP (part 1.2) with mini-batch SGD and evaluates it on the test set.

    python train_mlp_numpy.py [--dnn_hidden_units 100] [--learning_rate 2e-3] [--max_steps 1500]
                              [--batch_size 200] [--eval_freq 100] [--neg_slope 0.02]
                              [--data_dir DIR] [--out_dir DIR]
"""
import argparse
import time

import numpy as np

import train_utils
from mlp_numpy import MLP
from modules import CrossEntropyModule

DNN_HIDDEN_UNITS_DEFAULT = '100'
LEARNING_RATE_DEFAULT = 2e-3
MAX_STEPS_DEFAULT = 1500
BATCH_SIZE_DEFAULT = 200
EVAL_FREQ_DEFAULT = 100
NEG_SLOPE_DEFAULT = 0.02


def accuracy(predictions, targets):
    """The fraction of samples whose highest-scoring class is the target class.

    Args:
      predictions: (S, n_classes) scores or probabilities
      targets: (S, n_classes) one-hot labels
    Returns:
      a float in [0, 1]
    """
    # BEGIN SOLUTION
    return float(np.mean(np.argmax(predictions, axis=1) == np.argmax(targets, axis=1)))
    # END SOLUTION


def flatten(images):
    """(S, 3, 32, 32) images -> (S, 3072) vectors."""
    return images.reshape(images.shape[0], -1)


def train(flags):
    """SGD on mini-batches; every eval_freq steps (and after the last) the loss and accuracy
    of the current batch and of the whole test set are recorded. Returns that history."""
    # BEGIN SOLUTION
    np.random.seed(42)
    data = train_utils.load_data(flags.data_dir)
    train_utils.check_batch_size(data, flags.batch_size)
    test_x, test_y = flatten(data['test'].images), data['test'].labels
    history = {'step': [], 'train_loss': [], 'train_accuracy': [], 'test_loss': [],
               'test_accuracy': []}
    model = MLP(test_x.shape[1], flags.dnn_hidden_units, test_y.shape[1], flags.neg_slope)
    loss_module = CrossEntropyModule()
    linears = [layer for layer in model.layers if hasattr(layer, 'params')]
    for step in range(1, flags.max_steps + 1):
        x, y = data['train'].next_batch(flags.batch_size)
        out = model.forward(flatten(x))
        loss = loss_module.forward(out, y)
        model.backward(loss_module.backward(out, y))
        for layer in linears:
            for key in layer.params:
                layer.params[key] -= flags.learning_rate * layer.grads[key]
        if step % flags.eval_freq == 0 or step == flags.max_steps:
            test_out = model.forward(test_x)
            history['step'].append(step)
            history['train_loss'].append(loss)
            history['train_accuracy'].append(accuracy(out, y))
            history['test_loss'].append(loss_module.forward(test_out, test_y))
            history['test_accuracy'].append(accuracy(test_out, test_y))
            print('step %5d  train loss %.4f  test loss %.4f  test accuracy %.4f'
                  % (step, loss, history['test_loss'][-1], history['test_accuracy'][-1]))
    return history
    # END SOLUTION


def parse_flags(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dnn_hidden_units', type=train_utils.hidden_units,
                        default=DNN_HIDDEN_UNITS_DEFAULT,
                        help='comma separated list of hidden units, e.g. 100,50')
    parser.add_argument('--learning_rate', type=train_utils.positive(float),
                        default=LEARNING_RATE_DEFAULT)
    parser.add_argument('--max_steps', type=train_utils.positive(int), default=MAX_STEPS_DEFAULT)
    parser.add_argument('--batch_size', type=train_utils.positive(int), default=BATCH_SIZE_DEFAULT)
    parser.add_argument('--eval_freq', type=train_utils.positive(int), default=EVAL_FREQ_DEFAULT)
    parser.add_argument('--neg_slope', type=float, default=NEG_SLOPE_DEFAULT)
    parser.add_argument('--data_dir', default=train_utils.DATA_DIR_DEFAULT,
                        help="CIFAR-10 python batches, MNIST IDX files, or 'offline'")
    parser.add_argument('--out_dir', default='outputs/mlp_numpy', help='where the curves go')
    return parser.parse_args(argv)


def main(argv=None):
    flags = parse_flags(argv)
    started = time.time()
    history = train(flags)
    paths = train_utils.save_curves(history, flags.out_dir, 'NumPy MLP')
    print('final test accuracy %.4f in %.1f s; curves: %s'
          % (history['test_accuracy'][-1], time.time() - started, ', '.join(paths)))


if __name__ == '__main__':
    main()

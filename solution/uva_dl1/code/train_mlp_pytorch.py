"""Trains the PyTorch MLP (part 2) with mini-batch SGD and evaluates it on the test set.

    python train_mlp_pytorch.py [--dnn_hidden_units 100] [--learning_rate 2e-3] [--max_steps 1500]
                                [--batch_size 200] [--eval_freq 100] [--neg_slope 0.02]
                                [--data_dir DIR] [--device auto|cpu|cuda] [--out_dir DIR]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn

import train_utils
from mlp_pytorch import MLP

DNN_HIDDEN_UNITS_DEFAULT = '100'
LEARNING_RATE_DEFAULT = 2e-3
MAX_STEPS_DEFAULT = 1500
BATCH_SIZE_DEFAULT = 200
EVAL_FREQ_DEFAULT = 100
NEG_SLOPE_DEFAULT = 0.02


def accuracy(predictions, targets):
    """The fraction of samples whose highest-scoring class is the target class.

    Args:
      predictions: (S, n_classes) scores (a tensor or an array)
      targets: (S, n_classes) one-hot labels (a tensor or an array)
    Returns:
      a float in [0, 1]
    """
    # BEGIN SOLUTION
    predictions, targets = torch.as_tensor(predictions), torch.as_tensor(targets)
    return (predictions.argmax(dim=1) == targets.argmax(dim=1)).double().mean().item()
    # END SOLUTION


def train(flags):
    """SGD on mini-batches of the flattened images, nn.CrossEntropyLoss on the logits; every
    eval_freq steps (and after the last) the loss and accuracy of the batch and of the test set
    are recorded. Returns that history."""
    # BEGIN SOLUTION
    torch.manual_seed(42)
    device = train_utils.torch_device(flags.device)
    data = train_utils.load_data(flags.data_dir)
    train_utils.check_batch_size(data, flags.batch_size)
    test_x = torch.from_numpy(data['test'].images.reshape(data['test'].num_examples, -1)).to(device)
    test_y = torch.from_numpy(np.argmax(data['test'].labels, axis=1)).to(device)
    history = {'step': [], 'train_loss': [], 'train_accuracy': [], 'test_loss': [],
               'test_accuracy': []}
    model = MLP(test_x.shape[1], flags.dnn_hidden_units, 10, flags.neg_slope).to(device)
    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=flags.learning_rate)
    for step in range(1, flags.max_steps + 1):
        x, y = data['train'].next_batch(flags.batch_size)
        x = torch.from_numpy(x.reshape(x.shape[0], -1)).to(device)
        y = torch.from_numpy(np.argmax(y, axis=1)).to(device)
        logits = model(x)
        loss = loss_function(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % flags.eval_freq == 0 or step == flags.max_steps:
            with torch.no_grad():
                test_logits = model(test_x)
            history['step'].append(step)
            history['train_loss'].append(loss.item())
            history['train_accuracy'].append((logits.argmax(1) == y).double().mean().item())
            history['test_loss'].append(loss_function(test_logits, test_y).item())
            history['test_accuracy'].append((test_logits.argmax(1) == test_y).double().mean().item())
            print('step %5d  train loss %.4f  test loss %.4f  test accuracy %.4f'
                  % (step, loss.item(), history['test_loss'][-1], history['test_accuracy'][-1]))
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
    parser.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto',
                        help='auto: CUDA when available')
    parser.add_argument('--out_dir', default='outputs/mlp_pytorch', help='where the curves go')
    return parser.parse_args(argv)


def main(argv=None):
    flags = parse_flags(argv)
    started = time.time()
    history = train(flags)
    paths = train_utils.save_curves(history, flags.out_dir, 'PyTorch MLP')
    print('final test accuracy %.4f in %.1f s; curves: %s'
          % (history['test_accuracy'][-1], time.time() - started, ', '.join(paths)))


if __name__ == '__main__':
    main()

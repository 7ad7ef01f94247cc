"""Trains the ConvNet (part 4) with Adam and evaluates it on the test set.

    python train_convnet_pytorch.py [--learning_rate 1e-4] [--max_steps 5000] [--batch_size 32]
                                    [--eval_freq 500] [--data_dir DIR] [--device auto|cpu|cuda]
                                    [--out_dir DIR]
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn

import train_utils
from convnet_pytorch import ConvNet

LEARNING_RATE_DEFAULT = 1e-4
BATCH_SIZE_DEFAULT = 32
MAX_STEPS_DEFAULT = 5000
EVAL_FREQ_DEFAULT = 500
OPTIMIZER_DEFAULT = 'ADAM'
# The test set is evaluated in chunks of this many images (memory, not accuracy).
EVAL_CHUNK = 500


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


def evaluate(model, images, labels, loss_function, device):
    """(mean loss, accuracy) of ``model`` in evaluation mode on the whole set."""
    model.eval()
    losses, correct = [], 0
    with torch.no_grad():
        for start in range(0, len(images), EVAL_CHUNK):
            x = torch.from_numpy(images[start:start + EVAL_CHUNK]).to(device)
            y = torch.from_numpy(np.argmax(labels[start:start + EVAL_CHUNK], axis=1)).to(device)
            logits = model(x)
            losses.append(loss_function(logits, y).item() * len(y))
            correct += (logits.argmax(1) == y).sum().item()
    model.train()
    return sum(losses) / len(images), correct / len(images)


def train(flags):
    """Adam (default betas) on mini-batches with nn.CrossEntropyLoss; every eval_freq steps (and
    after the last) the batch's and the test set's loss and accuracy are recorded. Returns
    that history."""
    # BEGIN SOLUTION
    torch.manual_seed(42)
    device = train_utils.torch_device(flags.device)
    data = train_utils.load_data(flags.data_dir)
    train_utils.check_batch_size(data, flags.batch_size)
    history = {'step': [], 'train_loss': [], 'train_accuracy': [], 'test_loss': [],
               'test_accuracy': []}
    model = ConvNet(3, 10).to(device)
    loss_function = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=flags.learning_rate)
    for step in range(1, flags.max_steps + 1):
        x, y = data['train'].next_batch(flags.batch_size)
        x = torch.from_numpy(x).to(device)
        y = torch.from_numpy(np.argmax(y, axis=1)).to(device)
        logits = model(x)
        loss = loss_function(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % flags.eval_freq == 0 or step == flags.max_steps:
            test_loss, test_accuracy = evaluate(model, data['test'].images, data['test'].labels,
                                                loss_function, device)
            history['step'].append(step)
            history['train_loss'].append(loss.item())
            history['train_accuracy'].append((logits.argmax(1) == y).double().mean().item())
            history['test_loss'].append(test_loss)
            history['test_accuracy'].append(test_accuracy)
            print('step %5d  train loss %.4f  test loss %.4f  test accuracy %.4f'
                  % (step, loss.item(), test_loss, test_accuracy))
    return history
    # END SOLUTION


def parse_flags(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--learning_rate', type=train_utils.positive(float),
                        default=LEARNING_RATE_DEFAULT)
    parser.add_argument('--max_steps', type=train_utils.positive(int), default=MAX_STEPS_DEFAULT)
    parser.add_argument('--batch_size', type=train_utils.positive(int), default=BATCH_SIZE_DEFAULT)
    parser.add_argument('--eval_freq', type=train_utils.positive(int), default=EVAL_FREQ_DEFAULT)
    parser.add_argument('--data_dir', default=train_utils.DATA_DIR_DEFAULT,
                        help="CIFAR-10 python batches, MNIST IDX files, or 'offline'")
    parser.add_argument('--device', choices=['auto', 'cpu', 'cuda'], default='auto',
                        help='auto: CUDA when available')
    parser.add_argument('--out_dir', default='outputs/convnet', help='where the curves go')
    return parser.parse_args(argv)


def main(argv=None):
    flags = parse_flags(argv)
    started = time.time()
    history = train(flags)
    paths = train_utils.save_curves(history, flags.out_dir, 'ConvNet')
    print('final test accuracy %.4f in %.1f s; curves: %s'
          % (history['test_accuracy'][-1], time.time() - started, ', '.join(paths)))


if __name__ == '__main__':
    main()

"""Provided: what the three training scripts share besides their models. Do not change it.

Flag checks that end in a one-line error, the choice of data source and device, and the
accuracy and loss curves (a CSV always; a PNG when matplotlib is installed).
"""
import argparse
import csv
import os
import sys

import cifar10_utils

DATA_DIR_DEFAULT = './cifar10/cifar-10-batches-py'


def positive(kind):
    """An argparse type: a number of ``kind`` (int or float) that must be > 0."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError("%r is not a number" % text)
        if not value > 0:
            raise argparse.ArgumentTypeError("must be greater than 0, got %s" % text)
        return value
    parse.__name__ = kind.__name__
    return parse


def hidden_units(text):
    """'100,50' -> [100, 50]; '' -> [] (no hidden layer)."""
    if not text.strip():
        return []
    try:
        units = [int(part) for part in text.split(',')]
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a comma separated list of integers" % text)
    if any(u <= 0 for u in units):
        raise argparse.ArgumentTypeError("every hidden layer needs at least one unit: %r" % text)
    return units


def fail(message):
    """Stop with a one-line error and exit status 2 (no traceback)."""
    print("error: %s" % message, file=sys.stderr)
    sys.exit(2)


def load_data(data_dir):
    """The data set ``data_dir`` names (cifar10_utils.get_cifar10). The course's default folder,
    when absent, falls back to the offline stand-in with a note; any other folder must exist."""
    if data_dir == DATA_DIR_DEFAULT and not os.path.isdir(data_dir):
        print("note: %s not found; training on the offline stand-in (see README)" % data_dir,
              file=sys.stderr)
        data_dir = cifar10_utils.OFFLINE
    try:
        return cifar10_utils.get_cifar10(data_dir)
    except (FileNotFoundError, ValueError) as error:
        fail(str(error))


def check_batch_size(data, batch_size):
    """A batch larger than the training set is a one-line error."""
    if batch_size > data['train'].num_examples:
        fail("--batch_size %d is larger than the %d training examples"
             % (batch_size, data['train'].num_examples))


def torch_device(name):
    """'auto' is CUDA when available, else the CPU; 'cuda' without a GPU is a one-line error."""
    import torch
    if name == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if name == 'cuda' and not torch.cuda.is_available():
        fail("--device cuda: no CUDA device is available here")
    return torch.device(name)


def save_curves(history, out_dir, title):
    """``history``: {'step': [...], 'train_loss': [...], 'train_accuracy': [...],
    'test_loss': [...], 'test_accuracy': [...]} (one entry per evaluation). Writes
    <out_dir>/curves.csv and, with matplotlib, <out_dir>/curves.png; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = [os.path.join(out_dir, 'curves.csv')]
    keys = list(history)
    temp = paths[0] + '.tmp'
    with open(temp, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(keys)
        writer.writerows(zip(*(history[k] for k in keys)))
    os.replace(temp, paths[0])
    try:
        from matplotlib.figure import Figure
    except ImportError:
        return paths
    figure = Figure(figsize=(9, 3.6), layout='constrained')
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    for split in ('train', 'test'):
        loss_axes.plot(history['step'], history[split + '_loss'], '.-', label=split)
        accuracy_axes.plot(history['step'], history[split + '_accuracy'], '.-', label=split)
    loss_axes.set(xlabel='step', ylabel='cross entropy', title='loss')
    accuracy_axes.set(xlabel='step', ylabel='accuracy', title='accuracy')
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend(fontsize='small')
    figure.suptitle(title, fontsize='medium')
    paths.append(os.path.join(out_dir, 'curves.png'))
    temp = paths[1] + '.tmp.png'
    figure.savefig(temp, dpi=100)
    os.replace(temp, paths[1])
    return paths

"""The training loop: minibatch SGD over epochs, with per-epoch statistics."""
import numpy as np


def get_training_stats(mlp, dset, nepochs, batch_size):
    """Train `mlp` for `nepochs` epochs; return four float arrays of length nepochs:
    (training_losses, training_errors, validation_losses, validation_errors).

    dset = ((trainx, trainy), (valx, valy), (testx, testy)): inputs (N, input_size), one-hot
    labels (N, classes). The test split is not used here.

    Each epoch:
      1. Shuffle the training order: idx = np.arange(N); np.random.shuffle(idx).
      2. mlp.train(); for each batch of batch_size consecutive entries of idx (the last batch
         may be smaller; include it): mlp.zero_grads(), out = mlp.forward(x),
         mlp.backward(y), mlp.step().
      3. training loss = the sum of the per-sample losses over all N training samples, as
         computed during training (mlp.criterion.loss after backward), divided by N;
         training error = the fraction of those samples whose out.argmax(axis=1) differs from
         y.argmax(axis=1).
      4. mlp.eval(); out = mlp.forward(valx); validation loss = mlp.criterion(out, valy).mean();
         validation error = the fraction misclassified. No backward or step here.

    Use only the MLP's public interface: train, eval, zero_grads, forward, backward, step,
    criterion. Pitfall: averaging the batch means instead of the samples weights the last,
    smaller batch wrongly.
    """
    raise NotImplementedError

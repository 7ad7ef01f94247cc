import numpy as np


def get_training_stats(mlp, dset, nepochs, batch_size):
    (trainx, trainy), (valx, valy), _ = dset
    n = trainx.shape[0]
    stats = np.zeros((4, nepochs))
    for epoch in range(nepochs):
        order = np.random.permutation(n)
        mlp.train()
        total_loss = 0.0
        errors = 0
        for first in range(0, n, batch_size):
            rows = order[first:first + batch_size]
            mlp.zero_grads()
            predictions = mlp(trainx[rows])
            mlp.backward(trainy[rows])
            mlp.step()
            total_loss += mlp.criterion.loss.sum()
            errors += (predictions.argmax(1) != trainy[rows].argmax(1)).sum()
        mlp.eval()
        predictions = mlp(valx)
        stats[:, epoch] = (total_loss / n, errors / n,
                           mlp.criterion(predictions, valy).mean(),
                           (predictions.argmax(1) != valy.argmax(1)).mean())
    return tuple(stats)

import numpy as np

VALIDATION_BATCH = 4


def _errors(outputs, labels):
    return int(np.count_nonzero(np.argmax(outputs, axis=1) != np.argmax(labels, axis=1)))


def get_training_stats(mlp, dset, nepochs, batch_size):
    (trainx, trainy), (valx, valy), (_testx, _testy) = dset
    history = {"train_loss": [], "train_error": [], "val_loss": [], "val_error": []}
    order = np.arange(len(trainx))
    for _ in range(nepochs):
        np.random.shuffle(order)
        mlp.train()
        loss_sum, error_count = 0.0, 0
        for chunk in np.array_split(order, np.arange(batch_size, len(order), batch_size)):
            mlp.zero_grads()
            out = mlp.forward(trainx[chunk])
            mlp.backward(trainy[chunk])
            mlp.step()
            loss_sum += float(np.sum(mlp.criterion.loss))
            error_count += _errors(out, trainy[chunk])
        history["train_loss"].append(loss_sum / len(trainx))
        history["train_error"].append(error_count / len(trainx))
        mlp.eval()
        loss_sum, error_count = 0.0, 0
        for start in range(0, len(valx), VALIDATION_BATCH):
            x, y = valx[start:start + VALIDATION_BATCH], valy[start:start + VALIDATION_BATCH]
            out = mlp.forward(x)
            loss_sum += float(np.sum(mlp.criterion(out, y)))
            error_count += _errors(out, y)
        history["val_loss"].append(loss_sum / len(valx))
        history["val_error"].append(error_count / len(valx))
    return tuple(np.array(history[k]) for k in ("train_loss", "train_error", "val_loss",
                                                 "val_error"))

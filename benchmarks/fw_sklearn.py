"""The scikit-learn side: MLPClassifier started from the shared weights.

How it is made comparable: the classifier is primed by an untimed ``fit`` on a few rows
(to create its attributes), its ``coefs_``/``intercepts_`` are overwritten with the shared
initial weights, and with ``warm_start=True`` the timed ``fit(max_iter=1)`` continues from
them with a fresh optimizer. ``shuffle=False`` on ``x[perm]`` (the gather is inside the
timed region, as sklearn's own shuffle is) gives the same batches in the same order.
``alpha=0`` (no L2 penalty), constant learning rate, plain momentum (not Nesterov): the
same update as torch.optim.SGD. sklearn's Adam puts ``eps`` outside the bias correction of
the second moment (a difference of order eps, invisible in the loss). sklearn also computes
the training loss of every batch, as the other two do with ``loss.item()``.
"""
from __future__ import annotations

import warnings

import numpy as np
import sklearn
from common import TrainSpec
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

NAME = "sklearn"
VERSION = sklearn.__version__
HAS_AUTOGRAD = False


def build_mlp(weights: list, batch: int, optimizer: str = "sgd",
              opt_kwargs: dict | None = None) -> MLPClassifier:
    """An MLPClassifier holding ``weights`` (PyTorch layout), ready to continue training."""
    opt_kwargs = opt_kwargs or {"lr": 1e-3}
    hidden = tuple(w.shape[0] for w, _ in weights[:-1])
    common = dict(hidden_layer_sizes=hidden, activation="relu", alpha=0.0,
                  batch_size=batch, learning_rate_init=opt_kwargs["lr"],
                  max_iter=1, shuffle=False, warm_start=True, early_stopping=False,
                  tol=0.0, n_iter_no_change=10**9, random_state=0)
    if optimizer == "sgd":
        clf = MLPClassifier(solver="sgd", learning_rate="constant",
                            momentum=opt_kwargs.get("momentum", 0.0),
                            nesterovs_momentum=False, **common)
    else:
        clf = MLPClassifier(solver="adam", **common)
    n_in, n_classes = weights[0][0].shape[1], weights[-1][0].shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence, batch larger than these few rows
        # priming only, on one row per class: the weights are replaced next
        clf.fit(np.zeros((n_classes, n_in), weights[0][0].dtype), np.arange(n_classes))
    for i, (w, b) in enumerate(weights):
        clf.coefs_[i] = w.T.copy()
        clf.intercepts_[i] = b.copy()
    return clf


def weights_of(clf: MLPClassifier) -> list:
    return [(c.T.copy(), b.copy()) for c, b in zip(clf.coefs_, clf.intercepts_)]


def train_epoch(spec: TrainSpec):
    def prepare():
        clf = build_mlp(spec.weights, spec.batch, spec.optimizer, spec.opt_kwargs)

        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                clf.fit(spec.x[spec.perm], spec.y[spec.perm])
            return float(clf.loss_), clf
        return run
    return prepare


def infer(weights: list, x: np.ndarray, batch: int, grad: bool):
    """``predict`` per batch (``grad`` does not apply: sklearn has no autograd)."""
    def prepare():
        clf = build_mlp(weights, batch)

        def run():
            return np.concatenate([clf.predict(x[i:i + batch]) for i in range(0, len(x), batch)])
        return run
    return prepare


IMPORT_STATEMENT = "import sklearn.neural_network"

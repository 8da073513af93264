"""``NeuralNetClassifier``: a minitorch network as a scikit-learn classifier."""
# ruff: noqa: N803, N806  (scikit-learn's API calls the data X)
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets
from sklearn.utils.validation import validate_data

from .. import nn
from ..creation import tensor
from ..dtype import float32
from ..tensor import Tensor, unwrap
from .base import NeuralNet


def _accuracy(outputs: Tensor, targets: Tensor) -> float:
    """``minitorch.train.accuracy`` for one-logit-per-class outputs, on the numpy arrays
    directly: it runs once per batch, and tensor operations cost more than the batch's
    own arithmetic on small networks."""
    return float((unwrap(outputs).argmax(axis=1) == unwrap(targets)).mean())


class NeuralNetClassifier(ClassifierMixin, NeuralNet):
    """A minitorch network trained as a scikit-learn classifier.

    With no ``module`` it trains an MLP sized from the data (``hidden_layer_sizes`` and
    ``activation`` as in ``MLPClassifier``; one output per class) with cross-entropy and
    Adam. Labels may be any values (strings, ints); ``predict`` returns them.

    Parameters:
        module: None (the default MLP), an ``nn.Module`` class or a callable called as
            ``module(n_features, n_classes, **module__params)`` (or without the two sizes
            if its signature takes none), or a Module instance (copied with its weights
            at each fit). It must return one logit per class.
        hidden_layer_sizes, activation: the default MLP's hidden widths and activation
            (``'relu'``, ``'tanh'``, ``'logistic'``, ``'gelu'``, ``'leaky_relu'``,
            ``'identity'``); ``module__dropout`` adds dropout after each activation.
        criterion: the loss class (default ``nn.CrossEntropyLoss``) or instance.
        optimizer: ``'adam'``, ``'adamw'``, ``'sgd'``, ``'rmsprop'`` or an optimizer class.
        lr: the learning rate. max_epochs: epochs per ``fit``. batch_size: rows per step.
        early_stopping: hold out ``validation_fraction`` of the data (stratified) and stop
            when the validation loss has not improved by ``tol`` for ``n_iter_no_change``
            epochs; the best epoch's weights are kept.
        class_weight: None, ``'balanced'`` or a dict ``{label: weight}`` (weights of the
            cross-entropy).
        freeze: parameters to freeze at initialisation: fnmatch globs over the network's
            parameter names (``'0.*'``; one or a list), a callable ``name -> bool``, or an
            int n (the first n top-level layers, as ``nn.freeze_to``). A glob that matches
            nothing raises at fit. Frozen parameters are never changed by training.
        unfreeze_at: an epoch at which every parameter frozen at initialisation becomes
            trainable, or a dict ``{epoch: globs}``; epochs count from initialisation, across
            ``partial_fit`` and warm-started ``fit`` calls.
        body_lr: the learning rate of the parameters frozen at initialisation once
            ``unfreeze_at`` unfreezes them (default: ``lr``).
        init_from: initial weights: a state dict, a path to a ``minitorch.save`` or
            safetensors file, a Module, or a fitted estimator. Entries are copied where name
            and shape match the network (``init_loaded_``); the rest keep their fresh
            initialisation (``init_kept_``); nothing matching raises.
        callbacks: ``minitorch.train.Callback`` instances, as for ``minitorch.train.fit``
            (copied at each fit; the copies are in ``callbacks_``).
        warm_start: ``fit`` continues from the fitted network instead of a new one.
        random_state: None, an int or a ``RandomState``: initialisation, shuffling, dropout
            and the validation split are reproducible with an int.
        verbose: show a tqdm progress bar per epoch.
        **kwargs: ``module__*``, ``optimizer__*``, ``criterion__*`` (e.g.
            ``criterion__label_smoothing``) and ``data__*`` (``DataLoader`` options).

    Attributes: ``classes_``, ``n_features_in_``, ``feature_names_in_`` (named columns
    only), ``module_``, ``optimizer_``, ``criterion_``, ``history_`` (per-epoch ``loss``,
    ``accuracy``, ``val_loss``, ...), ``n_iter_`` (epochs trained), ``frozen_`` (names
    frozen at initialisation), ``init_loaded_``, ``init_kept_``, ``callbacks_``.

    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = NeuralNetClassifier(hidden_layer_sizes=(16,), lr=0.01, max_epochs=30,
    ...                           random_state=0).fit(X, y)
    >>> clf.predict(X[:3]), clf.score(X, y) > 0.9
    (array([0, 0, 0]), True)
    """

    def __init__(self, module: Any = None, *, hidden_layer_sizes: Any = (100,),
                 activation: str = "relu", criterion: Any = None, optimizer: Any = "adam",
                 lr: float = 1e-3, max_epochs: int = 50, batch_size: int = 32,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 1e-4, class_weight: Any = None,
                 freeze: Any = None, unfreeze_at: Any = None, body_lr: float | None = None,
                 init_from: Any = None, callbacks: Any = None, warm_start: bool = False,
                 random_state: Any = None, verbose: bool = False, **kwargs: Any) -> None:
        super().__init__(
            module, hidden_layer_sizes=hidden_layer_sizes, activation=activation,
            criterion=criterion, optimizer=optimizer, lr=lr, max_epochs=max_epochs,
            batch_size=batch_size, early_stopping=early_stopping,
            validation_fraction=validation_fraction, n_iter_no_change=n_iter_no_change,
            tol=tol, freeze=freeze, unfreeze_at=unfreeze_at, body_lr=body_lr,
            init_from=init_from, callbacks=callbacks, warm_start=warm_start,
            random_state=random_state, verbose=verbose, **kwargs)
        self.class_weight = class_weight

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> "NeuralNetClassifier":
        """Train one epoch over ``(X, y)``; the first call builds the network and needs
        ``classes`` (every label that will ever be seen)."""
        return self._fit(X, y, 1, keep=self._is_fitted(), classes=classes, partial=True)

    def _prepare_data(self, X: Any, y: Any, reset: bool, classes: Any, partial: bool
                      ) -> tuple[np.ndarray, np.ndarray, int]:
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float32)
        check_classification_targets(y)
        if partial:
            _check_partial_fit_first_call(self, classes)
        elif reset:
            self.classes_ = np.unique(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} that are not in classes_ "
                f"{self.classes_.tolist()} of the fitted network"
                + ("" if partial else "; warm_start continues only with the same classes")
            )
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes, "
                             f"got 1 class: {self.classes_.tolist()}")
        target = np.searchsorted(self.classes_, y).astype(np.int64)
        return X, target, len(self.classes_)

    def _make_criterion(self, target: np.ndarray, partial: bool) -> Any:
        extra = {}
        if self.class_weight is not None:
            if partial and isinstance(self.class_weight, str):
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit (one call's "
                    "batch does not give the class frequencies); pass a dict computed with "
                    "sklearn.utils.class_weight.compute_class_weight on all the data")
            y = self.classes_[target]
            weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            extra["weight"] = tensor(weights, dtype=float32)
        return self._make_loss(nn.CrossEntropyLoss, **extra)

    def _metrics(self) -> dict[str, Any]:
        return {"accuracy": _accuracy}

    def _output_meaning(self, n_outputs: int) -> str:
        return f"one logit per class (classes_ = {self.classes_.tolist()})"

    def _stratify(self, target: np.ndarray, n_val: int) -> np.ndarray | None:
        counts = np.bincount(target)
        ok = counts[counts > 0].min() >= 2 and n_val >= len(self.classes_) and (
            len(target) - n_val >= len(self.classes_))
        return target if ok else None

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (softmax of the network's outputs), columns in ``classes_``
        order."""
        logits = self._raw_output(X)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log of :meth:`predict_proba`, computed stably."""
        logits = self._raw_output(X)
        logits -= logits.max(axis=1, keepdims=True)
        return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row, as one of the original labels."""
        scores = self._raw_output(X)
        return self.classes_[np.argmax(scores, axis=1)]

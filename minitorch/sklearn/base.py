"""``NeuralNet``: the scikit-learn estimator shared by the classifier and the regressor.

It follows scikit-learn's conventions: the constructor only stores its arguments;
``fit`` validates them and the data, builds the network (``module_``), its loss
(``criterion_``) and optimizer (``optimizer_``), and trains with ``minitorch.train.fit``.
Constructor arguments named ``module__*``, ``optimizer__*``, ``criterion__*`` and
``data__*`` (skorch's convention) go to the network's constructor, the optimizer, the loss
and the training ``DataLoader``; ``get_params``/``set_params`` see them, so ``clone`` and
``GridSearchCV`` do too.
"""
# ruff: noqa: N803, N806  (scikit-learn's API calls the data X)
from __future__ import annotations

import copy
import numbers
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import optim
from ..core.grad_mode import no_grad
from ..creation import from_numpy
from ..data import DataLoader, TensorDataset
from ..nn import Module
from ..rng import get_rng_state, manual_seed, set_rng_state
from ..train import Callback, EarlyStopping, History, fit
from ._module_factory import build_module
from ._transfer import UnfreezeSchedule, apply_freeze, load_init, unfreeze_schedule

PREFIXES = ("module__", "optimizer__", "criterion__", "data__")
OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD,
              "rmsprop": optim.RMSprop}
PREDICT_CHUNK = 8192  # rows per forward pass in predict (bounds the activations' memory)


@contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    """Run with minitorch's global generator seeded (initialisation, dropout), then give
    it back the state it had: a fit is reproducible and leaves the caller's stream alone."""
    saved = get_rng_state()
    manual_seed(seed)
    try:
        yield
    finally:
        set_rng_state(saved)


def _check_number(value: Any, name: str, low: float, integer: bool,
                  high: float | None = None, low_open: bool = False) -> Any:
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool)
    if ok:
        ok = (value > low if low_open else value >= low) and (high is None or value < high)
    if not ok:
        bound = f"> {low}" if low_open else f">= {low}"
        if high is not None:
            bound += f" and < {high}"
        what = "an int" if integer else "a number"
        raise ValueError(f"{name} must be {what} {bound}, got {value!r}")
    return value


class NeuralNet(BaseEstimator):
    """Base class of :class:`NeuralNetClassifier` and :class:`NeuralNetRegressor`; see
    those for the parameters."""

    def __init__(self, module: Any = None, *, hidden_layer_sizes: Any = (100,),
                 activation: str = "relu", criterion: Any = None, optimizer: Any = "adam",
                 lr: float = 1e-3, max_epochs: int = 50, batch_size: int = 32,
                 early_stopping: bool = False, validation_fraction: float = 0.1,
                 n_iter_no_change: int = 10, tol: float = 1e-4, freeze: Any = None,
                 unfreeze_at: Any = None, body_lr: float | None = None, init_from: Any = None,
                 callbacks: Any = None, warm_start: bool = False, random_state: Any = None,
                 verbose: bool = False, **kwargs: Any) -> None:
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.freeze = freeze
        self.unfreeze_at = unfreeze_at
        self.body_lr = body_lr
        self.init_from = init_from
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        # Stored as given (scikit-learn's rule: __init__ validates nothing); fit checks them.
        self._prefixed_params: dict[str, Any] = dict(kwargs)

    # ------------------------------------------------------------- parameters
    def _check_routed_names(self, keys: Any, where: str) -> None:
        for key in keys:
            if not key.startswith(PREFIXES) or key in PREFIXES:
                raise TypeError(
                    f"{type(self).__name__}.{where}() got an unexpected keyword argument "
                    f"{key!r}; routed arguments start with one of {', '.join(PREFIXES)} "
                    f"followed by a name, e.g. module__dropout=0.1 or optimizer__weight_decay=1e-4"
                )

    def _routed(self, prefix: str) -> dict[str, Any]:
        """The ``prefix__*`` parameters, without the prefix."""
        n = len(prefix) + 2
        return {k[n:]: v for k, v in self._prefixed_params.items() if k.startswith(prefix + "__")}

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, ``module__*``-style routed ones included."""
        out = super().get_params(deep=False)
        if deep:
            for key, value in list(out.items()):
                # init_from is read, not tuned: its own parameters are not exposed
                if key != "init_from" and hasattr(value, "get_params") and not isinstance(
                        value, type):
                    out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
        out.update(self._prefixed_params)
        return out

    def set_params(self, **params: Any) -> "NeuralNet":
        """Set parameters, ``module__*``, ``optimizer__*``, ``criterion__*`` and ``data__*``
        included; returns the estimator."""
        routed = {k: v for k, v in params.items()
                  if k.startswith(PREFIXES) or k in self._prefixed_params}
        self._check_routed_names((k for k in routed if k not in self._prefixed_params),
                                 "set_params")
        self._prefixed_params.update(routed)
        rest = {k: v for k, v in params.items() if k not in routed}
        if rest:
            super().set_params(**rest)
        return self

    def __sklearn_clone__(self) -> "NeuralNet":
        # scikit-learn's clone would clone a fitted estimator given as init_from into an
        # unfitted one, losing the weights it stands for: keep a copy of it instead.
        source = self.init_from
        if not hasattr(source, "get_params") or isinstance(source, type):
            return super().__sklearn_clone__()
        try:
            self.init_from = None
            new = super().__sklearn_clone__()
        finally:
            self.init_from = source
        new.init_from = copy.deepcopy(source)
        return new

    # ------------------------------------------------------------- validation
    def _check_params(self) -> None:
        self._check_routed_names(self._prefixed_params, "__init__")
        _check_number(self.lr, "lr", 0.0, False, low_open=True)
        _check_number(self.max_epochs, "max_epochs", 0, True)
        _check_number(self.batch_size, "batch_size", 1, True)
        _check_number(self.n_iter_no_change, "n_iter_no_change", 1, True)
        _check_number(self.tol, "tol", 0.0, False)
        if self.early_stopping:
            _check_number(self.validation_fraction, "validation_fraction", 0.0, False, 1.0,
                          low_open=True)
        if self.body_lr is not None:
            _check_number(self.body_lr, "body_lr", 0.0, False)
        if "lr" in self._routed("optimizer"):
            raise ValueError("set the learning rate with lr= (and body_lr= for the frozen "
                             "layers), not optimizer__lr")

    # ------------------------------------------------------------- fitting
    def _is_fitted(self) -> bool:
        return hasattr(self, "module_")

    def fit(self, X: Any, y: Any) -> "NeuralNet":
        """Train for ``max_epochs`` epochs and return the estimator.

        A new network is built unless ``warm_start`` is set and the estimator is fitted,
        in which case training continues from the current weights and optimizer state.
        """
        return self._fit(X, y, self.max_epochs, keep=bool(self.warm_start) and self._is_fitted())

    def _fit(self, X: Any, y: Any, epochs: int, keep: bool, classes: Any = None,
             partial: bool = False) -> "NeuralNet":
        self._check_params()
        if partial and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True (there is no "
                             "validation split of one call's data); use fit")
        X, target, n_outputs = self._prepare_data(X, y, reset=not keep, classes=classes,
                                                  partial=partial)
        base = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        seed = int(np.random.SeedSequence([base, self.n_iter_ if keep else 0]).generate_state(1)[0])
        with seeded_global_rng(seed):
            if not keep:
                self._initialize(X, n_outputs)
            self.criterion_ = self._make_criterion(target, partial)
            train_loader, val_loader = self._loaders(X, target, seed)
            callbacks = self._make_callbacks(val_loader is not None)
            history = fit(self.module_, self.criterion_, self.optimizer_, train_loader, epochs,
                          val_loader=val_loader, metrics=self._metrics(), callbacks=callbacks,
                          verbose=bool(self.verbose))
        for i, epoch in enumerate(history.epochs):
            self.history_.append(self.n_iter_ + epoch,
                                 {k: v[i] for k, v in history.items() if i < len(v)})
        self.n_iter_ += len(history.epochs)
        return self

    def _initialize(self, X: np.ndarray, n_outputs: int) -> None:
        module = build_module(self.module, X.shape[1], n_outputs, self.hidden_layer_sizes,
                              self.activation, self._routed("module"))
        self._check_output(module, X[:2], n_outputs)
        if self.init_from is not None:
            self.init_loaded_, self.init_kept_ = load_init(module, self.init_from)
        else:
            self.init_loaded_, self.init_kept_ = (), tuple(module.state_dict())
        self.frozen_ = apply_freeze(module, self.freeze)
        self._unfreeze_plan = unfreeze_schedule(module, self.unfreeze_at, self.frozen_)
        self.module_ = module
        self.optimizer_ = self._make_optimizer(module)
        self.history_ = History()
        self.n_iter_ = 0

    def _check_output(self, module: Module, X: np.ndarray, n_outputs: int) -> None:
        out = self._forward(module, X)
        if out.ndim != 2 or out.shape[1] != n_outputs:
            raise ValueError(
                f"the network returned shape {out.shape} for a batch of {len(X)} rows; "
                f"{type(self).__name__} needs (n_samples, {n_outputs}): "
                f"{self._output_meaning(n_outputs)}"
            )

    def _make_optimizer(self, module: Module) -> optim.Optimizer:
        kwargs = self._routed("optimizer")
        opt = self.optimizer
        if isinstance(opt, str):
            if opt.lower() not in OPTIMIZERS:
                raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an "
                                 f"optimizer class, got {opt!r}")
            opt = OPTIMIZERS[opt.lower()]
        elif not callable(opt):
            raise TypeError(f"optimizer must be a name or an optimizer class, got "
                            f"{type(opt).__name__}")
        named = list(module.named_parameters())
        body = set(self.frozen_) if self.body_lr is not None else set()
        if body:
            head = [p for n, p in named if n not in body]
            groups: Any = ([{"params": head}] if head else []) + [
                {"params": [p for n, p in named if n in body], "lr": float(self.body_lr)}]
        else:
            groups = [p for _, p in named]
        return opt(groups, lr=float(self.lr), **kwargs)

    def _loaders(self, X: np.ndarray, target: np.ndarray, seed: int
                 ) -> tuple[DataLoader, DataLoader | None]:
        options = {"shuffle": True, "seed": seed % 2**32, **self._routed("data")}
        val_loader = None
        if self.early_stopping:
            train_idx, val_idx = self._split(target, seed)
            val = TensorDataset(X[val_idx], target[val_idx])
            val_loader = DataLoader(val, batch_size=max(self.batch_size, 1024))
            X, target = X[train_idx], target[train_idx]
        return DataLoader(TensorDataset(X, target), batch_size=self.batch_size,
                          **options), val_loader

    def _split(self, target: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        from sklearn.model_selection import train_test_split

        n = len(target)
        n_val = int(np.ceil(self.validation_fraction * n))
        if n_val < 1 or n - n_val < 1:
            raise ValueError(f"early_stopping needs at least one training and one validation "
                             f"sample; validation_fraction={self.validation_fraction} of "
                             f"{n} samples leaves none")
        stratify = self._stratify(target, n_val)
        return train_test_split(np.arange(n), test_size=n_val, random_state=seed % 2**32,
                                stratify=stratify)

    def _make_callbacks(self, validating: bool) -> list[Callback]:
        callbacks: list[Callback] = []
        if self._unfreeze_plan:
            callbacks.append(UnfreezeSchedule(self._unfreeze_plan, self.n_iter_))
        if validating:
            callbacks.append(EarlyStopping("val_loss", patience=self.n_iter_no_change,
                                           min_delta=self.tol, restore_best=True))
        user = self.callbacks or []
        if isinstance(user, Callback):
            user = [user]
        for cb in user:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be minitorch.train.Callback instances, got "
                                f"{type(cb).__name__}")
        # Fresh copies per fit: a callback's state (EarlyStopping's best epoch) must not
        # leak from one fit into the next, and parameters are never changed by fit.
        self.callbacks_ = [copy.deepcopy(cb) for cb in user]
        return callbacks + self.callbacks_

    # ------------------------------------------------------------- prediction
    @staticmethod
    def _forward(module: Module, X: np.ndarray) -> np.ndarray:
        modes = [(m, m.training) for m in module.modules()]
        module.eval()
        try:
            with no_grad():
                outs = [module(from_numpy(np.ascontiguousarray(X[i:i + PREDICT_CHUNK])))
                        for i in range(0, max(len(X), 1), PREDICT_CHUNK)]
        finally:
            for m, training in modes:
                m.training = training
        return np.concatenate([o.numpy() for o in outs]).astype(np.float64)

    def _raw_output(self, X: Any) -> np.ndarray:
        """The network's outputs for ``X`` (float64), in eval mode under ``no_grad``."""
        check_is_fitted(self, "module_")
        X = validate_data(self, X, reset=False, dtype=np.float32)
        return self._forward(self.module_, X)

    # ------------------------------------------------------------- subclass hooks
    def _prepare_data(self, X: Any, y: Any, reset: bool, classes: Any, partial: bool
                      ) -> tuple[np.ndarray, np.ndarray, int]:
        raise NotImplementedError

    def _make_criterion(self, target: np.ndarray, partial: bool) -> Any:
        raise NotImplementedError

    def _metrics(self) -> Any:
        return ()

    def _output_meaning(self, n_outputs: int) -> str:
        return f"{n_outputs} outputs"

    def _stratify(self, target: np.ndarray, n_val: int) -> np.ndarray | None:
        return None

    def _make_loss(self, default: Any, **extra: Any) -> Any:
        """``criterion`` (None: ``default``) as a loss module, with ``criterion__*``."""
        kwargs = {**extra, **self._routed("criterion")}
        loss = default if self.criterion is None else self.criterion
        if isinstance(loss, Module):
            if kwargs:
                raise ValueError("criterion is an instance: pass its class to use criterion__ "
                                 "parameters or class_weight")
            return copy.deepcopy(loss)
        return loss(**kwargs)

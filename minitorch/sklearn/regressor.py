"""``NeuralNetRegressor``: a minitorch network as a scikit-learn regressor."""
# ruff: noqa: N803, N806  (scikit-learn's API calls the data X)
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils.validation import validate_data

from .. import nn
from .base import NeuralNet


class NeuralNetRegressor(RegressorMixin, NeuralNet):
    """A minitorch network trained as a scikit-learn regressor (mean squared error, Adam).

    Targets may be 1-D (``predict`` returns 1-D) or 2-D with several outputs (``predict``
    returns ``(n_samples, n_outputs)``); the network needs one output per target column.
    The parameters are those of :class:`NeuralNetClassifier` without ``class_weight``
    (the default ``criterion`` is ``nn.MSELoss``); the validation split for
    ``early_stopping`` is random. Attributes as there, with ``n_outputs_`` instead of
    ``classes_``.

    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 64).reshape(-1, 1); y = 2 * X.ravel() + 1
    >>> reg = NeuralNetRegressor(hidden_layer_sizes=(16,), lr=0.01, max_epochs=60,
    ...                          random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape, reg.score(X, y) > 0.99
    ((2,), True)
    """

    def partial_fit(self, X: Any, y: Any) -> "NeuralNetRegressor":
        """Train one epoch over ``(X, y)``; the first call builds the network."""
        return self._fit(X, y, 1, keep=self._is_fitted(), partial=True)

    def _prepare_data(self, X: Any, y: Any, reset: bool, classes: Any, partial: bool
                      ) -> tuple[np.ndarray, np.ndarray, int]:
        X, y = validate_data(self, X, y, reset=reset, dtype=np.float32, multi_output=True,
                             y_numeric=True)
        target = np.asarray(y, dtype=np.float32)
        if reset:
            self._y_1d = target.ndim == 1
            self.n_outputs_ = 1 if target.ndim == 1 else target.shape[1]
        if target.ndim == 1:
            target = target.reshape(-1, 1)
        if target.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {target.shape[1]} columns, but the fitted network has "
                             f"{self.n_outputs_} outputs")
        return X, target, self.n_outputs_

    def _make_criterion(self, target: np.ndarray, partial: bool) -> Any:
        return self._make_loss(nn.MSELoss)

    def _output_meaning(self, n_outputs: int) -> str:
        return f"one output per target column ({n_outputs})"

    def predict(self, X: Any) -> np.ndarray:
        """Predicted targets: 1-D if ``y`` was 1-D at fit, else ``(n_samples, n_outputs)``."""
        out = self._raw_output(X)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

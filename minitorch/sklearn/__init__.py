"""``minitorch.sklearn``: minitorch networks as scikit-learn estimators.

``NeuralNetClassifier`` and ``NeuralNetRegressor`` work in ``Pipeline``, ``GridSearchCV``,
``cross_val_score`` and ``clone``, with freezing (``freeze=``, ``unfreeze_at=``) and
transfer (``init_from=``) as parameters. Import it explicitly (``import minitorch`` does
not import scikit-learn). See docs/sklearn.md.

>>> from minitorch.sklearn import NeuralNetClassifier
>>> NeuralNetClassifier(hidden_layer_sizes=(32,), module__dropout=0.1)
NeuralNetClassifier(hidden_layer_sizes=(32,), module__dropout=0.1)
"""
from .classifier import NeuralNetClassifier
from .regressor import NeuralNetRegressor

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]

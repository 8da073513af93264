"""minitorch.sklearn: scikit-learn's own estimator checks, and the estimators in Pipeline,
cross-validation, GridSearchCV(n_jobs=2), clone, pickle, warm_start, partial_fit, freeze and
init_from.

The estimator checks run on small configurations (16 hidden units, lr 0.02, 10 epochs),
which fit scikit-learn's toy data sets in milliseconds; they pass with no expected failure
(EXPECTED_FAILURES is empty).
"""
# ruff: noqa: N803, N806  (scikit-learn's API calls the data X)
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, make_classification, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import minitorch as mt
from minitorch import nn, train
from minitorch.sklearn import NeuralNetClassifier, NeuralNetRegressor

SMALL = dict(hidden_layer_sizes=(16,), lr=0.02, max_epochs=10, random_state=0)

CHECKED = [
    NeuralNetClassifier(**SMALL),
    NeuralNetRegressor(**SMALL),
    # frozen first layer: only the output layer trains
    NeuralNetClassifier(**SMALL, freeze="0.*"),
    NeuralNetRegressor(**{**SMALL, "hidden_layer_sizes": (16, 16)}, freeze=["0.*"]),
]

# check name -> why it is expected to fail. Empty: every check passes. (Two checks are
# skipped by scikit-learn itself where pandas or SCIPY_ARRAY_API are absent.)
EXPECTED_FAILURES: dict[str, str] = {}


def _expected_failures(estimator):
    return dict(EXPECTED_FAILURES)


@parametrize_with_checks(CHECKED, expected_failed_checks=_expected_failures, xfail_strict=True)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_unknown_routed_names_raise_at_fit_or_in_set_params():
    est = NeuralNetClassifier(kwargs=3)  # __init__ validates nothing (scikit-learn's rule)
    est.set_params(kwargs=4)  # a name given to __init__ can be set again
    assert est.get_params()["kwargs"] == 4
    with pytest.raises(TypeError, match="unexpected keyword argument 'kwargs'"):
        est.fit(np.zeros((4, 2)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        NeuralNetClassifier().set_params(nope=3)


# ------------------------------------------------------------------------------- data
@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


def blobs(n=120, classes=3, features=6, seed=0):
    X, y = make_classification(n_samples=n, n_features=features, n_informative=4,
                               n_redundant=0, n_classes=classes, n_clusters_per_class=1,
                               class_sep=2.0, random_state=seed)
    return X, y


def weights(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


# ------------------------------------------------------------ pipeline, CV, grid search
def test_pipeline_cross_val_score_on_breast_cancer(cancer):
    X, y = cancer
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(max_epochs=15, random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.93, scores


def test_grid_search_with_two_processes(cancer):
    X, y = cancer
    pipe = make_pipeline(StandardScaler(), NeuralNetClassifier(
        hidden_layer_sizes=(8,), max_epochs=5, random_state=0))
    grid = GridSearchCV(pipe, {"neuralnetclassifier__lr": [1e-4, 1e-2],
                               "neuralnetclassifier__module__dropout": [0.0, 0.2]},
                        cv=2, n_jobs=2)
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["neuralnetclassifier__lr"] == 1e-2  # 1e-4 barely moves in 5 epochs
    assert grid.best_estimator_[-1].module_ is not None and grid.best_score_ > 0.9
    # the parallel run gives the scores of a sequential one: fits are reproducible
    serial = GridSearchCV(pipe, grid.param_grid, cv=2, n_jobs=1).fit(X, y)
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  grid.cv_results_["mean_test_score"])


# ------------------------------------------------------------- clone, pickle, deepcopy
def test_clone_is_unfitted_and_independent():
    instance = nn.Sequential(nn.Linear(6, 3))
    est = NeuralNetClassifier(instance, max_epochs=2, optimizer__weight_decay=1e-3,
                              random_state=0).fit(*blobs())
    twin = clone(est)
    assert not hasattr(twin, "module_") and not hasattr(twin, "classes_")
    with pytest.raises(NotFittedError):
        twin.predict(blobs()[0])
    assert twin.get_params()["optimizer__weight_decay"] == 1e-3
    assert twin.module is not instance  # a Module parameter is copied, not shared
    twin.set_params(optimizer__weight_decay=0.5)
    assert est.get_params()["optimizer__weight_decay"] == 1e-3
    before = weights(est.module_)
    twin.fit(*blobs())
    assert all(np.array_equal(before[k], v) for k, v in weights(est.module_).items())


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_keep_their_optimizer_bound_and_frozen_flags(how):
    X, y = blobs()
    est = NeuralNetClassifier(hidden_layer_sizes=(8, 8), freeze="0.*", warm_start=True,
                              max_epochs=3, random_state=0).fit(X, y)
    other = pickle.loads(pickle.dumps(est)) if how == "pickle" else copy.deepcopy(est)
    np.testing.assert_array_equal(other.predict_proba(X), est.predict_proba(X))
    own = {id(p) for p in other.module_.parameters()}
    bound = [p for g in other.optimizer_.param_groups for p in g["params"]]
    assert len(bound) == 6 and all(id(p) in own for p in bound)
    assert [n for n, p in other.module_.named_parameters() if not p.requires_grad] == [
        "0.weight", "0.bias"]
    frozen_before = other.module_[0].weight.detach().numpy().copy()
    head_before = other.module_[4].weight.detach().numpy().copy()
    original = weights(est.module_)
    other.fit(X, y)  # warm start: the copy keeps training with its own optimizer
    np.testing.assert_array_equal(other.module_[0].weight.detach().numpy(), frozen_before)
    assert not np.array_equal(other.module_[4].weight.detach().numpy(), head_before)
    assert all(np.array_equal(original[k], v) for k, v in weights(est.module_).items())


# ------------------------------------------------------------- warm start, partial_fit
def test_warm_start_continues_and_cold_start_restarts():
    X, y = blobs()
    warm = NeuralNetClassifier(max_epochs=3, warm_start=True, random_state=0).fit(X, y)
    net = warm.module_
    warm.fit(X, y)
    assert warm.module_ is net and warm.n_iter_ == 6 and warm.history_.epochs == list(range(6))
    assert warm.history_["loss"][-1] < warm.history_["loss"][0]
    cold = NeuralNetClassifier(max_epochs=3, random_state=0).fit(X, y)
    net = cold.module_
    cold.fit(X, y)
    assert cold.module_ is not net and cold.n_iter_ == 3
    with pytest.raises(ValueError, match=r"labels \[7\] that are not in classes_"):
        warm.fit(X, np.where(y == 2, 7, y))


def test_partial_fit_trains_one_epoch_per_call():
    X, y = blobs()
    clf = NeuralNetClassifier(lr=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    first = clf.score(X, y)
    for _ in range(9):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 10 and len(clf.history_["loss"]) == 10
    assert clf.score(X, y) > max(first, 0.9)
    with pytest.raises(ValueError, match="not in classes_"):
        clf.partial_fit(X, y + 1)
    with pytest.raises(ValueError, match="X has 5 features"):
        clf.partial_fit(X[:, :5], y)
    reg = NeuralNetRegressor(random_state=0)
    Xr, yr = make_regression(n_samples=50, n_features=4, random_state=0)
    reg.partial_fit(Xr, yr).partial_fit(Xr, yr)
    assert reg.n_iter_ == 2 and reg.predict(Xr).shape == (50,)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        NeuralNetRegressor(early_stopping=True).partial_fit(Xr, yr)


# ----------------------------------------------------------------- freeze, init_from
@pytest.mark.parametrize("spec", ["0.*", ["0.weight", "0.b*"], lambda name: name[0] == "0", 2])
def test_frozen_parameters_are_bit_identical_after_fit(spec):
    X, y = blobs()
    clf = NeuralNetClassifier(hidden_layer_sizes=(8, 8), freeze=spec, max_epochs=0,
                              random_state=0).fit(X, y)
    start = weights(clf.module_)
    clf.set_params(max_epochs=4, warm_start=True).fit(X, y)
    after = weights(clf.module_)
    assert clf.frozen_ == ("0.weight", "0.bias")
    assert np.array_equal(after["0.weight"], start["0.weight"])
    assert np.array_equal(after["0.bias"], start["0.bias"])
    assert not np.array_equal(after["2.weight"], start["2.weight"])


def test_freeze_that_matches_nothing_raises_at_fit():
    clf = NeuralNetClassifier(freeze=["0.*", "body.*"])  # constructing never raises
    nothing = r"freeze: 'body\.\*' matched no parameter.*0\.weight, 0\.bias"
    with pytest.raises(ValueError, match=nothing):
        clf.fit(*blobs())
    with pytest.raises(ValueError, match="selects no parameter"):
        NeuralNetClassifier(freeze=lambda name: False).fit(*blobs())
    with pytest.raises(ValueError, match="no parameter is frozen"):
        NeuralNetClassifier(unfreeze_at=2).fit(*blobs())


def test_unfreeze_at_counts_epochs_across_calls_and_uses_body_lr():
    X, y = blobs()
    clf = NeuralNetClassifier(hidden_layer_sizes=(8,), freeze="0.*", unfreeze_at=3,
                              body_lr=1e-4, max_epochs=0, random_state=0).fit(X, y)
    start = weights(clf.module_)
    lrs = sorted(g["lr"] for g in clf.optimizer_.param_groups)
    assert lrs == [1e-4, 1e-3]
    for _ in range(3):  # epochs 1..3: still frozen during each of them
        clf.partial_fit(X, y)
        assert np.array_equal(weights(clf.module_)["0.weight"], start["0.weight"])
    assert clf.module_[0].weight.requires_grad  # unfrozen at the end of epoch 3
    clf.partial_fit(X, y)
    assert not np.array_equal(weights(clf.module_)["0.weight"], start["0.weight"])
    sched = NeuralNetClassifier(hidden_layer_sizes=(8, 8), freeze=2, max_epochs=2,
                                unfreeze_at={1: "0.weight"}, random_state=0).fit(X, y)
    flags = {n: p.requires_grad for n, p in sched.module_.named_parameters()}
    assert flags == {"0.weight": True, "0.bias": False, "2.weight": True, "2.bias": True,
                     "4.weight": True, "4.bias": True}


@pytest.fixture(scope="module")
def source():
    X, y = blobs(seed=1)
    return NeuralNetClassifier(hidden_layer_sizes=(8, 8), max_epochs=5, random_state=1).fit(X, y)


def _as_path(source, tmp_path):
    path = tmp_path / "source.pt"
    mt.save(source.module_.state_dict(), str(path))
    return str(path)


def _as_safetensors(source, tmp_path):
    pytest.importorskip("minitorch.interop")
    from safetensors.numpy import save_file

    path = tmp_path / "source.safetensors"
    save_file({k: v.numpy() for k, v in source.module_.state_dict().items()}, str(path))
    return str(path)


@pytest.mark.parametrize("kind", ["state_dict", "path", "safetensors", "estimator", "module"])
def test_init_from_loads_the_source_and_frozen_layers_stay_it(kind, source, tmp_path):
    init = {"state_dict": lambda: source.module_.state_dict(),
            "path": lambda: _as_path(source, tmp_path),
            "safetensors": lambda: _as_safetensors(source, tmp_path),
            "estimator": lambda: source, "module": lambda: source.module_}[kind]()
    X, y = blobs()
    clf = NeuralNetClassifier(hidden_layer_sizes=(8, 8), init_from=init, freeze=["0.*", "2.*"],
                              max_epochs=4, random_state=0).fit(X, y)
    src = weights(source.module_)
    got = weights(clf.module_)
    for key in ["0.weight", "0.bias", "2.weight", "2.bias"]:
        np.testing.assert_array_equal(got[key], src[key])  # bit-identical
    assert not np.array_equal(got["4.weight"], src["4.weight"])  # the head trained
    assert clf.init_loaded_ == tuple(src) and clf.init_kept_ == ()


def test_init_from_keeps_mismatched_layers_and_raises_when_nothing_matches(source):
    X, y = blobs(classes=4)
    clf = NeuralNetClassifier(hidden_layer_sizes=(8, 8), init_from=source, max_epochs=0,
                              random_state=0).fit(X, y)
    assert clf.init_loaded_ == ("0.weight", "0.bias", "2.weight", "2.bias")
    assert clf.init_kept_ == ("4.weight", "4.bias")  # 4 classes here, 3 in the source
    with pytest.raises(ValueError, match="no entry of the source matches"):
        NeuralNetClassifier(hidden_layer_sizes=(5,), init_from=source).fit(X, y)
    with pytest.raises(ValueError, match="unfitted NeuralNetClassifier"):
        NeuralNetClassifier(init_from=NeuralNetClassifier()).fit(X, y)
    with pytest.raises(FileNotFoundError, match="no such file"):
        NeuralNetClassifier(init_from="missing.pt").fit(X, y)


def test_clone_keeps_a_fitted_init_from(source):
    est = NeuralNetClassifier(hidden_layer_sizes=(8, 8), init_from=source)
    twin = clone(est)
    assert hasattr(twin.init_from, "module_")  # scikit-learn's clone would unfit it
    assert "init_from__lr" not in est.get_params()


# ----------------------------------------------------------- labels, targets, modules
def test_string_labels_binary_and_class_weight(cancer):
    X, y = cancer
    X = StandardScaler().fit_transform(X)
    labels = np.array(["malignant", "benign"])[y]
    clf = NeuralNetClassifier(max_epochs=5, random_state=0).fit(X, labels)
    assert clf.classes_.tolist() == ["benign", "malignant"]
    assert set(clf.predict(X)) == {"benign", "malignant"} and clf.score(X, labels) > 0.95
    assert clf.predict_proba(X).shape == (len(X), 2)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X[:5])), clf.predict_proba(X[:5]))
    heavy = NeuralNetClassifier(max_epochs=5, random_state=0,
                                class_weight={"benign": 1.0, "malignant": 50.0}).fit(X, labels)
    assert (heavy.predict(X) == "malignant").mean() > (clf.predict(X) == "malignant").mean()
    balanced = NeuralNetClassifier(max_epochs=1, class_weight="balanced").fit(X, labels)
    w = balanced.criterion_.weight.detach().numpy()
    np.testing.assert_allclose(w, len(y) / (2 * np.bincount(y)[::-1]), rtol=1e-6)


def test_regressor_one_and_several_outputs():
    X, y = make_regression(n_samples=200, n_features=5, n_targets=3, noise=1.0, random_state=0)
    y = y / y.std(axis=0)
    reg = NeuralNetRegressor(lr=0.01, max_epochs=40, random_state=0).fit(X, y)
    assert reg.predict(X).shape == (200, 3) and reg.n_outputs_ == 3 and reg.score(X, y) > 0.95
    one = NeuralNetRegressor(lr=0.01, max_epochs=5, random_state=0).fit(X, y[:, 0])
    assert one.predict(X).shape == (200,) and one.predict(X).dtype == np.float64
    assert next(one.module_.parameters()).dtype == mt.float32  # float64 input cast once
    with pytest.raises(ValueError, match="needs \\(n_samples, 3\\)"):
        NeuralNetRegressor(nn.Linear(5, 2)).fit(X, y)


class Wide(nn.Module):
    def __init__(self, n_features, n_outputs, width=4):
        super().__init__()
        self.body = nn.Linear(n_features, width)
        self.head = nn.Linear(width, n_outputs)

    def forward(self, x):
        return self.head(self.body(x).relu())


def test_module_as_class_callable_or_instance():
    X, y = blobs()
    by_class = NeuralNetClassifier(Wide, module__width=7, max_epochs=1).fit(X, y)
    assert by_class.module_.body.out_features == 7
    by_callable = NeuralNetClassifier(lambda n_in, n_out: nn.Linear(n_in, n_out),
                                      max_epochs=1).fit(X, y)
    assert isinstance(by_callable.module_, nn.Linear) and by_callable.module_.out_features == 3
    instance = Wide(6, 3)
    start = weights(instance)
    by_instance = NeuralNetClassifier(instance, max_epochs=0).fit(X, y)
    assert by_instance.module_ is not instance
    assert all(np.array_equal(start[k], v) for k, v in weights(by_instance.module_).items())
    NeuralNetClassifier(instance, max_epochs=2).fit(X, y)
    assert all(np.array_equal(start[k], v) for k, v in weights(instance).items())  # untouched
    with pytest.raises(ValueError, match="module__ parameters"):
        NeuralNetClassifier(instance, module__width=3).fit(X, y)


def test_routed_parameters():
    X, y = blobs()
    clf = NeuralNetClassifier(module__dropout=0.2, optimizer__weight_decay=0.01,
                              criterion__label_smoothing=0.1, data__drop_last=True,
                              batch_size=50, max_epochs=1).fit(X, y)
    assert any(isinstance(m, nn.Dropout) and m.p == 0.2 for m in clf.module_.modules())
    assert clf.optimizer_.param_groups[0]["weight_decay"] == 0.01
    assert clf.criterion_.label_smoothing == 0.1
    assert clf.get_params()["data__drop_last"] is True
    with pytest.raises(ValueError, match="not optimizer__lr"):
        NeuralNetClassifier(optimizer__lr=0.1).fit(X, y)
    with pytest.raises(TypeError, match="unexpected keyword argument 'modul__width'"):
        NeuralNetClassifier(modul__width=3).fit(X, y)
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        NeuralNetClassifier(lr=0).fit(X, y)


def test_early_stopping_and_callbacks():
    X, y = blobs(n=300)
    user = train.EarlyStopping(monitor="loss", patience=1000)
    clf = NeuralNetClassifier(lr=0.05, max_epochs=200, early_stopping=True, n_iter_no_change=3,
                              callbacks=[user], random_state=0).fit(X, y)
    assert clf.n_iter_ < 200 and "val_loss" in clf.history_ and "val_accuracy" in clf.history_
    assert clf.callbacks_[0] is not user and user.best_epoch == -1  # fit used a copy
    assert clf.callbacks_[0].best_epoch >= 0


def test_random_state_reproducible_and_global_rng_untouched():
    X, y = blobs()
    mt.manual_seed(123)
    expected = mt.randn(3).numpy()
    mt.manual_seed(123)
    a = NeuralNetClassifier(module__dropout=0.3, max_epochs=2, random_state=7).fit(X, y)
    np.testing.assert_array_equal(mt.randn(3).numpy(), expected)
    b = NeuralNetClassifier(module__dropout=0.3, max_epochs=2, random_state=7).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_verbose_shows_a_progress_bar(capsys):
    NeuralNetClassifier(max_epochs=2, verbose=True).fit(*blobs())
    err = capsys.readouterr().err
    assert "epoch 1/2" in err and "epoch 2/2" in err and ("it/s" in err or "s/it" in err)


def test_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = blobs()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf = NeuralNetClassifier(max_epochs=1, random_state=0).fit(frame, y)
    assert clf.feature_names_in_.tolist() == list(frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)  # fitted with names, predicting without: scikit-learn's warning

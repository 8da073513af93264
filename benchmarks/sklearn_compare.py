"""NeuralNetClassifier against scikit-learn's MLPClassifier: fit time and test accuracy.

    OPENBLAS_NUM_THREADS=1 python benchmarks/sklearn_compare.py            # all three data sets
    python benchmarks/sklearn_compare.py --only digits,breast_cancer      # the small ones
    python benchmarks/sklearn_compare.py --repeat 5                        # more timing rounds
    python benchmarks/sklearn_compare.py --profile make_classification_100k  # where time goes

Same run, same splits, same network and optimizer for both: one hidden layer of 100 ReLU
units (MLPClassifier's default), Adam with learning rate 1e-3, no weight decay (``alpha=0``),
the same batch size and the same number of epochs, shuffled every epoch; MLPClassifier's
loss-based stopping is switched off (``tol=0``, ``n_iter_no_change`` above the epochs), so
both train every epoch. Each data set is split once (stratified, 25 % test, seed 0) and
standardised with the training statistics. scikit-learn is timed twice: on the float64
arrays a user usually has (it then trains in float64) and on float32 arrays (it then
trains in float32, as minitorch always does; minitorch casts float64 input once).

One BLAS thread (``OPENBLAS_NUM_THREADS=1``, set here before numpy is imported unless
already set): the small networks do not gain from more, and on a busy machine two OpenBLAS
threads make float32 ``x @ W.T`` (minitorch's Linear) many times slower (measured: 10-26 ms
instead of 0.2-0.3 ms for 200x30 @ 30x100 with the other core loaded). Times are the
process's CPU seconds (``time.process_time``) of ``fit``: with one thread on an idle
machine that is the wall time, and on a shared machine it does not count the time other
processes hold the cores. Each fit is timed ``--repeat`` times (median; the 100k set once
by default), the contenders interleaved within each round; the accuracies do not depend on
the round (every fit is seeded). No timing is asserted anywhere: tests/test_sklearn_docs.py reruns
the two small data sets and checks the accuracies quoted in docs/sklearn.md and
benchmarks/README.md.
"""
# ruff: noqa: N803, N806  (scikit-learn's API calls the data X)
from __future__ import annotations

import os
import sys

if "numpy" not in sys.modules:  # BLAS reads these once, when numpy loads it
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

HIDDEN = (100,)
LR = 1e-3


@dataclass(frozen=True)
class Setting:
    name: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    batch_size: int
    epochs: int
    repeat: int  # default timing rounds


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def _breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def _synthetic() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    return make_classification(n_samples=100_000, n_features=50, n_informative=30,
                               n_redundant=10, n_classes=2, random_state=0)


SETTINGS = {
    # batch 200 is MLPClassifier's default ("auto": min(200, n_samples))
    "digits": Setting("digits", _digits, batch_size=200, epochs=50, repeat=3),
    "digits_batch32": Setting("digits_batch32", _digits, batch_size=32, epochs=20, repeat=3),
    "breast_cancer": Setting("breast_cancer", _breast_cancer, batch_size=200, epochs=50,
                             repeat=3),
    "make_classification_100k": Setting("make_classification_100k", _synthetic,
                                        batch_size=200, epochs=10, repeat=1),
}


def split(setting: Setting) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The one train/test split of a data set, standardised with training statistics."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = setting.load()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def make_minitorch(setting: Setting) -> Any:
    from minitorch.sklearn import NeuralNetClassifier

    return NeuralNetClassifier(hidden_layer_sizes=HIDDEN, activation="relu", optimizer="adam",
                               lr=LR, batch_size=setting.batch_size,
                               max_epochs=setting.epochs, random_state=0)


def make_sklearn(setting: Setting) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(hidden_layer_sizes=HIDDEN, activation="relu", solver="adam",
                         learning_rate_init=LR, alpha=0.0, batch_size=setting.batch_size,
                         max_iter=setting.epochs, shuffle=True, tol=0.0,
                         n_iter_no_change=setting.epochs + 1, early_stopping=False,
                         random_state=0)


# (column name, estimator factory, dtype of the arrays it is given)
CONTENDERS = [
    ("minitorch", make_minitorch, np.float64),
    ("sklearn float64", make_sklearn, np.float64),
    ("sklearn float32", make_sklearn, np.float32),
]


def measure(setting: Setting, repeat: int) -> dict[str, tuple[float, float]]:
    """{contender: (median fit CPU seconds, test accuracy)}; contenders interleaved per round."""
    from sklearn.exceptions import ConvergenceWarning

    X_train, X_test, y_train, y_test = split(setting)
    times: dict[str, list[float]] = {name: [] for name, _, _ in CONTENDERS}
    accuracy: dict[str, float] = {}
    for _ in range(repeat):
        for name, make, dtype in CONTENDERS:
            est = make(setting)
            Xtr, Xte = X_train.astype(dtype), X_test.astype(dtype)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.process_time()
                est.fit(Xtr, y_train)
                times[name].append(time.process_time() - start)
            accuracy[name] = float(est.score(Xte, y_test))
    return {name: (statistics.median(times[name]), accuracy[name]) for name in times}


def rows(names: list[str], repeat: int | None = None) -> list[list[str]]:
    """One table row per data set: shape, batch/epochs, then time and accuracy of each."""
    out = []
    for name in names:
        setting = SETTINGS[name]
        X, _ = setting.load()
        result = measure(setting, repeat or setting.repeat)
        mt_time = result["minitorch"][0]
        row = [name, f"{X.shape[0]} x {X.shape[1]}", f"{setting.batch_size} / {setting.epochs}"]
        for contender, _, _ in CONTENDERS:
            row.append(f"{result[contender][0]:.2f}")
        for contender, _, _ in CONTENDERS:
            row.append(f"{result[contender][1]:.4f}")
        row.append(f"{mt_time / result['sklearn float64'][0]:.2f}")
        row.append(f"{mt_time / result['sklearn float32'][0]:.2f}")
        out.append(row)
    return out


HEADER = (["data set", "samples x features", "batch / epochs"]
          + [f"fit CPU s, {c}" for c, _, _ in CONTENDERS]
          + [f"test acc, {c}" for c, _, _ in CONTENDERS]
          + ["time mt/sk64", "time mt/sk32"])


def table(body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


# (label, file name ending, function name, "tottime" or "cumtime")
PROFILE_PARTS = [
    ("backward pass", "engine.py", "run_backward", "cumtime"),
    ("ReLU forward", "elementwise.py", "forward:ReLU", "tottime"),
    ("cross-entropy (forward)", "functional.py", "cross_entropy", "cumtime"),
    ("optimizer step (Adam)", "optimizer.py", "step", "cumtime"),
    ("Linear forward (matmul)", "matmul.py", "forward:Linear", "tottime"),
    ("batch gathering (DataLoader)", "dataloader.py", "_batches", "cumtime"),
    ("train.fit's own loop code", "train.py", "_run_epoch", "tottime"),
]


def profile(name: str, epochs: int = 2) -> list[tuple[str, float]]:
    """Shares of minitorch's fit time (cProfile, ``epochs`` epochs of data set ``name``)."""
    import cProfile
    import inspect
    import pstats

    setting = SETTINGS[name]
    X_train, _, y_train, _ = split(setting)
    est = make_minitorch(setting).set_params(max_epochs=epochs)
    prof = cProfile.Profile()
    prof.enable()
    est.fit(X_train, y_train)
    prof.disable()
    stats = pstats.Stats(prof).stats  # {(file, line, func): (cc, nc, tt, ct, callers)}
    total = sum(tt for _, _, tt, _, _ in stats.values())
    shares = []
    for label, file_end, func, column in PROFILE_PARTS:
        func, _, owner = func.partition(":")
        seconds = 0.0
        for (file, line, fname), (_, _, tt, ct, _) in stats.items():
            if fname != func or not file.endswith(file_end):
                continue
            if owner and owner not in _class_at(file, line, inspect):
                continue
            seconds += tt if column == "tottime" else ct
        shares.append((label, seconds / total))
    return shares


def _class_at(file: str, line: int, inspect: Any) -> str:
    """The name of the class whose body holds ``line`` of ``file`` (for op forwards)."""
    try:
        lines = open(file).read().splitlines()[:line]
    except OSError:
        return ""
    for text in reversed(lines):
        if text.startswith("class "):
            return text[6:].split("(")[0].split(":")[0]
    return ""


def machine() -> str:
    import sklearn

    import minitorch

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {np.__version__}, scikit-learn "
            f"{sklearn.__version__}, minitorch {minitorch.__version__}, "
            f"OPENBLAS_NUM_THREADS={threads}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SETTINGS),
                        help=f"comma-separated data sets from {', '.join(SETTINGS)}")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timing rounds per data set (default: 3, and 1 for the 100k set)")
    parser.add_argument("--profile", metavar="DATA_SET", default=None,
                        help="instead: where minitorch's fit spends its time (cProfile, 2 "
                             "epochs of DATA_SET)")
    args = parser.parse_args(argv)
    if args.profile is not None:
        if args.profile not in SETTINGS:
            parser.error(f"unknown data set {args.profile!r}; choose from {', '.join(SETTINGS)}")
        print(f"share of minitorch's fit time, cProfile, 2 epochs of {args.profile}:")
        for label, share in profile(args.profile):
            print(f"  {label:30s} {100 * share:5.1f} %")
        return
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SETTINGS]
    if unknown:
        parser.error(f"unknown data set(s) {unknown}; choose from {', '.join(SETTINGS)}")
    print(machine())
    print(f"network {HIDDEN} ReLU, Adam lr={LR}, alpha=0, same batches sizes and epochs; "
          f"split 75/25 stratified, seed 0")
    print(table(rows(names, args.repeat)))


if __name__ == "__main__":
    main()

"""Shared pieces of the benchmark: data, initial weights, the interleaved timer, the
reference loss, and a description of the machine.

Every framework starts from the arrays made here (same weights, same batch order), so the
final losses can be compared as well as the times.
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

import numpy as np

SEED = 0


# ----------------------------------------------------------------------------- data
@dataclass
class TrainSpec:
    """One training workload: data already permuted-by-index, weights, optimizer."""

    name: str
    x: np.ndarray          # (n, d) float32
    y: np.ndarray          # (n,) int64 class labels
    perm: np.ndarray       # (n,) int64: the epoch's sample order, the same for everyone
    weights: list          # [(W (out, in), b (out,)), ...] float32, PyTorch layout
    batch: int
    optimizer: str         # "sgd" or "adam"
    opt_kwargs: dict = field(default_factory=dict)

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0][0].shape[1]] + [w.shape[0] for w, _ in self.weights]

    def batches(self) -> list[np.ndarray]:
        """The index array of each batch, in order."""
        return [self.perm[i:i + self.batch] for i in range(0, len(self.perm), self.batch)]


def init_weights(sizes: list[int], seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """PyTorch's default Linear init (uniform in +-1/sqrt(fan_in)), drawn once with numpy."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        out.append((w, b))
    return out


def synthetic_classification(n: int, d: int, k: int, seed: int = SEED):
    """Gaussian inputs labelled by a random linear teacher, so the loss can go down."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d), dtype=np.float32)
    teacher = rng.standard_normal((d, k)).astype(np.float32)
    y = (x @ teacher).argmax(axis=1).astype(np.int64)
    return x, y


def digits_standardised():
    """scikit-learn's digits (1797 x 64), standardised per feature, float32."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    x = ((x - x.mean(axis=0)) / std).astype(np.float32)
    return np.ascontiguousarray(x), y.astype(np.int64)


def permutation(n: int, seed: int = SEED) -> np.ndarray:
    return np.random.default_rng((seed, 0)).permutation(n)


def reference_loss(weights: list, x: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of a ReLU MLP given as numpy weights (float64): one judge for all."""
    h = x.astype(np.float64)
    for i, (w, b) in enumerate(weights):
        h = h @ w.T.astype(np.float64) + b
        if i < len(weights) - 1:
            np.maximum(h, 0, out=h)
    h -= h.max(axis=1, keepdims=True)
    logp = h - np.log(np.exp(h).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


# ----------------------------------------------------------------------------- timing
@dataclass
class Measured:
    """Times (seconds) of the counted rounds of one framework, and what each round returned."""

    times: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and self.error is None else None

    @property
    def check(self) -> Any:
        return self.checks[-1] if self.checks else None


Prepare = Callable[[], Callable[[], Any]]


# OpenBLAS worker threads spin for about 2**28 cycles (~0.1 s) after their last call
# before sleeping, and libgomp's (PyTorch's) spin too: a framework timed right after
# another would share the cores with the previous one's spinning threads.
SETTLE_S = 0.2


def interleave(candidates: dict[str, Prepare], rounds: int, warmup: int,
               settle: float = SETTLE_S) -> dict[str, Measured]:
    """Time each candidate ``rounds`` times (after ``warmup`` uncounted rounds), interleaved.

    ``candidates[name]()`` prepares one round outside the clock (fresh model from the shared
    weights, fresh optimizer) and returns ``run``; only ``run()`` is timed, and what it
    returns is kept as that round's check value. The order of the frameworks rotates from
    round to round, so none is always first after another's (e.g. after its BLAS threads
    went to sleep), and each timed run starts ``settle`` seconds after the previous one,
    once the previous framework's worker threads have gone to sleep. A framework that
    raises is reported and dropped from later rounds.
    """
    results = {name: Measured() for name in candidates}
    names = list(candidates)
    for r in range(warmup + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            res = results[name]
            if res.error is not None:
                continue
            try:
                run = candidates[name]()
                gc.collect()  # garbage of the previous round is nobody's cost
                time.sleep(settle)
                t0 = time.perf_counter()
                check = run()
                elapsed = time.perf_counter() - t0
            except Exception as err:  # noqa: BLE001 - a broken side must not stop the table
                res.error = f"{type(err).__name__}: {err}"[:300]
                continue
            if r >= warmup:
                res.times.append(elapsed)
                res.checks.append(check)
    return results


# ----------------------------------------------------------------------------- memory
MEMORY_STEPS = 5  # steps measured one by one: the median hides a rare outlier, raw shows it


def traced_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated while ``fn()`` runs, above the level at its start, as
    tracemalloc sees them (numpy reports its array buffers to it)."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak - base


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    """What the numbers depend on: CPU, threads, BLAS, versions, load."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "thread_env": {k: os.environ.get(k) for k in (
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
        "loadavg_start": loadavg(),
        "git": _git_revision(),
    }
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [
            {k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version",
                                   "num_threads", "architecture", "threading_layer")}
            for p in threadpool_info()
        ]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    for key, dist in (("torch", "torch"), ("sklearn", "scikit-learn")):
        try:
            info[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[key] = None
    return info


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class CpuWatch:
    """How much CPU other processes (and the hypervisor, as steal) took while we ran.

    /proc/stat counts every process's CPU time; ``os.times`` counts ours (with waited-for
    children). The difference, over wall time x cores, is the share of the machine that
    was not ours. None where /proc is absent.
    """

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample():
        try:
            with open("/proc/stat") as f:
                fields = [int(x) for x in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        tick = os.sysconf("SC_CLK_TCK")
        user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        own = os.times()
        return (time.perf_counter(), (user + nice + system + irq + softirq) / tick,
                steal / tick, own.user + own.system + own.children_user + own.children_system)

    def stop(self) -> dict[str, float] | None:
        end = self._sample()
        if self.start is None or end is None:
            return None
        wall = end[0] - self.start[0]
        capacity = wall * (os.cpu_count() or 1)
        others = (end[1] - self.start[1]) - (end[3] - self.start[3])
        return {"wall_s": round(wall, 2),
                "ours_share": round((end[3] - self.start[3]) / capacity, 3),
                "others_share": round(max(others, 0.0) / capacity, 3),
                "steal_share": round((end[2] - self.start[2]) / capacity, 3)}


def _git_revision() -> str | None:
    """The commit measured (with '+dirty' when the work tree has changes), if in a checkout."""
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        rev = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--", "minitorch"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (rev + ("+dirty" if dirty else "")) or None


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None

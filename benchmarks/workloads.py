"""The six workloads of the benchmark (see README.md). Each returns table rows.

A row holds one metric for every framework that has it (median of the counted rounds),
what each framework's result was (a loss, so that a fast but wrong result shows) and the
target from issue 7. Ratios across frameworks are computed by run.py.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

import common
import numpy as np
from common import TrainSpec, interleave

MLP = [784, 512, 256, 10]


@dataclass
class Config:
    quick: bool = False

    def rounds(self, full: int) -> tuple[int, int]:
        """(counted rounds, warm-up rounds)."""
        return (1, 0) if self.quick else (full, max(1, full // 4))


@dataclass
class Row:
    workload: str
    metric: str
    values: dict = field(default_factory=dict)     # framework -> median (None: failed)
    checks: dict = field(default_factory=dict)     # framework -> a loss or other result
    target: str = ""
    note: str = ""
    cross: bool = True      # whether minitorch / peer ratios make sense for this metric
    raw: dict = field(default_factory=dict)        # framework -> list of round times
    errors: dict = field(default_factory=dict)


def _row(workload, metric, results, scale=1.0, per=1.0, checks=None, **kw) -> Row:
    row = Row(workload, metric, **kw)
    for fw, res in results.items():
        row.values[fw] = None if res.median is None else res.median * scale / per
        row.raw[fw] = [t * scale / per for t in res.times]
        if res.error:
            row.errors[fw] = res.error
        if checks is not None and fw in checks:
            row.checks[fw] = checks[fw]
    return row


# ----------------------------------------------------------------------------- W1, W2
def w1_spec(quick: bool) -> TrainSpec:
    n = 1024 if quick else 8192
    x, y = common.synthetic_classification(n, MLP[0], MLP[-1])
    return TrainSpec("W1", x, y, common.permutation(n), common.init_weights(MLP), 128,
                     "sgd", dict(lr=0.01, momentum=0.9))


def w2_spec() -> TrainSpec:
    x, y = common.digits_standardised()
    return TrainSpec("W2", x, y, common.permutation(len(x)),
                     common.init_weights([64, 128, 128, 10]), 32, "adam", dict(lr=1e-3))


def train_rows(spec: TrainSpec, fws: dict, cfg: Config, full_rounds: int, unit: str,
               target: str) -> list[Row]:
    rounds, warmup = cfg.rounds(full_rounds)
    candidates = {name: fw.train_epoch(spec) for name, fw in fws.items()}
    results = interleave(candidates, rounds, warmup)
    checks = {}
    for name, res in results.items():
        if res.check is not None:
            epoch_loss, model = res.check
            final = common.reference_loss(fws[name].weights_of(model), spec.x, spec.y)
            checks[name] = {"final_loss": final, "epoch_mean_loss": epoch_loss}
            res.checks = [c[0] for c in res.checks]  # drop the models
    scale = 1.0 if unit == "s" else 1e3
    initial = common.reference_loss(spec.weights, spec.x, spec.y)
    shape = "-".join(map(str, spec.sizes))
    return [_row(spec.name, f"epoch ({unit})", results, scale=scale, checks=checks,
                 target=target,
                 note=f"{len(spec.x)} rows, MLP {shape}, {spec.optimizer} batch {spec.batch}; "
                      f"loss before training {initial:.4f}")]


# ----------------------------------------------------------------------------- W3
def flop_model(sizes: list[int]) -> float:
    """Frozen/full cost of a step if time followed matmul FLOPs: forward of every layer,
    backward of the head only (its weight gradient; its input needs none)."""
    layers = list(zip(sizes[:-1], sizes[1:]))
    fwd = sum(2 * i * o for i, o in layers)
    full_bwd = sum(2 * i * o for i, o in layers) + sum(2 * i * o for i, o in layers[1:])
    head_in, head_out = layers[-1]
    return (fwd + 2 * head_in * head_out) / (fwd + full_bwd)


def w3_rows(fws: dict, cfg: Config) -> list[Row]:
    spec = w1_spec(cfg.quick)
    steps = 8 if cfg.quick else 32
    rounds, warmup = cfg.rounds(7)
    fws = {k: v for k, v in fws.items() if hasattr(v, "train_steps")}
    candidates = {}
    for name, fw in fws.items():
        candidates[f"{name}|full"] = fw.train_steps(spec, False, steps)
        candidates[f"{name}|frozen"] = fw.train_steps(spec, True, steps)
    results = interleave(candidates, rounds, warmup)
    full = {n: results[f"{n}|full"] for n in fws}
    frozen = {n: results[f"{n}|frozen"] for n in fws}
    model = flop_model(MLP)
    rows = [
        _row("W3", "step, full (ms)", full, scale=1e3, per=steps,
             checks={n: {"last_loss": r.check} for n, r in full.items()}),
        _row("W3", "step, head only (ms)", frozen, scale=1e3, per=steps,
             checks={n: {"last_loss": r.check} for n, r in frozen.items()}),
    ]
    ratio = Row("W3", "step frozen / full", cross=False,
                target=f"within 0.05 of FLOP model {model:.3f}",
                note=f"FLOP model {model:.3f}: forward of all layers, backward of the head only")
    mem_full = Row("W3", "peak step memory, full (MB)",
                   note="median over steps; minitorch, numpy: tracemalloc (numpy allocations); "
                        "torch: profiler memory events; from the state after zero_grad, "
                        "optimizer state existing")
    mem_frozen = Row("W3", "peak step memory, head only (MB)")
    mem_ratio = Row("W3", "memory frozen / full", cross=False, target="<= 0.3")
    for n in fws:
        a, b = full[n].median, frozen[n].median
        # per-round pairs share the machine's state: their ratio is less noisy than the medians'
        pairs = [f / g for f, g in zip(frozen[n].times, full[n].times)]
        ratio.values[n] = statistics.median(pairs) if a and b else None
        ratio.raw[n] = pairs
        try:
            peaks_full = fws[n].step_peak_memory(spec, False)
            peaks_frozen = fws[n].step_peak_memory(spec, True)
        except Exception as err:  # noqa: BLE001
            mem_full.errors[n] = f"{type(err).__name__}: {err}"[:300]
            continue
        if not peaks_full or not peaks_frozen:
            continue
        m_full, m_frozen = statistics.median(peaks_full), statistics.median(peaks_frozen)
        mem_full.values[n], mem_frozen.values[n] = m_full / 1e6, m_frozen / 1e6
        mem_full.raw[n] = [p / 1e6 for p in peaks_full]
        mem_frozen.raw[n] = [p / 1e6 for p in peaks_frozen]
        mem_ratio.values[n] = m_frozen / m_full
    return rows + [ratio, mem_full, mem_frozen, mem_ratio]


# ----------------------------------------------------------------------------- W4
def w4_rows(fws: dict, cfg: Config) -> list[Row]:
    spec = w1_spec(cfg.quick)
    x, batch = spec.x, 1024
    rounds, warmup = cfg.rounds(15)
    reference = _reference_predictions(spec.weights, x)
    candidates = {}
    for name, fw in fws.items():
        candidates[f"{name}|no_grad"] = fw.infer(spec.weights, x, batch, grad=False)
        if getattr(fw, "HAS_AUTOGRAD", True):
            candidates[f"{name}|grad"] = fw.infer(spec.weights, x, batch, grad=True)
    results = interleave(candidates, rounds, warmup)

    def agree(res):
        if res.check is None:
            return None
        return {"agree_with_numpy": float((res.check == reference).mean())}

    rows = []
    for mode, label in (("no_grad", "no_grad (ms)"), ("grad", "grad enabled (ms)")):
        sub = {n: results[f"{n}|{mode}"] for n in fws if f"{n}|{mode}" in results}
        rows.append(_row("W4", label, sub, scale=1e3, checks={n: agree(r) for n, r in sub.items()},
                         target="<= 1.0x torch" if mode == "no_grad" else "",
                         note=f"{len(x)} rows in batches of {batch}, argmax per batch; "
                              "sklearn: predict() per batch" if mode == "no_grad" else ""))
    ratio = Row("W4", "grad enabled / no_grad", cross=False, target="<= 1.1")
    for n in fws:
        g, ng = results.get(f"{n}|grad"), results.get(f"{n}|no_grad")
        if g is not None and g.times and ng.times:
            pairs = [a / b for a, b in zip(g.times, ng.times)]
            ratio.values[n] = statistics.median(pairs)
            ratio.raw[n] = pairs
    return rows + [ratio]


def _reference_predictions(weights: list, x: np.ndarray) -> np.ndarray:
    h = x
    for i, (w, b) in enumerate(weights):
        h = h @ w.T + b
        if i < len(weights) - 1:
            h = np.maximum(h, 0)
    return h.argmax(axis=1)


# ----------------------------------------------------------------------------- W5
def w5_rows(fws: dict, cfg: Config, n_ops: int = 1000) -> list[Row]:
    rng = np.random.default_rng(common.SEED)
    arrays = {k: rng.standard_normal((4, 4)).astype(np.float32) * 0.5 for k in "xabc"}
    fws = {k: v for k, v in fws.items() if hasattr(v, "chain")}
    rounds, warmup = cfg.rounds(15)
    candidates = {}
    for name, fw in fws.items():
        candidates[f"{name}|both"] = fw.chain(arrays, n_ops, backward=True)
        candidates[f"{name}|fwd"] = fw.chain(arrays, n_ops, backward=False)
    results = interleave(candidates, rounds, warmup, settle=0.02)  # no BLAS threads at 4x4
    both = {n: results[f"{n}|both"] for n in fws}
    fwd = {n: results[f"{n}|fwd"] for n in fws}
    checks = {n: None if r.check is None else {"out": r.check[0], "a.grad.sum": r.check[1]}
              for n, r in both.items()}
    row = _row("W5", "forward+backward (us/op)", both, scale=1e6, per=n_ops, checks=checks,
               target="<= 4 us/op",
               note=f"{n_ops} ops (mul, add, tanh, matmul) on 4x4 float32 tensors requiring "
                    "grad; numpy: the same array ops, backward written by hand")
    return [row, _row("W5", "forward only (us/op)", fwd, scale=1e6, per=n_ops)]


# ----------------------------------------------------------------------------- W6
def _run_process(statement: str, env: dict) -> None:
    subprocess.run([sys.executable, "-c", statement], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def w6_rows(fws: dict, cfg: Config) -> list[Row]:
    """Import time of a fresh process with bytecode cached, as after a pip install (which
    compiles it). PyTorch's and scikit-learn's installs have theirs; minitorch's editable
    install has none where this environment forbids writing it (PYTHONDONTWRITEBYTECODE),
    so minitorch, numpy and bare python run with a private, primed bytecode cache (which
    replaces __pycache__ for every module), and the uncached import gets its own row."""
    rounds, warmup = cfg.rounds(5)
    statements = {n: fw.IMPORT_STATEMENT for n, fw in fws.items()}
    statements["floor: python"] = "pass"
    private = ("minitorch", "numpy", "floor: python")
    with tempfile.TemporaryDirectory(prefix="minitorch-bench-pyc-") as cache:
        cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache
        envs = {n: cached if n in private else dict(os.environ) for n in statements}
        for name in private:
            if name in statements:
                _run_process(statements[name], cached)  # compile once into the cache

        def prep(stmt: str, env: dict):
            return lambda: (lambda: _run_process(stmt, env))

        candidates = {n: prep(s, envs[n]) for n, s in statements.items()}
        no_cache = "PYTHONDONTWRITEBYTECODE" in os.environ and "minitorch" in fws
        if no_cache:
            candidates["uncached"] = prep(statements["minitorch"], dict(os.environ))
        results = interleave(candidates, rounds, warmup, settle=0.0)  # separate processes
    main = {n: results[n] for n in fws}
    floor = results["floor: python"]
    row = _row("W6", "import, whole process (s)", main, target="<= 0.15 s",
               note="; ".join(f"{n}: python -c '{s}'" for n, s in statements.items())
               + " (bytecode cached)" + ("" if floor.median is None else
                                         f"; python alone {floor.median:.3f} s"))
    row.raw["floor: python"] = floor.times
    rows = [row]
    if no_cache:
        rows.append(_row("W6", "import, no bytecode cache (s)", {"minitorch": results["uncached"]},
                         note="as run here: PYTHONDONTWRITEBYTECODE is set and the editable "
                              "install has no __pycache__, so every import compiles minitorch"))
    return rows


def run_workload(name: str, fws: dict, cfg: Config) -> list[Row]:
    trainers = {k: v for k, v in fws.items() if hasattr(v, "train_epoch")}
    if name == "W1":
        return train_rows(w1_spec(cfg.quick), trainers, cfg, 9, "s",
                          "<= 1.15x torch, < 1x sklearn")
    if name == "W2":
        return train_rows(w2_spec(), trainers, cfg, 11, "ms", "<= 0.8x torch")
    if name == "W3":
        return w3_rows(fws, cfg)
    if name == "W4":
        return w4_rows(fws, cfg)
    if name == "W5":
        return w5_rows(fws, cfg)
    if name == "W6":
        return w6_rows(fws, cfg)
    raise ValueError(f"unknown workload {name!r}; choose from W1..W6")


def row_dict(row: Row) -> dict[str, Any]:
    return {k: getattr(row, k) for k in Row.__dataclass_fields__}

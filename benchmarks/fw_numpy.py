"""The floor: each workload written by hand in plain numpy, no framework at all.

Same numpy calls a numpy framework has to make (matmuls, ReLU, a fused log-softmax, in-place
optimizer updates), with the backward pass written out and no graph, no Python objects per
op. minitorch / numpy is then the framework's own overhead, and numpy / torch is what
numpy's BLAS and ufuncs cost against PyTorch's kernels: a bound no numpy framework beats.
"""
from __future__ import annotations

from functools import partial

import numpy as np
from common import MEMORY_STEPS, TrainSpec, traced_peak

NAME = "numpy"
VERSION = np.__version__
HAS_AUTOGRAD = False
IMPORT_STATEMENT = "import numpy"


class MLP:
    """A ReLU MLP whose first ``frozen`` layers get no gradient (and no input gradient)."""

    def __init__(self, weights: list, frozen: int = 0) -> None:
        self.params = [(w.copy(), b.copy()) for w, b in weights]
        self.frozen = frozen

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        acts = [x]
        last = len(self.params) - 1
        for i, (w, b) in enumerate(self.params):
            h = acts[-1] @ w.T
            h += b
            if i < last:
                np.maximum(h, 0, out=h)
            acts.append(h)
        return acts

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, list]:
        acts = self.forward(x)
        logits = acts[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.log(total[:, 0]).mean() - shifted[rows, y].mean())
        g = exp / total
        g[rows, y] -= 1
        g /= len(y)
        grads = [None] * len(self.params)
        for i in range(len(self.params) - 1, self.frozen - 1, -1):
            w = self.params[i][0]
            grads[i] = (g.T @ acts[i], g.sum(axis=0))
            if i > self.frozen:
                g = g @ w
                g *= acts[i] > 0
        return loss, grads


class SGD:
    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr, self.momentum, self.bufs = lr, momentum, {}

    def step(self, params: list, grads: list) -> None:
        for i, (pair, gpair) in enumerate(zip(params, grads)):
            if gpair is None:
                continue
            for j, (p, g) in enumerate(zip(pair, gpair)):
                buf = self.bufs.get((i, j))
                if buf is None:
                    buf = self.bufs[(i, j)] = g.copy()
                else:
                    buf *= self.momentum
                    buf += g
                np.multiply(buf, self.lr, out=g)  # g is this step's own array: reuse it
                p -= g


class Adam:
    def __init__(self, lr: float, betas=(0.9, 0.999), eps: float = 1e-8) -> None:
        self.lr, (self.b1, self.b2), self.eps, self.state, self.t = lr, betas, eps, {}, 0

    def step(self, params: list, grads: list) -> None:
        self.t += 1
        c1, c2 = 1 - self.b1 ** self.t, np.sqrt(1 - self.b2 ** self.t)
        for i, (pair, gpair) in enumerate(zip(params, grads)):
            if gpair is None:
                continue
            for j, (p, g) in enumerate(zip(pair, gpair)):
                m, v = self.state.setdefault((i, j), (np.zeros_like(p), np.zeros_like(p)))
                m += (1 - self.b1) * (g - m)
                v *= self.b2
                v += (1 - self.b2) * g * g
                p -= (self.lr / c1) * m / (np.sqrt(v) / c2 + self.eps)


def _optimizer(spec: TrainSpec):
    return SGD(**spec.opt_kwargs) if spec.optimizer == "sgd" else Adam(**spec.opt_kwargs)


def weights_of(model: MLP) -> list:
    return [(w.copy(), b.copy()) for w, b in model.params]


def train_epoch(spec: TrainSpec):
    def prepare():
        model, opt = MLP(spec.weights), _optimizer(spec)

        def run():
            total = 0.0
            for start in range(0, len(spec.perm), spec.batch):
                idx = spec.perm[start:start + spec.batch]
                loss, grads = model.loss_and_grads(spec.x[idx], spec.y[idx])
                opt.step(model.params, grads)
                total += loss * len(idx)
            return total / len(spec.perm), model
        return run
    return prepare


def _frozen_setup(spec: TrainSpec, frozen: bool):
    model = MLP(spec.weights, frozen=len(spec.weights) - 1 if frozen else 0)
    opt = _optimizer(spec)
    batches = [(spec.x[idx], spec.y[idx]) for idx in spec.batches()]

    def step(xb, yb):
        loss, grads = model.loss_and_grads(xb, yb)
        opt.step(model.params, grads)
        return loss
    return batches, step


def train_steps(spec: TrainSpec, frozen: bool, steps: int):
    def prepare():
        batches, step = _frozen_setup(spec, frozen)

        def run():
            for i in range(steps):
                loss = step(*batches[i % len(batches)])
            return loss
        return run
    return prepare


def step_peak_memory(spec: TrainSpec, frozen: bool) -> list[int]:
    batches, step = _frozen_setup(spec, frozen)
    for i in range(3):
        step(*batches[i])
    return [traced_peak(partial(step, *batches[i])) for i in range(3, 3 + MEMORY_STEPS)]


def infer(weights: list, x: np.ndarray, batch: int, grad: bool):
    def prepare():
        model = MLP(weights)

        def run():
            return np.concatenate([model.forward(x[i:i + batch])[-1].argmax(axis=1)
                                   for i in range(0, len(x), batch)])
        return run
    return prepare


def chain(arrays: dict, n_ops: int, backward: bool = True):
    """W5's ops in plain numpy with the backward written by hand."""
    def prepare():
        x, a, b, c = (arrays[k].copy() for k in "xabc")

        def run():
            saved = []
            y = x
            for _ in range(n_ops // 4):
                saved.append(y)
                y = y * a
                y = y + b
                y = np.tanh(y)
                saved.append(y)
                y = y @ c
            out = y.sum()
            if not backward:
                return float(out), None
            g = np.ones_like(y)
            ga, gb, gc = np.zeros_like(a), np.zeros_like(b), np.zeros_like(c)
            for i in range(n_ops // 4 - 1, -1, -1):
                t = saved[2 * i + 1]
                gc += t.T @ g
                g = g @ c.T
                g = g * (1 - t * t)
                gb += g
                ga += g * saved[2 * i]
                g = g * a
            return float(out), float(ga.sum())
        return run
    return prepare

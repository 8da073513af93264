"""The minitorch side of each workload, written the way a user would write it."""
from __future__ import annotations

from functools import partial

import numpy as np
from common import MEMORY_STEPS, SEED, TrainSpec, traced_peak

import minitorch as mt
from minitorch import nn, optim
from minitorch.data import DataLoader, TensorDataset

NAME = "minitorch"
VERSION = mt.__version__


def build_mlp(weights: list) -> nn.Sequential:
    """Linear/ReLU stack loaded with the shared initial weights."""
    layers: list = []
    state = {}
    for i, (w, b) in enumerate(weights):
        layers.append(nn.Linear(w.shape[1], w.shape[0]))
        state[f"{2 * i}.weight"] = mt.tensor(w)
        state[f"{2 * i}.bias"] = mt.tensor(b)
        if i < len(weights) - 1:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    model.load_state_dict(state)
    return model


def weights_of(model: nn.Sequential) -> list:
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]


def make_optimizer(spec: TrainSpec, params):
    if spec.optimizer == "sgd":
        return optim.SGD(params, **spec.opt_kwargs)
    return optim.Adam(params, **spec.opt_kwargs)


def shuffled_loader(spec: TrainSpec) -> DataLoader:
    """A seeded shuffling DataLoader whose first epoch visits ``spec.perm`` in order.

    minitorch orders epoch ``k`` of a loader with ``seed`` by a permutation drawn from
    ``(seed, k)``; ``common.permutation`` draws the same one, which the harness checks.
    """
    loader = DataLoader(TensorDataset(spec.x, spec.y), batch_size=spec.batch, shuffle=True,
                        seed=SEED)
    first_x, _ = next(iter(loader))
    if not np.array_equal(first_x.numpy(), spec.x[spec.perm[:spec.batch]]):
        raise RuntimeError("minitorch's DataLoader no longer orders the epoch like "
                           "common.permutation: update the harness")
    loader.set_epoch(0)
    return loader


def train_epoch(spec: TrainSpec):
    """Prepare: fresh model, optimizer and loader; run: one epoch, returns (mean loss, model)."""
    def prepare():
        model = build_mlp(spec.weights)
        opt = make_optimizer(spec, model.parameters())
        loss_fn = nn.CrossEntropyLoss()
        loader = shuffled_loader(spec)

        def run():
            total, count = 0.0, 0
            for xb, yb in loader:
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
                total += loss.item() * len(yb)
                count += len(yb)
            return total / count, model
        return run
    return prepare


def _frozen_setup(spec: TrainSpec, frozen: bool):
    model = build_mlp(spec.weights)
    if frozen:
        nn.freeze(model[:-1])  # every Linear but the head
    opt = make_optimizer(spec, model.parameters())
    loss_fn = nn.CrossEntropyLoss()
    batches = [(mt.from_numpy(spec.x[idx]), mt.from_numpy(spec.y[idx]))
               for idx in spec.batches()]

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return model, opt, batches, step


def train_steps(spec: TrainSpec, frozen: bool, steps: int):
    """Prepare: model with the first Linears frozen (or not); run: ``steps`` training steps."""
    def prepare():
        _, _, batches, step = _frozen_setup(spec, frozen)

        def run():
            for i in range(steps):
                loss = step(*batches[i % len(batches)])
            return loss.item()
        return run
    return prepare


def step_peak_memory(spec: TrainSpec, frozen: bool) -> list[int]:
    """Peak bytes numpy allocates during each of a few steps (forward, loss, backward,
    optimizer step), each from the state after ``zero_grad()``, optimizer state existing."""
    _, opt, batches, step = _frozen_setup(spec, frozen)
    for i in range(3):
        step(*batches[i])
    peaks = []
    for i in range(3, 3 + MEMORY_STEPS):
        opt.zero_grad()
        peaks.append(traced_peak(partial(step, *batches[i])))
    return peaks


def infer(weights: list, x: np.ndarray, batch: int, grad: bool):
    """Prepare: model; run: class predictions for all rows, in batches, grad on or off."""
    def prepare():
        model = build_mlp(weights).eval()
        xs = [mt.from_numpy(x[i:i + batch]) for i in range(0, len(x), batch)]

        def run():
            with mt.set_grad_enabled(grad):
                preds = [model(xb).argmax(dim=1) for xb in xs]
            return mt.cat(preds).numpy()
        return run
    return prepare


def _leaves(arrays: dict) -> tuple:
    return tuple(mt.tensor(arrays[k], requires_grad=True) for k in ("x", "a", "b", "c"))


def _chain_ops(y, a, b, c, n_ops: int):
    for _ in range(n_ops // 4):
        y = y * a
        y = y + b
        y = y.tanh()
        y = y @ c
    return y


def chain(arrays: dict, n_ops: int, backward: bool = True):
    """Prepare: 4x4 leaves that require grad; run: n_ops ops (mul, add, tanh, matmul), then
    backward (or, with ``backward=False``, the forward alone, graph built)."""
    def prepare():
        x, a, b, c = _leaves(arrays)

        def run():
            out = _chain_ops(x, a, b, c, n_ops).sum()
            if not backward:
                return out.item(), None
            out.backward()
            return out.item(), a.grad.sum().item()
        return run
    return prepare


IMPORT_STATEMENT = "import minitorch"

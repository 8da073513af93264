"""The PyTorch (CPU) side of each workload: plain idiomatic PyTorch, same threads.

Batches are gathered from the epoch's permutation with one index per tensor
(``x[idx]``), what minitorch's shuffling DataLoader does too; torch's own DataLoader
collates sample by sample and would only make PyTorch look slower.
"""
from __future__ import annotations

import numpy as np
import torch
from common import MEMORY_STEPS, TrainSpec

NAME = "torch"
VERSION = torch.__version__


def set_threads(n: int) -> None:
    torch.set_num_threads(n)


def build_mlp(weights: list) -> torch.nn.Sequential:
    layers: list = []
    for i, (w, b) in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(weights) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def weights_of(model: torch.nn.Sequential) -> list:
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    return [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]


def make_optimizer(spec: TrainSpec, params):
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, **spec.opt_kwargs)
    return torch.optim.Adam(params, **spec.opt_kwargs)


def train_epoch(spec: TrainSpec):
    def prepare():
        model = build_mlp(spec.weights)
        opt = make_optimizer(spec, model.parameters())
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = torch.from_numpy(spec.x), torch.from_numpy(spec.y)
        perm, n, bs = torch.from_numpy(spec.perm), len(spec.perm), spec.batch

        def run():
            total, count = 0.0, 0
            for start in range(0, n, bs):
                idx = perm[start:start + bs]
                xb, yb = x[idx], y[idx]
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
        for p in model[:-1].parameters():
            p.requires_grad_(False)
    opt = make_optimizer(spec, model.parameters())  # frozen params: grad None, skipped
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = [(torch.from_numpy(spec.x[idx]), torch.from_numpy(spec.y[idx]))
               for idx in spec.batches()]

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return model, opt, batches, step


def train_steps(spec: TrainSpec, frozen: bool, steps: int):
    def prepare():
        _, _, batches, step = _frozen_setup(spec, frozen)

        def run():
            for i in range(steps):
                loss = step(*batches[i % len(batches)])
            return loss.item()
        return run
    return prepare


def step_peak_memory(spec: TrainSpec, frozen: bool) -> list[int] | None:
    """Peak bytes of torch's CPU allocations during each of a few steps, from the
    profiler's memory events (an internal API: None if it is not there)."""
    from torch.profiler import ProfilerActivity, profile

    _, opt, batches, step = _frozen_setup(spec, frozen)
    for i in range(3):
        step(*batches[i])
    peaks = []
    for i in range(3, 3 + MEMORY_STEPS):
        opt.zero_grad()
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            step(*batches[i])
        try:
            events = [e for e in prof.profiler.kineto_results.events() if e.name() == "[memory]"]
        except AttributeError:
            return None
        events.sort(key=lambda e: e.start_ns())
        current = peak = 0
        for e in events:
            current += e.nbytes()
            peak = max(peak, current)
        peaks.append(peak)
    return peaks


def infer(weights: list, x: np.ndarray, batch: int, grad: bool):
    def prepare():
        model = build_mlp(weights).eval()
        xs = [torch.from_numpy(x[i:i + batch]) for i in range(0, len(x), batch)]

        def run():
            with torch.set_grad_enabled(grad):
                preds = [model(xb).argmax(dim=1) for xb in xs]
            return torch.cat(preds).numpy()
        return run
    return prepare


def _chain_ops(y, a, b, c, n_ops: int):
    for _ in range(n_ops // 4):
        y = y * a
        y = y + b
        y = y.tanh()
        y = y @ c
    return y


def chain(arrays: dict, n_ops: int, backward: bool = True):
    def prepare():
        x, a, b, c = (torch.tensor(arrays[k], requires_grad=True) for k in ("x", "a", "b", "c"))

        def run():
            out = _chain_ops(x, a, b, c, n_ops).sum()
            if not backward:
                return out.item(), None
            out.backward()
            return out.item(), a.grad.sum().item()
        return run
    return prepare


IMPORT_STATEMENT = "import torch"

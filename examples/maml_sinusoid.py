"""MAML on sinusoid regression (Finn et al. 2017, arXiv:1703.03400, section 5.1).

Learn an initialisation that fine-tunes well in one gradient step: the meta-gradient goes
through the inner SGD step, so it needs gradients of gradients (``create_graph=True``).

The task family is the paper's: y = A sin(x - phase), amplitude A ~ U[0.1, 5],
phase ~ U[0, pi], x ~ U[-5, 5]; an MLP 1-40-40-1 with ReLU; K=10 support and 10 query
points per task; one inner SGD step with alpha=0.01; Adam at 1e-3 over meta-batches of 25
tasks. Fewer meta-iterations than the paper's 70,000 (``--iterations``). Three models
are compared, each then fine-tuned with 1 and 10 SGD steps (alpha=0.01) on K=5 and K=10
points of 600 new tasks:

- ``maml``: second-order MAML (the inner gradient is differentiated: create_graph=True);
- ``fomaml``: first-order MAML (the inner gradient is treated as a constant);
- ``pretrained``: the same network trained on all tasks jointly (plain regression).

The 25 tasks of a meta-batch run as one batched computation: every task has its own copy of
the weights (the parameters expanded along a task axis), so one backward pass gives each
task's own inner gradient. ``--anil`` adapts only the last layer in the inner loop (ANIL);
the body's parameters are simply left out of the inner gradient.

Run ``python examples/maml_sinusoid.py`` (a few minutes on 2 cores; ``--help`` for flags).
With OPENBLAS_NUM_THREADS=1 and the default seed the table repeats exactly.
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

import minitorch as mt
from minitorch import nn, optim

ALPHA = 0.01  # the inner learning rate, for training and for fine-tuning at test time


class SinusoidTasks:
    """Draws tasks and points from the paper's distribution with one numpy generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def sample(self, n_tasks: int, n_points: int) -> tuple[np.ndarray, ...]:
        amplitude = self.rng.uniform(0.1, 5.0, (n_tasks, 1, 1))
        phase = self.rng.uniform(0.0, math.pi, (n_tasks, 1, 1))
        x = self.rng.uniform(-5.0, 5.0, (n_tasks, n_points, 1))
        return amplitude, phase, x

    @staticmethod
    def values(amplitude: np.ndarray, phase: np.ndarray, x: np.ndarray) -> np.ndarray:
        return amplitude * np.sin(x - phase)

    def batch(self, n_tasks: int, n_support: int, n_query: int) -> tuple[mt.Tensor, ...]:
        amplitude, phase, x = self.sample(n_tasks, n_support + n_query)
        y = self.values(amplitude, phase, x)
        as_t = lambda a: mt.tensor(a, dtype=mt.float32)  # noqa: E731
        return (as_t(x[:, :n_support]), as_t(y[:, :n_support]),
                as_t(x[:, n_support:]), as_t(y[:, n_support:]))


def make_model(seed: int) -> nn.Sequential:
    mt.manual_seed(seed)
    return nn.Sequential(nn.Linear(1, 40), nn.ReLU(), nn.Linear(40, 40), nn.ReLU(),
                         nn.Linear(40, 1))


def forward(weights: list[mt.Tensor], x: mt.Tensor) -> mt.Tensor:
    """The MLP with per-task weights: x (T, N, 1), weight i (T, out, in), bias (T, out)."""
    h = x
    for layer in range(3):
        w, b = weights[2 * layer], weights[2 * layer + 1]
        h = h @ w.transpose(-1, -2) + b.unsqueeze(-2)
        if layer < 2:
            h = h.relu()
    return h


def per_task(params: list[mt.Tensor], n_tasks: int) -> list[mt.Tensor]:
    """Each parameter expanded along a task axis: a view, so gradients sum back."""
    return [p.unsqueeze(0).expand(n_tasks, *p.shape) for p in params]


def task_losses(weights: list[mt.Tensor], x: mt.Tensor, y: mt.Tensor) -> mt.Tensor:
    """Mean squared error of each task, shape (T,)."""
    return ((forward(weights, x) - y) ** 2).mean(dim=(1, 2))


def adapt(weights: list[mt.Tensor], x: mt.Tensor, y: mt.Tensor, adapted: list[bool],
          second_order: bool) -> list[mt.Tensor]:
    """One inner SGD step per task. The sum of the task losses has, for each task's copy
    of the weights, that task's own gradient. Weights not in ``adapted`` stay as they are."""
    chosen = [w for w, a in zip(weights, adapted) if a]
    grads = iter(mt.autograd.grad(task_losses(weights, x, y).sum(), chosen,
                                  create_graph=second_order))
    return [w - ALPHA * next(grads) if a else w for w, a in zip(weights, adapted)]


def meta_train(method: str, iterations: int, meta_batch: int, seed: int,
               anil: bool = False) -> nn.Sequential:
    model = make_model(seed)
    params = list(model.parameters())
    adapted = [i >= 4 for i in range(6)] if anil else [True] * 6
    opt = optim.Adam(params, lr=1e-3)
    tasks = SinusoidTasks(seed + 1)
    for _ in range(iterations):
        xs, ys, xq, yq = tasks.batch(meta_batch, 10, 10)
        opt.zero_grad()
        if method == "pretrained":  # all points of all tasks, one regression
            weights = per_task(params, meta_batch)
            loss = task_losses(weights, mt.cat([xs, xq], 1), mt.cat([ys, yq], 1)).mean()
        else:
            weights = adapt(per_task(params, meta_batch), xs, ys, adapted,
                            second_order=method == "maml")
            loss = task_losses(weights, xq, yq).mean()
        loss.backward()
        opt.step()
    return model


def evaluate(model: nn.Sequential, k: int, steps: tuple[int, ...], n_tasks: int,
             seed: int) -> dict[int, tuple[float, float]]:
    """Fine-tune on k points of each new task; MSE on 100 query points per task after each
    number of steps: {steps: (mean, 95% interval half-width)} over the tasks."""
    tasks = SinusoidTasks(seed)
    xs, ys, xq, yq = tasks.batch(n_tasks, k, 100)
    weights = [w.detach() for w in per_task(list(model.parameters()), n_tasks)]
    results = {}
    for step in range(1, max(steps) + 1):
        weights = [w.detach().requires_grad_() for w in weights]
        weights = [w.detach() for w in adapt(weights, xs, ys, [True] * 6, second_order=False)]
        if step in steps:
            with mt.no_grad():
                mse = task_losses(weights, xq, yq).numpy().astype(np.float64)
            results[step] = (float(mse.mean()), 1.96 * float(mse.std(ddof=1)) / math.sqrt(n_tasks))
    return results


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=2000,
                        help="meta-iterations per method (the paper: 70,000)")
    parser.add_argument("--meta-batch", type=int, default=25)
    parser.add_argument("--test-tasks", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", default="maml,fomaml,pretrained")
    parser.add_argument("--anil", action="store_true",
                        help="adapt only the last layer in the inner loop (ANIL)")
    args = parser.parse_args(argv)

    table = {}
    print(f"MAML on sinusoids: {args.iterations} meta-iterations of {args.meta_batch} tasks, "
          f"seed {args.seed}{', ANIL' if args.anil else ''}")
    for method in args.methods.split(","):
        start = time.perf_counter()
        model = meta_train(method, args.iterations, args.meta_batch, args.seed, args.anil)
        seconds = time.perf_counter() - start
        for k in (5, 10):
            table[method, k] = evaluate(model, k, (1, 10), args.test_tasks, args.seed + 100 + k)
        print(f"  trained {method} in {seconds:.0f} s")
    print(f"\nPost-adaptation MSE on {args.test_tasks} new tasks (mean +- 95% interval):\n")
    print("| method     | K  | 1 step        | 10 steps      |")
    print("|------------|----|---------------|---------------|")
    for (method, k), res in table.items():
        cells = " | ".join(f"{res[s][0]:5.2f} +- {res[s][1]:4.2f}" for s in (1, 10))
        print(f"| {method:<10} | {k:>2} | {cells} |")
    return table


if __name__ == "__main__":
    main()

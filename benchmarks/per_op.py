"""Per-op overhead of W5's chain (mul, add, tanh, matmul on 4x4 float32 tensors that
require grad), measured so that a busy machine does not decide the result.

    OPENBLAS_NUM_THREADS=1 python benchmarks/per_op.py --before 4ad84c5

Each contender (this checkout, ``--before REF`` exported from git, and PyTorch) runs in
its own process, one after the other, ``--rounds`` times in turn. A process times
``--reps`` chains of ``--ops`` ops (a short chain: a quiet moment is likely to hold a whole
one) and reports the fastest chain, in microseconds per op, for the forward alone (graph
built) and for forward plus ``backward()``. The table shows the fastest over all rounds:
the cost of the code when nothing else competed for the core, which is what a change to
the code changes. ``benchmarks/run.py`` W5 reports medians of longer runs instead.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from compare_versions import export  # noqa: E402

CHILD = r"""
import sys, time
import numpy as np
name, ops, reps, grad = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
if name == "torch":
    import torch as lib
    lib.set_num_threads(1)
elif name == "minitorch":
    import minitorch as lib
rng = np.random.default_rng(0)
arrays = [(rng.standard_normal((4, 4)) * 0.5).astype(np.float32) for _ in range(4)]

def chain(backward):
    if name == "numpy":  # the floor: the same arithmetic on plain arrays, no graph
        y, a, b, c = arrays
        for _ in range(ops // 4):
            y = np.tanh(y * a + b) @ c
        return float(y.sum())
    y, a, b, c = [lib.tensor(v, requires_grad=grad) for v in arrays]
    for _ in range(ops // 4):
        y = y * a
        y = y + b
        y = y.tanh()
        y = y @ c
    out = y.sum()
    if backward and grad:
        out.backward()
    return float(out)

result = []
for backward in (False, True):
    for _ in range(20):
        chain(backward)
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        chain(backward)
        best = min(best, time.perf_counter() - start)
    result.append(best / ops * 1e6)
print(result[0], result[1], chain(True))
"""


def measure(name: str, tree: Path | None, ops: int, reps: int,
            grad: bool = True) -> tuple[float, float, float]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    out = subprocess.run([sys.executable, "-c", CHILD, name, str(ops), str(reps),
                          "1" if grad else "0"], env=env,
                         check=True, capture_output=True, text=True, cwd=tempfile.gettempdir())
    forward, both, value = (float(v) for v in out.stdout.split())
    return forward, both, value


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", help="git ref of a minitorch tree to compare with")
    p.add_argument("--ops", type=int, default=100, help="ops per chain (a multiple of 4)")
    p.add_argument("--reps", type=int, default=700, help="chains timed per process")
    p.add_argument("--rounds", type=int, default=4, help="processes per contender, in turn")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    p.add_argument("--floor", action="store_true",
                   help="add this checkout without grad (no graph) and plain numpy")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        contenders: list[tuple[str, str, Path | None, bool]] = [
            ("minitorch", "this checkout", ROOT, True)]
        if args.before:
            before = export(args.before, Path(tmp))
            contenders.insert(0, ("minitorch", args.before, before, True))
        if not args.no_torch:
            contenders.append(("torch", "PyTorch", None, True))
        if args.floor:
            contenders += [("minitorch", "this checkout, requires_grad=False", ROOT, False),
                           ("numpy", "numpy arrays", None, False)]
        best: dict[str, list[float]] = {c[1]: [float("inf")] * 2 for c in contenders}
        values: dict[str, float] = {}
        for _ in range(args.rounds):
            for name, label, tree, grad in contenders:
                forward, both, value = measure(name, tree, args.ops, args.reps, grad)
                best[label] = [min(best[label][0], forward), min(best[label][1], both)]
                values[label] = value

    torch_times = best.get("PyTorch")
    print(f"W5 chain, {args.ops} ops, fastest of {args.reps} chains x {args.rounds} processes, "
          "one thread (us/op)\n")
    print("| contender | forward | forward+backward | / PyTorch (forward, both) | output |")
    print("|---|---|---|---|---|")
    for _, label, _, grad in contenders:
        forward, both = best[label]
        ratio = "-"
        if torch_times and label != "PyTorch" and grad:
            ratio = f"{forward / torch_times[0]:.2f}, {both / torch_times[1]:.2f}"
        both_text = f"{both:.2f}" if grad else "-"
        print(f"| {label} | {forward:.2f} | {both_text} | {ratio} | {values[label]:.4f} |")


if __name__ == "__main__":
    main()

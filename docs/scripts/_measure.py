"""Helpers shared by the measure_*.py scripts: graph statistics, memory, timing, machine."""
from __future__ import annotations

import gc
import os
import platform
import sys
import time
import tracemalloc
from typing import Any, Callable

# One BLAS thread: on a small shared machine, two threads that compete with other
# processes make matrix-product times vary from run to run by a factor of two, while one
# thread gives the same times to a few percent. Set OPENBLAS_NUM_THREADS (or OMP_/MKL_)
# yourself to measure otherwise. Only possible before numpy is imported.
if "numpy" not in sys.modules:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

import minitorch as mt


def graph_stats(output: mt.Tensor) -> tuple[int, int]:
    """(number of recorded nodes, bytes of the distinct arrays they saved for backward).

    Walks ``grad_fn.next_functions`` from ``output``; leaves' AccumulateGrad edges are not
    counted as nodes (they hold no arrays), as in PyTorch's graph they are separate too.
    """
    nodes, saved = set(), {}
    stack = [output.grad_fn] if output.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node in nodes or not hasattr(node, "saved"):
            continue
        nodes.add(node)
        for array in node.saved:
            if isinstance(array, np.ndarray):  # ops may also save Python scalars
                saved[id(array)] = array.nbytes
        stack.extend(edge for edge, _ in node.next_functions if edge is not None)
    return len(nodes), sum(saved.values())


def retained_bytes(fn: Callable[[], Any]) -> tuple[int, int, Any]:
    """(bytes still allocated after ``fn()`` returns, peak bytes during it, its result).

    numpy reports its allocations to tracemalloc, so this counts the arrays a graph keeps.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return current - before, peak - before, result


Timed = Callable[[], Any] | tuple[Callable[[], Any], Callable[[Any], Any]]


def fastest(*fns: Timed, repeat: int = 15) -> list[float]:
    """The fastest wall time of each function over ``repeat`` rounds, after a warm-up.

    A function may also be a pair ``(setup, run)``: then only ``run(setup())`` is timed
    (a backward pass needs a fresh forward pass each time, which is not part of it). The
    functions run in turns (round-robin), so that a burst of load from other processes
    slows all of them alike rather than one; and the minimum, not the mean, is kept,
    because other processes only ever add time (the reasoning of ``timeit``).
    """
    pairs = [fn if isinstance(fn, tuple) else (lambda: None, lambda _, f=fn: f())
             for fn in fns]
    for setup, run in pairs:
        run(setup())
    best = [float("inf")] * len(pairs)
    for _ in range(repeat):
        for i, (setup, run) in enumerate(pairs):
            prepared = setup()
            began = time.perf_counter()
            run(prepared)
            best[i] = min(best[i], time.perf_counter() - began)
    return best


def machine() -> str:
    """One line naming what the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    blas = f"{threads} BLAS thread" + ("" if threads == "1" else "s")
    return (f"{os.cpu_count()}-core {cpu} CPU ({blas}), {platform.system()}, "
            f"Python {platform.python_version()}, numpy {np.__version__}, "
            f"minitorch {mt.__version__}")


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:.2f} MiB"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)

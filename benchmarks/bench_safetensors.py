"""Save and load of a 100 MiB state dict: minitorch's safetensors path against PyTorch.

    python benchmarks/bench_safetensors.py              # 5 rounds, about 1 minute
    python benchmarks/bench_safetensors.py --quick      # smoke run: 1 round, 8 MiB
    python benchmarks/bench_safetensors.py --markdown   # the table for benchmarks/README.md

Three ways to write and read the same weights (25 float32 matrices of 1024 x 1024 and
their biases, 100.1 MiB):
- ``minitorch``: ``minitorch.interop.save_safetensors`` / ``load_safetensors``;
- ``torch.save``: ``torch.save(state_dict)`` / ``torch.load(path, weights_only=True)``;
- ``safetensors.torch``: ``save_file`` / ``load_file``.

Each method runs in a fresh process per round (the order rotates each round), so that its
memory is measured alone: the process builds the weights, times the save, frees what it
can, resets the kernel's peak-RSS counter (``/proc/self/clear_refs``), then times the load
and reads the peak RSS the load reached above the RSS just before it. A load is timed up
to tensors whose every byte has been read (a sum over each tensor), so a lazy
memory-mapped load pays for its reads like the others. The file is in the page cache
for every method (it was just written). One untimed save and load of a tiny file first
(imports, first calls). Times are medians over the rounds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

METHODS = ["minitorch", "torch.save", "safetensors.torch"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--quick", action="store_true", help="one round, 8 layers of 512 x 512")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--child", nargs=3, metavar=("METHOD", "LAYERS", "WIDTH"),
                   help=argparse.SUPPRESS)
    return p.parse_args(argv)


def arrays(layers: int, width: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(0)
    out = {}
    for i in range(layers):
        out[f"{i}.weight"] = rng.standard_normal((width, width), dtype=np.float32)
        out[f"{i}.bias"] = rng.standard_normal(width, dtype=np.float32)
    return out


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM (Linux >= 4.0)
        return True
    except OSError:
        return False


def child(method: str, layers: int, width: int) -> dict:
    """One round of one method, in this (fresh) process."""
    import gc

    import numpy as np

    folder = tempfile.mkdtemp(prefix="bench_safetensors_")
    path = os.path.join(folder, "weights")
    data = arrays(layers, width)
    nbytes = sum(a.nbytes for a in data.values())
    if method == "minitorch":
        import minitorch as mt
        from minitorch.interop import load_safetensors, save_safetensors

        def tensors(data: dict) -> dict:
            return {k: mt.from_numpy(a) for k, a in data.items()}

        def save(state: dict) -> None:
            save_safetensors(state, path)

        def load() -> dict:
            return load_safetensors(path)

        def touch(value) -> float:
            return float(value.numpy().sum())
    else:
        import torch

        torch.set_num_threads(1)
        def tensors(data: dict) -> dict:
            return {k: torch.from_numpy(a) for k, a in data.items()}

        if method == "torch.save":
            def save(state: dict) -> None:
                torch.save(state, path)

            def load() -> dict:
                return torch.load(path, weights_only=True)
        else:
            from safetensors.torch import load_file, save_file

            def save(state: dict) -> None:
                save_file(state, path)

            def load() -> dict:
                return load_file(path)

        def touch(value) -> float:
            return float(value.sum())

    expected = float(sum(np.float64(a.sum(dtype=np.float32)) for a in data.values()))
    state = tensors(data)
    save(tensors({"warm_up": data["0.bias"][:4]}))  # imports and first calls, untimed
    load()
    began = time.perf_counter()
    save(state)
    save_s = time.perf_counter() - began
    del state, data
    gc.collect()
    exact = reset_peak()
    before = rss_kib("VmRSS")
    began = time.perf_counter()
    loaded = load()
    checksum = sum(touch(v) for v in loaded.values())
    load_s = time.perf_counter() - began
    peak = rss_kib("VmHWM")
    file_bytes = os.path.getsize(path)
    os.remove(path)
    os.rmdir(folder)
    return {"method": method, "save_s": save_s, "load_s": load_s, "nbytes": nbytes,
            "file_bytes": file_bytes, "peak_extra_bytes": (peak - before) * 1024,
            "peak_exact": exact, "checksum_ok": abs(checksum - expected) <= 1e-3 * max(
                1.0, abs(expected))}


def run(args: argparse.Namespace) -> list[dict]:
    layers, width = (8, 512) if args.quick else (25, 1024)
    rounds = 1 if args.quick else args.rounds
    methods = [m for m in METHODS if m == "minitorch" or _has_torch()]
    results = []
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    for r in range(rounds):
        order = methods[r % len(methods):] + methods[:r % len(methods)]
        for method in order:
            done = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--child", method, str(layers),
                 str(width)], capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                raise RuntimeError(f"{method} failed:\n{done.stderr[-2000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def _has_torch() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def summarise(results: list[dict]) -> list[dict]:
    rows = []
    by = {m: [r for r in results if r["method"] == m] for m in METHODS}
    torch_load = statistics.median(r["load_s"] for r in by["torch.save"]) if by[
        "torch.save"] else None
    for method, runs in by.items():
        if not runs:
            continue
        load = statistics.median(r["load_s"] for r in runs)
        peak = statistics.median(r["peak_extra_bytes"] for r in runs)
        rows.append({
            "method": method, "MiB": runs[0]["nbytes"] / 2 ** 20,
            "save_ms": statistics.median(r["save_s"] for r in runs) * 1000,
            "load_ms": load * 1000,
            "load_vs_torch": load / torch_load if torch_load else float("nan"),
            "peak_extra_MiB": peak / 2 ** 20, "copies": peak / runs[0]["nbytes"],
            "ok": all(r["checksum_ok"] for r in runs),
            "exact_peak": all(r["peak_exact"] for r in runs), "rounds": len(runs)})
    return rows


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    if args.child:
        method, layers, width = args.child
        print(json.dumps(child(method, int(layers), int(width))))
        return []
    rows = summarise(run(args))
    size = rows[0]["MiB"]
    if args.markdown:
        print(f"| method | save (ms) | load (ms) | load / torch.load | peak RSS added by the "
              f"load (MiB) | copies of the {size:.1f} MiB |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['method']} | {r['save_ms']:.0f} | {r['load_ms']:.0f} | "
                  f"{r['load_vs_torch']:.2f} | {r['peak_extra_MiB']:.1f} | {r['copies']:.2f} |")
    else:
        for r in rows:
            print(f"{r['method']:>18}: save {r['save_ms']:8.1f} ms, load {r['load_ms']:8.1f} ms "
                  f"({r['load_vs_torch']:.2f}x torch.load), load peak +{r['peak_extra_MiB']:.1f}"
                  f" MiB ({r['copies']:.2f} copies of {size:.1f} MiB); values read back "
                  f"{'ok' if r['ok'] else 'WRONG'}")
    if not all(r["exact_peak"] for r in rows):
        print("note: /proc/self/clear_refs was not writable; peaks include the save")
    return rows


if __name__ == "__main__":
    main()

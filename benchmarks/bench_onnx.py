"""ONNX Runtime against minitorch's own no_grad forward on W4's model, in one process.

    python benchmarks/bench_onnx.py              # ~30 s: 15 rounds after 2 warm-up rounds
    python benchmarks/bench_onnx.py --quick      # smoke run: 1 round, 1024 rows
    python benchmarks/bench_onnx.py --markdown   # the table for benchmarks/README.md
    python benchmarks/bench_onnx.py --threads 1 --cpu-time   # on a busy machine

W4's model (MLP 784-512-256-10, ReLU, the shared initial weights) is exported once with
``minitorch.onnx.export`` (which checks it against minitorch on batch sizes 1, 3, 17, 64),
then timed, interleaved round by round with the same thread count for everyone:
- W4 itself: class predictions for W1's 8192 rows in batches of 1024 (argmax per batch);
- one-row requests: 256 rows sent one at a time, as a server answering single requests.
PyTorch (CPU) runs the same work when it is installed. Ratios are medians of the
per-round ratios; ``check`` is the share of rows whose class equals a numpy forward pass.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SINGLE_ROWS = 256


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one round, no warm-up, 1024 rows")
    p.add_argument("--threads", type=int, default=2, help="threads for everyone (default 2)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--frameworks", default="minitorch,torch",
                   help="next to onnxruntime: minitorch (always) and optionally torch")
    p.add_argument("--cpu-time", action="store_true",
                   help="time with the process's CPU time instead of the wall clock (with "
                        "--threads 1: what the work costs even on a busy shared machine)")
    return p.parse_args(argv)


def ort_session(path: str, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def candidates(fws: dict, session, weights: list, x, batch: int) -> dict:
    """name|workload -> prepare(), as common.interleave takes them."""
    import numpy as np

    singles = [x[i:i + 1] for i in range(min(SINGLE_ROWS, len(x)))]

    def ort_batched():
        xs = [x[i:i + batch] for i in range(0, len(x), batch)]
        return lambda: np.concatenate([session.run(None, {"input": xb})[0].argmax(axis=1)
                                       for xb in xs])

    def ort_single():
        return lambda: np.array([session.run(None, {"input": r})[0].argmax() for r in singles])

    out = {"onnxruntime|batched": ort_batched, "onnxruntime|single": ort_single}
    for name, fw in fws.items():
        out[f"{name}|batched"] = fw.infer(weights, x, batch, grad=False)
        out[f"{name}|single"] = fw.infer(weights, x[:len(singles)], 1, grad=False)
    return out


def cpu_timed(common, candidates: dict, rounds: int, warmup: int) -> dict:
    """common.interleave's rounds (rotating order, untimed preparation, garbage collected
    first), timed with ``time.process_time``: CPU seconds of this process, so waiting for
    a core that another process holds is not counted."""
    import gc
    import time

    results = {name: common.Measured() for name in candidates}
    names = list(candidates)
    for r in range(warmup + rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            run = candidates[name]()
            gc.collect()
            t0 = time.process_time()
            check = run()
            elapsed = time.process_time() - t0
            if r >= warmup:
                results[name].times.append(elapsed)
                results[name].checks.append(check)
    return results


def ratio(res: dict, a: str, b: str) -> str:
    """Median of the per-round ratios of a's time to b's."""
    pairs = [p / q for p, q in zip(res[a].times, res[b].times)]
    return f"{statistics.median(pairs):.3f}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, HERE)
    from run import load_frameworks, set_thread_env

    set_thread_env(args.threads, False)
    import common  # noqa: E402 - after the thread variables are set
    import workloads

    import minitorch as mt

    wanted = ["minitorch"] + (["torch"] if "torch" in args.frameworks.split(",") else [])
    fws, skipped = load_frameworks(wanted, args.threads)
    spec = workloads.w1_spec(args.quick)
    x, batch = spec.x, 1024
    reference = workloads._reference_predictions(spec.weights, x)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "w4.onnx")
        model = fws["minitorch"].build_mlp(spec.weights).eval()
        mt.onnx.export(model, mt.from_numpy(x[:batch]), path)
        session = ort_session(path, args.threads)
    rounds, warmup = (1, 0) if args.quick else (15, 2)
    work = candidates(fws, session, spec.weights, x, batch)
    if args.cpu_time:
        results = cpu_timed(common, work, rounds, warmup)
    else:
        results = common.interleave(work, rounds, warmup)

    import numpy as np
    import onnxruntime as ort

    print(f"ONNX Runtime {ort.__version__} vs minitorch {mt.__version__}"
          + (f" vs PyTorch {fws['torch'].torch.__version__}" if "torch" in fws else "")
          + f", {args.threads} threads, {rounds} rounds, "
          + ("CPU time of the process" if args.cpu_time else "wall-clock time")
          + (f" (skipped: {', '.join(skipped)})" if skipped else ""))
    names = ["minitorch", "onnxruntime"] + (["torch"] if "torch" in fws else [])
    head = ["workload", *[f"{n} (ms)" for n in names], "mt/ort"]
    if "torch" in fws:
        head.append("ort/torch")
    head.append("check (agree with numpy)")
    lines = [head]
    for mode, label in (("batched", f"W4: {len(x)} rows in batches of {batch}"),
                        ("single", f"{min(SINGLE_ROWS, len(x))} one-row requests")):
        res = {n: results[f"{n}|{mode}"] for n in names}
        for n, r in res.items():
            if r.error:
                raise SystemExit(f"{n} failed: {r.error}")
        rows = len(reference) if mode == "batched" else min(SINGLE_ROWS, len(x))
        agree = {n: float((np.asarray(r.check).reshape(-1) == reference[:rows]).mean())
                 for n, r in res.items()}
        line = [label, *[f"{res[n].median * 1e3:.2f}" for n in names],
                ratio(res, "minitorch", "onnxruntime")]
        if "torch" in fws:
            line.append(ratio(res, "onnxruntime", "torch"))
        line.append(" / ".join(f"{n} {agree[n]:.4f}" for n in names))
        lines.append(line)
    if args.markdown:
        print("| " + " | ".join(lines[0]) + " |")
        print("|" + "---|" * len(lines[0]))
        for line in lines[1:]:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(row[i]) for row in lines) for i in range(len(head))]
        for row in lines:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

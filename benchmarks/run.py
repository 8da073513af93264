"""Benchmark minitorch side by side with PyTorch (CPU) and scikit-learn, in one process.

    python benchmarks/run.py                      # every workload, ~2-3 minutes
    python benchmarks/run.py --quick              # smoke run: 1 round, small W1 data
    python benchmarks/run.py --only W1,W5 --json benchmarks/results/latest.json

Frameworks run interleaved, round by round, from the same initial weights and batch
order; each metric is the median of several rounds after warm-up. Ratios are
minitorch / peer (below 1 means minitorch is faster). See README.md.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys

WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6"]
FRAMEWORKS = ["minitorch", "torch", "sklearn", "numpy"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="one round, no warm-up, W1 on 1024 rows: checks that it runs")
    p.add_argument("--only", default=",".join(WORKLOADS),
                   help="comma-separated workloads (default: all of W1..W6)")
    p.add_argument("--frameworks", default=",".join(FRAMEWORKS),
                   help="comma-separated subset of minitorch,torch,sklearn,numpy (numpy: the "
                        "hand-written floor)")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for numpy's BLAS and PyTorch (default 2)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--unset-openblas-coretype", action="store_true",
                   help="drop OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for this run (set on some "
                        "machines for old OpenBLAS builds; they slow a current numpy)")
    args = p.parse_args(argv)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    bad = [w for w in args.only if w not in WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {bad}; choose from {','.join(WORKLOADS)}")
    args.frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    bad = [f for f in args.frameworks if f not in FRAMEWORKS]
    if bad:
        p.error(f"unknown framework(s) {bad}; choose from {','.join(FRAMEWORKS)}")
    if args.threads < 1:
        p.error("--threads must be >= 1")
    return args


def set_thread_env(threads: int, unset_coretype: bool) -> None:
    """Must run before numpy (or torch) is imported: BLAS reads these when it loads."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if unset_coretype:
        os.environ.pop("OPENBLAS_CORETYPE", None)
        os.environ.pop("OPENBLAS_L2_SIZE", None)


def load_frameworks(names: list[str], threads: int) -> tuple[dict, dict]:
    """Import each framework's adapter; a missing package is skipped, not fatal."""
    loaded, skipped = {}, {}
    for name in names:
        try:
            module = __import__(f"fw_{name}")
        except ImportError as err:
            skipped[name] = str(err)
            continue
        if hasattr(module, "set_threads"):
            module.set_threads(threads)
        loaded[name] = module
    return loaded, skipped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    set_thread_env(args.threads, args.unset_openblas_coretype)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    import report  # noqa: E402 - after the thread variables are set
    import workloads
    from common import CpuWatch, loadavg, machine_info

    fws, skipped = load_frameworks(args.frameworks, args.threads)
    if "minitorch" not in fws:
        print(f"minitorch could not be imported: {skipped.get('minitorch')}", file=sys.stderr)
        return 2
    info = machine_info()
    info["threads"] = args.threads
    info["skipped_frameworks"] = skipped
    info["mode"] = "quick" if args.quick else "full"
    print(report.header(info), flush=True)
    # Every framework's modules live in this one process: without this, a full collection
    # triggered inside one framework's round would also scan the other frameworks' objects
    # (~0.1 s with PyTorch loaded), and the collection before each round would cost as much.
    gc.collect()
    gc.freeze()

    cfg = workloads.Config(quick=args.quick)
    rows = []
    info["cpu_taken_by_others"] = {}
    for name in args.only:
        watch = CpuWatch()
        new = workloads.run_workload(name, fws, cfg)
        info["cpu_taken_by_others"][name] = watch.stop()
        rows.extend(new)
        print(report.progress(name, new, info["cpu_taken_by_others"][name]), flush=True)
    info["loadavg_end"] = loadavg()

    print()
    print(report.table(rows, list(fws), markdown=args.markdown))
    for line in report.warnings(rows, info):
        print(line)
    if args.json:
        report.write_json(args.json, info, rows, list(fws))
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""minitorch before and after a change, side by side: the same harness on two source trees.

    python benchmarks/compare_versions.py --before 4ad84c5            # W1-W5, 3 runs each
    python benchmarks/compare_versions.py --before HEAD~3 --only W5 --runs 5

The tree at ``--before`` (any git ref) is exported to a temporary folder; ``--after`` is
this checkout (or another ref). ``benchmarks/run.py`` (this checkout's harness) then runs
the minitorch column alone, alternating before, after, before, after, ... with the tree
chosen by ``PYTHONPATH``, so both see the same machine state on average. Each figure is
the median over runs of the harness's own medians; the ratio is after / before (below 1:
the change made it faster). Nothing is asserted: it is a measuring instrument.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export(ref: str, where: Path) -> Path:
    """The tree of git ``ref`` in ``where`` (no git metadata)."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def run_harness(tree: Path, only: str, threads: int) -> dict[tuple[str, str], float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env = dict(os.environ, PYTHONPATH=str(tree))
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--frameworks",
                        "minitorch", "--only", only, "--threads", str(threads), "--json",
                        out.name], env=env, check=True, capture_output=True)
        rows = json.loads(Path(out.name).read_text())["rows"]
    return {(r["workload"], r["metric"]): r["values"]["minitorch"] for r in rows
            if isinstance(r["values"].get("minitorch"), (int, float))}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--before", required=True, help="git ref of the tree before the change")
    p.add_argument("--after", default=None, help="git ref after (default: this checkout)")
    p.add_argument("--only", default="W1,W2,W3,W4,W5")
    p.add_argument("--runs", type=int, default=3, help="harness runs per tree, alternating")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "before").mkdir()
        before = export(args.before, Path(tmp) / "before")
        after = ROOT
        if args.after:
            (Path(tmp) / "after").mkdir()
            after = export(args.after, Path(tmp) / "after")
        results: dict[str, list[dict]] = {"before": [], "after": []}
        for i in range(args.runs):
            for name, tree in (("before", before), ("after", after))[:: 1 if i % 2 == 0 else -1]:
                results[name].append(run_harness(tree, args.only, args.threads))
                print(f"run {i + 1}/{args.runs}: {name} done", file=sys.stderr)

    keys = sorted(set(results["before"][0]) & set(results["after"][0]))
    print(f"minitorch {args.before} -> {args.after or 'working tree'}, {args.runs} alternating "
          f"runs each, {args.threads} threads (median of the harness's medians)\n")
    print("| workload | metric | before | after | after / before |")
    print("|---|---|---|---|---|")
    for key in keys:
        b = statistics.median(r[key] for r in results["before"])
        a = statistics.median(r[key] for r in results["after"])
        print(f"| {key[0]} | {key[1]} | {b:.4g} | {a:.4g} | {a / b:.3f} |")


if __name__ == "__main__":
    main()

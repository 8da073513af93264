"""The benchmark script runs end to end (no timing is asserted: benchmarks measure, tests don't)."""
import json
import math
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"


def test_quick_benchmark_runs_and_reports_finite_losses(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "W2,W5", "--frameworks", "minitorch",
         "--threads", "1", "--json", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "W5" in proc.stdout and "us/op" in proc.stdout
    rows = json.loads(out.read_text())["rows"]
    epoch = next(r for r in rows if r["workload"] == "W2")
    assert not epoch["errors"]
    losses = epoch["checks"]["minitorch"]
    assert math.isfinite(losses["final_loss"]) and math.isfinite(losses["epoch_mean_loss"])
    both = next(r for r in rows if r["metric"].startswith("forward+backward"))
    assert not both["errors"]
    assert both["values"]["minitorch"] > 0
    check = both["checks"]["minitorch"]
    assert math.isfinite(check["out"]) and math.isfinite(check["a.grad.sum"])


def test_unknown_workload_is_a_usage_error():
    proc = subprocess.run([sys.executable, str(RUN), "--only", "W9"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "unknown workload" in proc.stderr


def test_per_op_script_runs_and_every_contender_computes_the_same_chain():
    script = RUN.parent / "per_op.py"
    proc = subprocess.run(
        [sys.executable, str(script), "--ops", "8", "--reps", "3", "--rounds", "1", "--floor"],
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line.split("|") for line in proc.stdout.splitlines() if line.startswith("| ")]
    outputs = {row[1].strip(): float(row[-2]) for row in rows[1:]}
    assert {"this checkout", "PyTorch", "numpy arrays"} <= set(outputs)
    assert len({round(v, 4) for v in outputs.values()}) == 1, outputs

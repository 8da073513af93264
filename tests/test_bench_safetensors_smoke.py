"""benchmarks/bench_safetensors.py runs (--quick: one round, 8 MiB) and reads back the
right values; minitorch's load holds one copy of the weights. No timing is asserted."""
from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_safetensors.py"


def test_quick_run_reads_back_the_values_with_one_copy(capsys):
    spec = importlib.util.spec_from_file_location("bench_safetensors", SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(["--quick"])
    assert rows and all(r["ok"] for r in rows)
    mine = next(r for r in rows if r["method"] == "minitorch")
    assert mine["MiB"] == 8 + 8 * 512 * 4 / 2 ** 20
    if mine["exact_peak"]:  # /proc/self/clear_refs available (Linux)
        assert mine["copies"] < 1.5, mine
    assert "minitorch: save" in capsys.readouterr().out

"""benchmarks/lora_step.py runs end to end (it measures; nothing about time is asserted)."""
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "lora_step.py"


def test_lora_step_benchmark_runs_and_counts_parameters():
    done = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--batch", "8",
                           "--no-torch"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    rows = {line.split("|")[1].strip(): line for line in done.stdout.splitlines()
            if line.startswith("| ") and "model" not in line}
    assert set(rows) == {"full", "frozen body", "LoRA"}
    # 6 blocks of 784/512 -> 512 with rank-8 adapters: 8 * (784 + 512) + 5 * 8 * (512 + 512)
    # adapter parameters, plus the 5,130 of the head
    assert "| 56,458 |" in rows["LoRA"] and 8 * 1296 + 5 * 8 * 1024 + 5130 == 56458
    assert "| 1.00x |" in rows["full"]

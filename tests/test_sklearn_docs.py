"""The MLPClassifier comparison quoted in docs/sklearn.md and benchmarks/README.md is what
benchmarks/sklearn_compare.py prints.

The script reruns the small data sets in a subprocess (it sets OPENBLAS_NUM_THREADS=1
before numpy loads BLAS); only the columns that do not depend on the machine are compared:
the data set's shape, batch size and epochs, and the three test accuracies (every fit is
seeded). The 100k-sample row takes too long for a test; it comes from the same script.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "sklearn_compare.py"
SMALL = ["digits", "digits_batch32", "breast_cancer"]
STABLE = [1, 2, 6, 7, 8]  # shape, batch/epochs, accuracies (cells after the name)
PAGES = [ROOT / "docs" / "sklearn.md", ROOT / "benchmarks" / "README.md"]


def table_rows(text: str) -> dict[str, list[str]]:
    """Markdown table rows by their first cell (code fences ignored: the docs page quotes
    the table in a ```text block)."""
    rows = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def printed():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", ",".join(SMALL),
                           "--repeat", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return table_rows(proc.stdout)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_quoted_accuracies_are_what_the_script_prints(page, printed):
    quoted = table_rows(page.read_text())
    header = printed["data set"]
    for name in SMALL:
        assert name in quoted, f"{page.name} does not quote the {name} row of {SCRIPT.name}"
        assert quoted["data set"] == header, f"{page.name}: the table's columns changed"
        for c in STABLE:
            assert quoted[name][c] == printed[name][c], (
                f"{page.name} quotes {quoted[name][c]} for {name} / {header[c]}, but "
                f"{SCRIPT.name} prints {printed[name][c]}: rerun it and update the page")
    assert "make_classification_100k" in quoted  # from the same script, not rerun here


def test_script_rejects_unknown_data_sets():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "mnist"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown data set" in proc.stderr

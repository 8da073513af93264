"""The example notebooks run, are committed with their outputs, and match their builder.

Needs the ``notebooks`` extra (``pip install -e ".[notebooks]"``); CI installs it. Without
it the tests that run notebooks are skipped, saying so.
"""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "examples" / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
SKIP_REASON = (
    "the notebooks extra is not installed (pip install -e '.[notebooks]'): {} is missing"
)


def load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", NOTEBOOKS / "build_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def test_at_least_three_notebooks_are_committed():
    names = [p.name for p in PATHS]
    assert len(names) >= 3, names
    assert set(names) == set(load_builder().NOTEBOOKS), "notebooks and builder disagree"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_committed_with_outputs_and_plots(path):
    """Viewed on a code host, every code cell shows its output, and the plots are there."""
    nb = read(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code), (
        f"{path.name} was saved without running every cell: "
        "python examples/notebooks/build_notebooks.py"
    )
    outputs = [o for c in code for o in c["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"], f"{path.name} has errors"
    assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} has no plot"
    assert path.stat().st_size < 1_000_000, f"{path.name} is over 1 MB: smaller figures?"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_cells_match_the_builder(path):
    """The notebooks are edited in build_notebooks.py; a hand edit would be lost."""
    builder = load_builder()
    expected = [(kind, source) for kind, source in builder.NOTEBOOKS[path.name]]
    kinds = {"markdown": "md", "code": "code"}
    actual = [(kinds[c["cell_type"]], "".join(c["source"])) for c in read(path)["cells"]]
    assert actual == expected, (
        f"{path.name} differs from build_notebooks.py: rebuild it with "
        f"python examples/notebooks/build_notebooks.py {path.stem}"
    )


# Lines whose numbers depend on the machine or the moment, not on the code: times and
# speed ratios. Every other number a notebook prints must come out the same on a rerun.
VOLATILE = re.compile(r"\bms\b|µs|\bseconds?\b|\d\s?s\b|\btime|faster|slower|speed|"
                      r"per second|/s\b", re.IGNORECASE)
TIMED_COLUMN = re.compile(r"\btime\b|\bs\b|\bms\b|seconds|speed", re.IGNORECASE)  # table header
NUMBER = re.compile(r"[-+]?(?:\d[\d,]*\.?\d*(?:e[-+]?\d+)?|\.\d+)")


def printed_numbers(nb) -> list[tuple[int, str]]:
    """(cell index, line) for every printed line with a number, times left out."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for out in cell["outputs"]:
            if out["output_type"] == "stream" and out.get("name") == "stdout":
                text = out["text"]
            elif out["output_type"] in ("execute_result", "display_data"):
                text = out.get("data", {}).get("text/plain", "")
            else:
                continue
            text = "".join(text) if isinstance(text, list) else text
            if "image/png" in out.get("data", {}) or "image/svg+xml" in out.get("data", {}):
                continue  # a figure's repr (its address) is not a result
            lines = text.splitlines()
            timed_columns: list[int] = []  # of the Markdown table being read, if any
            for k, line in enumerate(lines):
                if line.startswith("|"):
                    cells = line.strip().strip("|").split("|")
                    if k + 1 < len(lines) and lines[k + 1].startswith("|---"):
                        timed_columns = [j for j, c in enumerate(cells) if TIMED_COLUMN.search(c)]
                    line = "|".join(c for j, c in enumerate(cells) if j not in timed_columns)
                else:
                    timed_columns = []
                if NUMBER.search(line) and not VOLATILE.search(line) and " at 0x" not in line:
                    found.append((i, line.rstrip()))
    return found


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_runs_and_prints_the_stored_numbers(path):
    """Rerun in the builder's deterministic setting (one BLAS thread, fixed seeds): the
    numbers printed are the stored ones, so the notebook's text can quote them."""
    for module in ("nbclient", "nbformat", "ipykernel", "matplotlib"):
        pytest.importorskip(module, reason=SKIP_REASON.format(module))
    import nbformat

    nb = nbformat.read(path, as_version=4)
    stored = printed_numbers(nb)
    load_builder().execute(nb)  # raises CellExecutionError, with the cell, on failure
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, f"{path.name} produced no plot when run"
    rerun = printed_numbers(nb)
    differ = [(a, b) for a, b in zip(stored, rerun) if a != b]
    assert not differ and len(stored) == len(rerun), (
        f"{path.name} prints other numbers than it stores (stored, rerun): {differ[:5]} "
        f"({len(stored)} vs {len(rerun)} lines); rebuild it with "
        f"python examples/notebooks/build_notebooks.py {path.stem}"
    )

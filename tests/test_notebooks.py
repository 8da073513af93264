"""The example notebooks run, are committed with their outputs, and match their builder.

Needs the ``notebooks`` extra (``pip install -e ".[notebooks]"``); CI installs it. Without
it the tests that run notebooks are skipped, saying so.
"""
from __future__ import annotations

import importlib.util
import json
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


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_notebook_runs(path):
    for module in ("nbclient", "nbformat", "ipykernel", "matplotlib"):
        pytest.importorskip(module, reason=SKIP_REASON.format(module))
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, f"{path.name} produced no plot when run"

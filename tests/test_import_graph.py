"""The import graph of the package, read with ``ast`` (nothing is imported or run):

1. no module outside the core imports a private name (``_x``) from another package: library
   code uses the narrow public API (``minitorch.tensor.wrap/unwrap``, ``apply``, ...);
2. the op-surface mixins (``minitorch/tensor_mixins``) never import the core at run time;
3. ``minitorch/core`` imports nothing above itself;
4. ``minitorch/serialization.py`` sits below ``nn/``: it imports only the tensor, dtypes,
   devices and the safe archive reader (``nn.Parameter`` registers itself with it).

"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "minitorch"
CORE = ("minitorch.core", "minitorch.tensor", "minitorch.tensor_mixins")



def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        yield name, package, ast.parse(path.read_text(encoding="utf-8"))


def _runtime_imports(tree: ast.AST, package: str):
    """(target module, imported names) of every ``from ... import`` outside
    ``if TYPE_CHECKING:`` blocks, function bodies included."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []


def _package_of(target: str) -> str:
    return target if (ROOT.parent / target.replace(".", "/")).is_dir() else \
        target.rpartition(".")[0]


def test_no_private_names_cross_packages_outside_the_core():
    found = set()
    for name, package, tree in _modules():
        if name.startswith(CORE):
            continue
        for target, names in _runtime_imports(tree, package):
            if not target.startswith("minitorch"):
                continue
            for imported in names:
                private = imported.startswith("_") and not imported.startswith("__")
                if private and _package_of(target) != package:
                    found.add((name, f"{target}.{imported}"))
    assert found == set(), "private imports across packages (use the public API)"


def test_mixins_never_import_the_core_at_run_time():
    for name, package, tree in _modules():
        if not name.startswith("minitorch.tensor_mixins"):
            continue
        for target, names in _runtime_imports(tree, package):
            assert target != "minitorch.tensor" and not (
                target == "minitorch" and "tensor" in names), f"{name} imports the core"


def test_core_imports_nothing_above_it():
    for name, package, tree in _modules():
        if not name.startswith("minitorch.core"):
            continue
        for target, _ in _runtime_imports(tree, package):
            if target.startswith("minitorch"):
                assert target.startswith("minitorch.core"), f"{name} imports {target}"


def test_serialization_imports_nothing_from_nn():
    allowed = {"minitorch.dtype", "minitorch.device", "minitorch.safe_npz", "minitorch.tensor"}
    trees = {name: (package, tree) for name, package, tree in _modules()}
    package, tree = trees["minitorch.serialization"]
    targets = [(target, names) for target, names in _runtime_imports(tree, package)
               if target.startswith("minitorch")]
    assert targets, "the import graph lost sight of serialization's imports"
    for target, names in targets:
        assert not target.startswith("minitorch.nn") and "nn" not in names, \
            f"minitorch.serialization imports {target} {names}: it must stay below nn/"
        assert target in allowed, f"minitorch.serialization imports {target}"

"""The import graph of the package, read with ``ast`` (nothing is imported or run):

1. no module outside the core imports a private name (``_x``) from another package: library
   code uses the narrow public API (``minitorch.tensor.wrap/unwrap``, ``apply``, ...);
2. the op-surface mixins (``minitorch/tensor_mixins``) never import the core at run time;
3. ``minitorch/core`` imports nothing above itself;
4. ``minitorch/serialization.py`` sits below ``nn/``: it imports only the tensor, dtypes,
   devices and the safe archive reader (``nn.Parameter`` registers itself with it);
5. no module outside the core reads or writes a private attribute of a tensor (``t._data``,
   ``t._grad``, ``t._version_counter()``, ...): it uses the library API of
   ``minitorch/tensor.py`` (``unwrap``, ``wrap``, ``bump_version``, ``set_array``, ...).

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


def _tensor_private_names() -> set[str]:
    """Tensor's private attributes, read from ``class Tensor`` in tensor.py: its
    ``__slots__`` and the private methods and properties its body defines."""
    tree = ast.parse((ROOT / "tensor.py").read_text(encoding="utf-8"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == "__slots__":
                    names.update(ast.literal_eval(node.value))
                elif isinstance(target, ast.Name):
                    names.add(target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


TENSOR_PRIVATE = _tensor_private_names()

# (module, attribute) pairs allowed to touch a tensor's private attributes, each with why.
# Empty: everything goes through the library API (nn.Parameter too: data.detach().as_subclass).
PRIVATE_ACCESS_ALLOWED: set[tuple[str, str]] = set()


def _tensor_classes(trees: list) -> set[str]:
    """Names of the classes deriving (by name, across the package) from Tensor."""
    found = {"Tensor"}
    while True:
        more = {node.name for _, _, tree in trees for node in ast.walk(tree)
                if isinstance(node, ast.ClassDef) and node.name not in found and any(
                    (b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)) in found
                    for b in node.bases)}
        if not more:
            return found
        found |= more


def _own_attributes(tree: ast.AST, tensor_classes: set[str]) -> set[int]:
    """``self.x`` nodes inside classes that are not tensors: that class's own attribute
    (say, a callback's ``self._apply``), whatever its name."""
    own: set[int] = set()
    for cls in ast.walk(tree):
        if isinstance(cls, ast.ClassDef) and cls.name not in tensor_classes:
            for node in ast.walk(cls):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                        node.value.id == "self":
                    own.add(id(node))
    return own


def _private_tensor_accesses(tree: ast.AST, tensor_classes: set[str]):
    """(line, attribute) of each ``x._data``-style access, and of ``getattr(x, "_grad")``
    (also ``setattr``, ``hasattr``, ``delattr``) with a private tensor attribute name."""
    own = _own_attributes(tree, tensor_classes)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in TENSOR_PRIVATE and \
                id(node) not in own:
            yield node.lineno, node.attr
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("getattr", "setattr", "hasattr", "delattr") and \
                len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and \
                node.args[1].value in TENSOR_PRIVATE:
            yield node.lineno, node.args[1].value


def test_the_private_tensor_names_are_read_from_tensor_py():
    assert {"_data", "_grad", "_node", "_requires_grad", "_version", "_version_counter",
            "_accumulator", "_accumulate_grad", "_view_of", "_retains_grad", "_inference",
            "_accumulate_edge"} <= TENSOR_PRIVATE


def test_no_private_tensor_attributes_outside_the_core():
    modules = list(_modules())
    tensor_classes = _tensor_classes(modules)
    found, used = [], set()
    for name, _, tree in modules:
        if name.startswith(CORE):
            continue
        for line, attr in _private_tensor_accesses(tree, tensor_classes):
            if (name, attr) in PRIVATE_ACCESS_ALLOWED:
                used.add((name, attr))
            else:
                found.append(f"{name}:{line}: .{attr}")
    assert found == [], (
        "private tensor attributes used outside the core (use minitorch.tensor's library "
        "API: unwrap, wrap, bump_version, set_array, set_grad, ...):\n" + "\n".join(found))
    assert used == PRIVATE_ACCESS_ALLOWED, \
        f"allowlist entries no longer needed: {sorted(PRIVATE_ACCESS_ALLOWED - used)}"

"""The public names of minitorch, with their signatures, as docs/api.md lists them.

    python docs/scripts/api_names.py            # the entries missing from docs/api.md
    python docs/scripts/api_names.py --all      # every entry (with docstring summaries)

Public means: listed in a module's ``__all__`` (for a module without one, the names it
defines itself and that do not start with ``_``), plus the public attributes and methods
of the three central classes, ``Tensor``, ``nn.Module`` and ``optim.Optimizer``.
tests/test_api_doc.py uses this module to check docs/api.md in both directions: every
public name is documented with its current signature, and every documented name exists.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import re
import types
from pathlib import Path
from typing import Any, Iterator

MODULES = [
    "minitorch", "minitorch.autograd", "minitorch.nn", "minitorch.nn.functional",
    "minitorch.nn.init", "minitorch.nn.utils", "minitorch.optim",
    "minitorch.optim.lr_scheduler", "minitorch.data", "minitorch.train", "minitorch.cuda",
    "minitorch.utils", "minitorch.sklearn", "minitorch.onnx", "minitorch.interop",
    "minitorch.viz",
]
# Classes whose members are documented one by one: (module, class name).
CLASSES = [("minitorch", "Tensor"), ("minitorch.nn", "Module"),
           ("minitorch.optim", "Optimizer")]
API_MD = Path(__file__).resolve().parents[1] / "api.md"
ENTRY = re.compile(r"^- `(?P<entry>[^`]+)`")
SECTION = re.compile(r"^## `(?P<section>minitorch[\w.]*)`")


def public_names(module: types.ModuleType) -> list[str]:
    """``__all__``, or the public names the module defines itself."""
    names = getattr(module, "__all__", None)
    if names is not None:
        return list(names)
    return [name for name, obj in vars(module).items()
            if not name.startswith("_") and getattr(obj, "__module__", None) == module.__name__]


def _typo_traps() -> set[str]:
    """Misspelt Tensor attributes that exist only to raise a helpful error."""
    tensor_module = importlib.import_module("minitorch.tensor")
    return set(getattr(tensor_module, "_TYPOS", {}))


def public_members(cls: type) -> list[str]:
    """Public attributes and methods of ``cls`` (inherited from object excluded)."""
    traps = _typo_traps() if cls.__name__ == "Tensor" else set()
    return [name for name in dir(cls)
            if not name.startswith("_") and name not in traps and not hasattr(object, name)]


def _default(value: Any) -> str:
    if isinstance(value, (types.FunctionType, type)):
        return value.__name__
    text = repr(value)
    return text


def signature(obj: Any) -> str | None:
    """``(a, b=1, *args, key=None)``: the call signature without type hints, or None for
    something that is not called (a module, a dtype, a property)."""
    if isinstance(obj, (types.ModuleType, property)) or not callable(obj):
        return None
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parts: list[str] = []
    star_done = False
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and inspect.isfunction(obj):
        params = params[1:]
    for i, p in enumerate(params):
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star_done = True
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        else:
            parts.append(p.name if p.default is p.empty else f"{p.name}={_default(p.default)}")
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params)
                                            or params[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    return "(" + ", ".join(parts) + ")"


def entries() -> Iterator[tuple[str, str, Any]]:
    """(section, documented name, object) for every public name: a section per module
    (names as imported from it), then one per class (names as ``Class.member``)."""
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in public_names(module):
            yield module_name, name, getattr(module, name)
    for module_name, class_name in CLASSES:
        cls = getattr(importlib.import_module(module_name), class_name)
        for name in public_members(cls):
            static = inspect.getattr_static(cls, name)
            obj = static if isinstance(static, property) else getattr(cls, name)
            yield f"{module_name}.{class_name}", f"{class_name}.{name}", obj


def render(name: str, obj: Any) -> str:
    sig = signature(obj)
    return name if sig is None else name + sig


def summary_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) if not isinstance(obj, (int, float, str, bool)) else None
    return doc.strip().splitlines()[0] if doc else "TODO"


def documented(text: str) -> dict[tuple[str, str], str]:
    """{(section, name): entry} for every entry of api.md: a line ``- `entry`: ...`` under
    a heading ``## `section` ...``; a second entry for the same name raises ValueError."""
    found: dict[tuple[str, str], str] = {}
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            heading = SECTION.match(line)
            section = heading["section"] if heading else None
            continue
        match = ENTRY.match(line)
        if match and section is not None:
            entry = match["entry"]
            key = (section, entry.split("(", 1)[0])
            if key in found:
                raise ValueError(f"api.md documents {key[1]} twice under {section}")
            found[key] = entry
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="print every entry")
    args = parser.parse_args()
    have = documented(API_MD.read_text()) if API_MD.exists() else {}
    current = None
    for section, name, obj in entries():
        entry = render(name, obj)
        if not args.all and have.get((section, name)) == entry:
            continue
        if section != current:
            print(f"\n## `{section}`\n")
            current = section
        print(f"- `{entry}`: {summary_line(obj)}")


if __name__ == "__main__":
    main()

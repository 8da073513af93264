"""docs/api.md lists every public name with its current signature, and nothing else.

Public names: each module's ``__all__`` (minitorch, nn, nn.functional, nn.init, nn.utils,
optim, optim.lr_scheduler, data, autograd, train, cuda, utils), and the public members of
Tensor, nn.Module and optim.Optimizer; docs/scripts/api_names.py computes them and prints
the entries to add or fix.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIX = "run `python docs/scripts/api_names.py` for the entries to add or update"


def load_api_names():
    spec = importlib.util.spec_from_file_location(
        "api_names", ROOT / "docs" / "scripts" / "api_names.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


api_names = load_api_names()
TEXT = (ROOT / "docs" / "api.md").read_text()
DOCUMENTED = api_names.documented(TEXT)
PUBLIC = {(section, name): api_names.render(name, obj)
          for section, name, obj in api_names.entries()}


def test_every_module_of_the_issue_has_a_section():
    sections = {section for section, _ in DOCUMENTED}
    for module in ["minitorch", "minitorch.nn", "minitorch.nn.functional", "minitorch.optim",
                   "minitorch.optim.lr_scheduler", "minitorch.data", "minitorch.autograd",
                   "minitorch.train"]:
        assert module in sections, f"docs/api.md has no '## `{module}`' section"


def test_every_public_name_is_documented():
    missing = sorted(f"{section}: {name}" for section, name in PUBLIC
                     if (section, name) not in DOCUMENTED)
    assert not missing, f"undocumented public names ({FIX}):\n" + "\n".join(missing)


def test_every_documented_name_exists_and_is_public():
    extra = sorted(f"{section}: {name}" for section, name in DOCUMENTED
                   if (section, name) not in PUBLIC)
    assert not extra, "docs/api.md documents names that are not public:\n" + "\n".join(extra)


def test_signatures_are_current():
    stale = sorted(
        f"{section}: documented `{DOCUMENTED[key]}`, actual `{PUBLIC[key]}`"
        for key in DOCUMENTED.keys() & PUBLIC.keys()
        for section in [key[0]]
        if DOCUMENTED[key] != PUBLIC[key]
    )
    assert not stale, f"signatures changed ({FIX}):\n" + "\n".join(stale)


def test_every_entry_has_a_one_line_description():
    entry = re.compile(r"^- `[^`]+`(?P<rest>.*)$")
    for line in TEXT.splitlines():
        match = entry.match(line)
        if match:
            assert re.match(r": \S", match["rest"]), f"no description: {line}"


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (lambda a, b=1, *args, c=None, **kw: None, "(a, b=1, *args, c=None, **kw)"),
        (lambda a, *, key=(0.9, 0.999): None, "(a, *, key=(0.9, 0.999))"),
        (object(), None),
    ],
)
def test_signature_rendering(obj, expected):
    assert api_names.signature(obj) == expected


def test_documented_parser_reads_sections_and_rejects_duplicates():
    text = ("## `minitorch.x`\n\n### Group\n- `f(a, b=1)`: does f.\n"
            "## Not a section\n- `g()`: ignored.\n")
    assert api_names.documented(text) == {("minitorch.x", "f"): "f(a, b=1)"}
    with pytest.raises(ValueError, match="twice"):
        api_names.documented("## `minitorch`\n- `f()`: a.\n- `f()`: b.\n")

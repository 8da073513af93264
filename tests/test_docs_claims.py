"""The docs claims a fact-check found wrong (issue 10, item 12), each checked as corrected.

Claims about PyTorch are checked against PyTorch 2.13 (skipped without it); claims about
minitorch against minitorch. The README's table and the notebooks' printed numbers are
checked by rerunning them (tests/test_examples.py, tests/test_notebooks.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.ops import matmul as M

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _doc(name: str) -> str:
    return " ".join((DOCS / name).read_text().split())  # one line: claims wrap


# ---------------------------------------------- requires_grad.md: what no_grad() saves
def test_evaluation_with_grad_mode_on_runs_no_backward_but_records(monkeypatch):
    """requires_grad.md: evaluation with grad mode on runs no backward either; what
    no_grad() saves is the recording (nodes and the activations they keep)."""
    calls = []
    original = M.Linear.backward
    monkeypatch.setattr(M.Linear, "backward",
                        staticmethod(lambda ctx, g: calls.append(1) or original(ctx, g)))
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)).eval()
    x = mt.randn(4, 8)
    out = model(x)  # evaluation, grad mode on
    assert out.grad_fn is not None and calls == []  # recorded, no backward ran
    saved = [a for node in (out.grad_fn, out.grad_fn.next_functions[0][0])
             for a in getattr(node, "saved", ()) if isinstance(a, np.ndarray)]
    assert saved  # the graph keeps arrays alive while `out` is referenced
    with mt.no_grad():
        assert model(x).grad_fn is None
    text = _doc("requires_grad.md")
    assert "evaluation with grad mode on runs no backward either" in text
    assert "it is the largest saving of evaluating under `no_grad()`" not in text


# ------------------------------------------- requires_grad.md 9.11: PyTorch and frozen
def _torch_frozen_moves(set_to_none: bool, freeze_before_backward: bool) -> bool:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
    (p * 2).sum().backward()
    opt.step()  # momentum exists
    opt.zero_grad(set_to_none=set_to_none)
    before = p.detach().clone()
    if freeze_before_backward:
        p.requires_grad_(False)
        opt.step()  # a step with the frozen parameter
    else:
        (p * 2).sum().backward()
        p.requires_grad_(False)  # frozen between backward and step
        opt.step()
    return not torch.equal(before, p.detach())


def test_pytorch_frozen_parameter_moves_only_with_a_gradient_left_on_it():
    """requires_grad.md 9.11 as corrected: with the default zero_grad() a frozen PyTorch
    parameter stays put; it moves with zero_grad(set_to_none=False) (weight decay and
    momentum) and at a step() right after the backward it was frozen after."""
    assert not _torch_frozen_moves(set_to_none=True, freeze_before_backward=True)
    assert _torch_frozen_moves(set_to_none=False, freeze_before_backward=True)
    assert _torch_frozen_moves(set_to_none=True, freeze_before_backward=False)
    text = _doc("requires_grad.md")
    assert "`zero_grad(set_to_none=False)`" in text and "stays put" in text


def test_minitorch_frozen_parameter_never_moves():
    for set_to_none in (True, False):
        p = nn.Parameter(mt.ones(3))
        opt = mt.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1)
        (p * 2).sum().backward()
        opt.step()
        opt.zero_grad(set_to_none=set_to_none)
        (p * 2).sum().backward()
        p.requires_grad_(False)
        before = p.detach().numpy().copy()
        opt.step()
        np.testing.assert_array_equal(before, p.detach().numpy())


# ------------------------------------------------------ from_pytorch.md: // and round
def test_pytorch_floor_divide_backward_raises_and_rounding_gradient_is_zero():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.5, 2.5], requires_grad=True)
    y = x // 2
    assert y.requires_grad  # PyTorch records a node ...
    with pytest.raises(RuntimeError, match="floor_divide is not implemented"):
        y.sum().backward()  # ... whose backward raises
    x.floor().sum().backward()
    assert torch.equal(x.grad, torch.zeros(2))  # the rounding ops: a zero gradient
    m = mt.tensor([1.5, 2.5], requires_grad=True)
    assert not (m // 2).requires_grad and not m.floor().requires_grad
    text = _doc("from_pytorch.md")
    assert "derivative for aten::floor_divide is not implemented" in text
    assert "the rounding ops and `//` have no gradient, where PyTorch gives a zero one" not in text


# ---------------------------------------------- from_pytorch.md: torch.load's default
class _Custom:
    def __init__(self) -> None:
        self.value = 3


def test_torch_load_defaults_to_weights_only(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "obj.pt"
    torch.save({"w": torch.ones(2), "obj": _Custom()}, path)
    with pytest.raises(Exception, match="[Ww]eights only load failed|weights_only"):
        torch.load(path)  # the default since 2.6: weights_only=True refuses the object
    assert torch.load(path, weights_only=False)["obj"].value == 3  # opting out unpickles
    torch.save({"w": torch.ones(2)}, path)
    assert torch.equal(torch.load(path)["w"], torch.ones(2))  # plain tensors load
    assert "defaults to `weights_only=True`" in _doc("from_pytorch.md")


# ------------------------------------------- freezing.md: why the frozen forward is faster
def test_frozen_forward_script_separates_recording_from_batchnorm_statistics():
    """freezing.md names both causes of the faster frozen forward and points at the
    script that times them apart; the script's deterministic part: nothing is recorded in
    a frozen body, whichever way its BatchNorm layers normalise."""
    import importlib.util

    path = DOCS / "scripts" / "measure_frozen_forward.py"
    spec = importlib.util.spec_from_file_location("measure_frozen_forward", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rows = script.rows(repeat=1)
    nodes = [n for _, _, n in rows]
    assert nodes[0] > 0 and nodes[1:] == [0, 0, 0], rows
    assert all(seconds > 0 for _, seconds, _ in rows)
    text = _doc("freezing.md")
    assert "nothing is recorded in the frozen body" in text
    assert "measure_frozen_forward.py" in text
    assert "because frozen BatchNorm layers normalise with stored statistics" not in text

"""nn.explain_grad: frozen, untracked loss, not used, no_grad, detach (named), reached."""
from __future__ import annotations

import pytest

import minitorch as mt
from minitorch import nn


def _model():
    mt.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))


def _x():
    return mt.randn(5, 3)


def test_frozen():
    model = _model()
    nn.freeze(model[0])
    why = nn.explain_grad(model[0].weight, model(_x()).sum())
    assert why.reason == "frozen" and "Linear.weight is frozen" in why


def test_reached_names_the_path():
    model = _model()
    why = nn.explain_grad(model[0].bias, model(_x()).sum())
    assert why.reason == "reached"
    assert why.where == "SumBackward <- LinearBackward <- ReLUBackward <- LinearBackward"


def test_untracked_loss():
    model = _model()
    with mt.no_grad():
        loss = model(_x()).sum()
    why = nn.explain_grad(model[2].weight, loss)
    assert why.reason == "untracked_loss" and "no_grad()" in why


def test_detach_is_located_with_a_function_and_guessed_with_a_tensor():
    model = _model()
    x = _x()

    def forward():
        features = model[1](model[0](x)).detach()      # the bug
        return model[2](features).sum()

    why = nn.explain_grad(model[0].weight, forward)
    assert why.reason == "detached"
    assert why.where.startswith("ReLU at ") and "test_explain_grad.py" in why.where
    assert mt.Tensor.detach.__name__ == "detach" and "detach" not in model[0].__dict__
    assert nn.explain_grad(model[0].weight, forward()).reason == "not_reached"
    assert nn.explain_grad(model[2].weight, forward).reason == "reached"


def test_no_grad_block_is_located():
    model = _model()
    x = _x()

    def forward():
        with mt.no_grad():
            h = model[0](x)
        return model[2](model[1](h)).sum()

    why = nn.explain_grad(model[0].weight, forward)
    assert why.reason == "no_grad" and why.where == "Linear"
    assert "forward" not in model[0].__dict__              # the watch is removed


def test_layer_not_used():
    model = _model()
    spare = nn.Linear(4, 4)
    why = nn.explain_grad(spare.weight, lambda: model(_x()).sum())
    assert why.reason == "not_used" and "was not called" in why


def test_bad_arguments():
    with pytest.raises(TypeError, match="needs a parameter"):
        nn.explain_grad(3, mt.ones(1))
    with pytest.raises(TypeError, match="loss as a Tensor or a function"):
        nn.explain_grad(nn.Linear(1, 1).weight, 3.0)

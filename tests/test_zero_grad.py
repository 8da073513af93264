"""Module.zero_grad and Optimizer.zero_grad are one function (minitorch.tensor.zero_grads)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim


def _trained_layer():
    layer = nn.Linear(3, 2)
    layer(mt.ones(1, 3)).sum().backward()
    return layer


@pytest.mark.parametrize("via", ["module", "optimizer"])
def test_zero_grad_in_place_bumps_the_version_and_handles_read_only_grads(via):
    layer = _trained_layer()
    opt = optim.SGD(layer.parameters(), lr=0.1)
    clear = layer.zero_grad if via == "module" else opt.zero_grad
    weight_grad = layer.weight.grad
    before = weight_grad._version_value
    read_only = np.ones(2, np.float32)
    read_only.flags.writeable = False
    layer.bias.grad = mt.from_numpy(read_only)
    clear(set_to_none=False)
    assert layer.weight.grad is weight_grad and weight_grad._version_value == before + 1
    assert weight_grad.tolist() == [[0.0] * 3] * 2
    assert layer.bias.grad.tolist() == [0.0, 0.0] and read_only.tolist() == [1.0, 1.0]
    clear()
    assert layer.weight.grad is None and layer.bias.grad is None

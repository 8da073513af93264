"""Issue 10, case 9: anomaly mode names the backward node and the user line that created
its forward op when backward produces NaN or infinity; off, nothing is captured."""
import inspect

import numpy as np
import pytest

import minitorch as mt
from minitorch.autograd import Function

torch = pytest.importorskip("torch")


def _line_of(marker):
    source, start = inspect.getsourcelines(inspect.currentframe().f_back.f_code)
    for offset, line in enumerate(source):
        if marker in line:
            return start + offset
    raise AssertionError(marker)


def test_nan_in_backward_names_the_node_and_the_creating_line():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = x.sqrt()  # CREATED-HERE
        loss = (y * 0).sum()  # sqrt's backward: 0 * inf = nan
        with pytest.raises(RuntimeError) as err:
            loss.backward()
    message = str(err.value)
    assert "SqrtBackward" in message and "nan" in message
    assert f"{__file__}:{_line_of('CREATED-HERE')}" in message
    assert "y = x.sqrt()" in message


def test_inf_in_backward_raises_too():
    x = mt.tensor([0.0, 2.0], requires_grad=True)
    with mt.autograd.set_detect_anomaly(True):
        z = mt.tensor([1.0, 1.0]) / x  # DIV-LINE
        with pytest.raises(RuntimeError, match="DivBackward.*inf") as err:
            z.sum().backward()
    assert f":{_line_of('DIV-LINE')}" in str(err.value)
    assert not mt.autograd.is_anomaly_enabled()


def test_pytorch_raises_for_the_same_program():
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    with torch.autograd.detect_anomaly(), pytest.warns(UserWarning):
        loss = (x.sqrt() * 0).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward0.*nan"):
            loss.backward()


def test_error_inside_a_custom_backward_gets_the_creating_line():
    class Broken(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("broken backward")

    x = mt.ones(2, requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = Broken.apply(x)  # BROKEN-LINE
        with pytest.raises(ValueError, match="broken backward") as err:
            y.sum().backward()
    assert f":{_line_of('BROKEN-LINE')}" in str(err.value)


def test_off_by_default_and_nothing_captured():
    assert not mt.autograd.is_anomaly_enabled()
    x = mt.tensor([0.0], requires_grad=True)
    y = x.sqrt()
    assert not hasattr(y.grad_fn, "creation_stack")
    with np.errstate(divide="ignore", invalid="ignore"):
        (y * 0).sum().backward()  # no anomaly mode: NaN gradient, no error (as PyTorch)
    assert np.isnan(x.grad.item())


def test_finite_backward_passes_and_matches_normal_mode():
    mt.manual_seed(0)
    w = mt.randn(3, requires_grad=True)
    (w.exp() * w).sum().backward()
    expected = w.grad.tolist()
    w.grad = None
    with mt.autograd.detect_anomaly():
        (w.exp() * w).sum().backward()
    assert w.grad.tolist() == expected


def test_set_detect_anomaly_as_a_plain_call_stays_on():
    mt.autograd.set_detect_anomaly(True)
    try:
        assert mt.autograd.is_anomaly_enabled()
        y = mt.ones(1, requires_grad=True) * 2
        assert y.grad_fn.creation_stack
    finally:
        mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()

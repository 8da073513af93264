"""``inference_mode``: no recording, and PyTorch's rules for tensors made inside it."""
import threading

import pytest

import minitorch as mt
from minitorch import nn

torch = pytest.importorskip("torch")


def test_nothing_is_recorded_and_results_are_inference_tensors():
    w = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled() and not mt.is_grad_enabled()
        y = w * 2
        z = mt.ones(3)
        n = w.new_zeros(2)
    assert not mt.is_inference_mode_enabled() and mt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert y.is_inference() and z.is_inference() and n.is_inference()
    assert not w.is_inference() and not (w * 2).is_inference()


def test_enable_grad_inside_does_not_record_like_pytorch():
    w = mt.ones(2, requires_grad=True)
    tw = torch.ones(2, requires_grad=True)
    with mt.inference_mode(), mt.enable_grad():
        ours = (w * 2).requires_grad
    with torch.inference_mode(), torch.enable_grad():
        theirs = (tw * 2).requires_grad
    assert ours == theirs is False


def test_an_inference_tensor_cannot_be_saved_for_backward():
    w = mt.ones(2, requires_grad=True)
    with mt.inference_mode():
        x = mt.ones(2) * 3
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved for backward"):
        x * w  # Mul saves x for w's gradient
    with pytest.raises(RuntimeError, match="Inference tensors cannot be saved"):
        nn.Linear(2, 1)(x.reshape(1, 2))
    (x + w).sum().backward()  # Add saves nothing: allowed, as in PyTorch
    assert w.grad.tolist() == [1.0, 1.0]
    (x.clone() * w).sum().backward()  # a clone made outside is a normal tensor
    assert w.grad.tolist() == [4.0, 4.0]


def test_requires_grad_and_in_place_are_refused_outside():
    with mt.inference_mode():
        x = mt.ones(2)
        x.add_(1)  # inside: allowed
    with pytest.raises(RuntimeError, match="requires_grad=True on inference tensor"):
        x.requires_grad_()
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="Inplace update to inference tensor"):
        x[0] = 5.0
    assert x.tolist() == [2.0, 2.0]


def test_decorator_forms_and_mode_false():
    w = mt.ones(2, requires_grad=True)

    @mt.inference_mode
    def bare(a):
        return a * 2

    @mt.inference_mode()
    def called(a):
        return a * 2

    @mt.inference_mode(False)
    def off(a):
        return a * 2

    assert bare(w).is_inference() and called(w).is_inference()
    assert off(w).requires_grad and not off(w).is_inference()
    assert mt.is_grad_enabled()


def test_mode_is_restored_after_an_exception_and_per_thread():
    with pytest.raises(ValueError):
        with mt.inference_mode():
            raise ValueError("boom")
    assert mt.is_grad_enabled() and not mt.is_inference_mode_enabled()
    seen = []
    with mt.inference_mode():
        thread = threading.Thread(target=lambda: seen.append(mt.is_inference_mode_enabled()))
        thread.start()
        thread.join()
    assert seen == [False]


def test_model_outputs_under_inference_mode_match_no_grad():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    x = mt.randn(5, 4)
    with mt.no_grad():
        expected = model(x)
    with mt.inference_mode():
        got = model(x)
    assert got.tolist() == expected.tolist() and got.is_inference()

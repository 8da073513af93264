"""Issue 10, case 1: Python numbers go straight to the requested dtype on every creation
path (never through float32 first), and scalars mixed into ops keep their exact value."""
import numpy as np
import pytest

import minitorch as mt

torch = pytest.importorskip("torch")

FLOATS = [0.1, 1e300, 1e-50, 1 / 3, -2.5e-310]
INTS = [16777217, 2**53 + 1, -(2**62) - 3, 2**63 - 1]


def _bits(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t).tobytes()


@pytest.mark.parametrize("value", FLOATS)
def test_tensor_float64_holds_the_python_float_itself(value):
    assert mt.tensor([value], dtype=mt.float64).item() == value
    assert mt.tensor(value, dtype=mt.float64).item() == value
    assert mt.tensor([[value]], dtype=mt.float64).tolist() == [[value]]
    assert _bits(mt.tensor([value], dtype=mt.float64)) == _bits(
        torch.tensor([value], dtype=torch.float64))


@pytest.mark.parametrize("value", INTS)
def test_int64_from_a_python_int_is_exact(value):
    assert mt.tensor([value], dtype=mt.int64).item() == value
    assert mt.tensor([value]).item() == value
    assert mt.tensor([value, 0.5], dtype=mt.int64).tolist() == \
        torch.tensor([value, 0.5], dtype=torch.int64).tolist()
    assert mt.full((2,), value).tolist() == [value, value]
    assert mt.zeros(1, dtype=mt.int64).new_tensor([value]).item() == value
    assert mt.zeros(1, dtype=mt.int64).new_full((1,), value).item() == value


@pytest.mark.parametrize("value", FLOATS)
def test_every_creation_path_keeps_float64_values(value):
    f64 = mt.float64
    base = mt.zeros(2, dtype=f64)
    made = {
        "tensor": mt.tensor([value], dtype=f64),
        "as_tensor": mt.as_tensor([value], dtype=f64),
        "full": mt.full((1,), value, dtype=f64),
        "full_like": mt.full_like(base, value)[:1],
        "new_full": base.new_full((1,), value),
        "new_tensor": base.new_tensor([value]),
        "DoubleTensor": mt.DoubleTensor([value]),
        "arange": mt.arange(value, value + 2 * abs(value), abs(value), dtype=f64)[:1],
        "linspace": mt.linspace(value, 2 * value, 3, dtype=f64)[:1],
        "scalar op": (mt.zeros(1, dtype=f64) + value),
        "reflected op": (value + mt.zeros(1, dtype=f64)),
        "mul": (mt.ones(1, dtype=f64) * value),
        "where": mt.where(mt.tensor([True]), value, mt.zeros(1, dtype=f64)),
        "fill_": mt.zeros(1, dtype=f64).fill_(value),
        "setitem": _set(mt.zeros(1, dtype=f64), value),
        "masked_fill": mt.zeros(1, dtype=f64).masked_fill(mt.tensor([True]), value),
    }
    for name, t in made.items():
        assert t.dtype == f64, name
        assert t[0].item() == value, (name, t[0].item())


def _set(t, value):
    t[0] = value
    return t


def test_float32_results_match_pytorch_bit_for_bit():
    for value in [0.1, 1e300, 1e-50, 16777217, 2**53 + 1]:
        ours = mt.tensor([value], dtype=mt.float32)
        theirs = torch.tensor([value], dtype=torch.float32)
        assert _bits(ours) == _bits(theirs), value
    assert _bits(mt.tensor([0.1, 1e300])) == _bits(torch.tensor([0.1, 1e300]))


def test_default_dtypes_are_unchanged():
    assert mt.tensor([0.1]).dtype == mt.float32
    assert mt.tensor([1, 2]).dtype == mt.int64
    assert mt.tensor([True]).dtype == mt.bool
    assert mt.tensor([1, 2.5]).dtype == mt.float32


def test_arange_and_linspace_match_pytorch_closely():
    for dtype, tdtype in [(mt.float32, torch.float32), (mt.float64, torch.float64)]:
        ours = mt.arange(-3.3, 7.1, 0.37, dtype=dtype).numpy()
        theirs = torch.arange(-3.3, 7.1, 0.37, dtype=tdtype).numpy()
        assert ours.shape == theirs.shape
        eps = np.finfo(ours.dtype).eps
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=4 * eps * 7.1)
        ours = mt.linspace(-0.3, 1.7, 101, dtype=dtype).numpy()
        theirs = torch.linspace(-0.3, 1.7, 101, dtype=tdtype).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=4 * eps * 1.7)


def test_out_of_range_values_raise_pytorchs_types():
    with pytest.raises(RuntimeError, match="300.*int8"):
        mt.tensor([300], dtype=mt.int8)
    with pytest.raises(ValueError, match=str(2**64)):
        mt.tensor([2**64])
    with pytest.raises(RuntimeError, match="int8"):
        mt.zeros(1, dtype=mt.int8).new_full((1,), 300)

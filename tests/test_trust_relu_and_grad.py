"""Issue 10, cases 3 and 4: ``.grad`` assignment checks dtype and shape (RuntimeError, as
PyTorch); relu gives +0.0 for negatives (sign bit clear) and lets NaN through."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn
from minitorch.nn import functional as F

torch = pytest.importorskip("torch")

VALUES = [-3.0, -1e-30, -0.0, 0.0, 2.5, float("nan"), -float("inf"), float("inf")]


def _sign_bits(array):
    return np.signbit(np.asarray(array)).tolist()


@pytest.mark.parametrize("dtype, tdtype", [(mt.float32, torch.float32),
                                           (mt.float64, torch.float64)])
@pytest.mark.parametrize("relu", [F.relu, mt.relu, lambda t: t.relu(), nn.ReLU()])
def test_relu_matches_pytorch_bit_for_bit(relu, dtype, tdtype):
    ours = relu(mt.tensor(VALUES, dtype=dtype)).numpy()
    theirs = torch.relu(torch.tensor(VALUES, dtype=tdtype)).numpy()
    assert ours.tobytes() == theirs.tobytes()
    negative = np.array(VALUES) < 0
    assert not np.signbit(ours[negative]).any()  # +0.0, never -0.0
    assert np.isnan(ours[np.isnan(VALUES)]).all()


def test_relu_gradient_matches_pytorch_including_nan_and_zero():
    x = mt.tensor(VALUES, dtype=mt.float64, requires_grad=True)
    mt.relu(x).backward(mt.ones(len(VALUES), dtype=mt.float64))
    tx = torch.tensor(VALUES, dtype=torch.float64, requires_grad=True)
    torch.relu(tx).backward(torch.ones(len(VALUES), dtype=torch.float64))
    assert x.grad.tolist() == tx.grad.tolist()


def test_relu_prints_no_negative_zero():
    assert "-0." not in repr(mt.relu(mt.tensor([-1.0, -2.0])))


def test_grad_assignment_checks_dtype_like_pytorch():
    p = nn.Parameter(mt.zeros(2))
    with pytest.raises(RuntimeError, match="dtype.*float64.*float32"):
        p.grad = mt.ones(2, dtype=mt.float64)
    tp = torch.nn.Parameter(torch.zeros(2))
    with pytest.raises(RuntimeError):
        tp.grad = torch.ones(2, dtype=torch.float64)
    assert p.grad is None  # nothing was assigned


def test_grad_assignment_checks_shape_and_type_like_pytorch():
    p = nn.Parameter(mt.zeros(2))
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        p.grad = mt.ones(3)
    with pytest.raises(TypeError):
        p.grad = 3
    p.grad = mt.ones(2)  # a right one is accepted, and None clears it
    assert p.grad.tolist() == [1.0, 1.0]
    p.grad = None
    assert p.grad is None


def test_relu_of_a_zero_dim_tensor_and_of_integers():
    # found by the ops fuzzer: numpy returns scalars for 0-d input, and copysign is float-only
    assert np.signbit(mt.tensor(-0.0).relu().numpy())
    assert mt.tensor(-1.0).relu().item() == 0.0 and not np.signbit(mt.tensor(-1.0).relu().numpy())
    out = mt.tensor([-2, 0, 3]).relu()
    assert out.dtype == mt.int64 and out.tolist() == [0, 0, 3]


def test_relu_without_grad_saves_no_mask():
    x = mt.tensor([-1.0, 2.0], requires_grad=True)
    with mt.no_grad():
        y = x.relu()
    assert y.grad_fn is None
    y = x.relu()
    (mask,) = y.grad_fn.saved
    assert mask.dtype == np.bool_ and mask.tolist() == [False, True]

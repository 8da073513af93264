"""Issue 10, case 7: manual_seed takes PyTorch's seed range (negatives included), and no
numpy exception or message reaches the user: PyTorch's type, about the user's call."""
import numpy as np
import pytest

import minitorch as mt

torch = pytest.importorskip("torch")


def test_negative_seeds_work_like_pytorch():
    mt.manual_seed(-1)
    a = mt.randn(3)
    mt.manual_seed(2**64 - 1)  # PyTorch: -1 is the seed 2**64 - 1
    b = mt.randn(3)
    assert a.tolist() == b.tolist()
    assert mt.initial_seed() == torch.manual_seed(-1).initial_seed() == 2**64 - 1
    mt.manual_seed(-(2**63))
    assert mt.initial_seed() == torch.manual_seed(-(2**63)).initial_seed()


@pytest.mark.parametrize("seed", [2**64, -(2**63) - 1])
def test_seeds_out_of_pytorchs_range_raise_its_error(seed):
    with pytest.raises(ValueError, match="range"):
        mt.manual_seed(seed)
    with pytest.raises(ValueError):
        torch.manual_seed(seed)


def test_float_and_string_seeds_follow_pytorch():
    assert mt.manual_seed(1.5).initial_seed() == torch.manual_seed(1.5).initial_seed()
    assert mt.manual_seed("3").initial_seed() == torch.manual_seed("3").initial_seed()
    with pytest.raises(TypeError):
        mt.manual_seed(None)


def _is_numpy_message(text):
    return any(s in text for s in ("numpy", "ndarray", "axis", "array"))


CASES = {
    "argmax of empty": (lambda m: m.zeros(0).argmax(), IndexError),
    "argmin of empty": (lambda m: m.zeros(0).argmin(), IndexError),
    "argmax of empty dim": (lambda m: m.zeros(0, 3).argmax(0), IndexError),
    "max of empty": (lambda m: m.zeros(0).max(), RuntimeError),
    "min of empty": (lambda m: m.zeros(0).min(), RuntimeError),
    "max of empty dim": (lambda m: m.zeros(0, 3).max(0), IndexError),
    "reshape bad size": (lambda m: m.zeros(2, 3).reshape(4), RuntimeError),
    "view bad size": (lambda m: m.zeros(2, 3).view(5), RuntimeError),
    "index out of range": (lambda m: m.zeros(2, 3)[5], IndexError),
    "too many indices": (lambda m: m.zeros(2)[0, 0], IndexError),
    "float index tensor": (lambda m: m.zeros(3)[m.tensor([0.5])], IndexError),
    "bool mask shape": (lambda m: m.zeros(3)[m.tensor([True, False])], IndexError),
    "sum dim out of range": (lambda m: m.zeros(2, 3).sum(5), IndexError),
    "transpose dim": (lambda m: m.zeros(2, 3).transpose(0, 4), IndexError),
    "matmul shapes": (lambda m: m.zeros(2, 3) @ m.zeros(4, 2), RuntimeError),
    "add broadcast": (lambda m: m.zeros(2, 3) + m.zeros(4), RuntimeError),
    "cat shapes": (lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 4)]), RuntimeError),
    "stack shapes": (lambda m: m.stack([m.zeros(2), m.zeros(3)]), RuntimeError),
    "int overflow scalar": (lambda m: m.zeros(1, dtype=m.int8).fill_(300), RuntimeError),
    "permute wrong dims": (lambda m: m.zeros(2, 3).permute(0), RuntimeError),
    "expand wrong": (lambda m: m.zeros(2, 3).expand(4, 3), RuntimeError),
    "setitem shape": (lambda m: m.zeros(3, 2).__setitem__(0, m.ones(3)), RuntimeError),
    "gather index dtype": (lambda m: m.zeros(3).gather(0, m.tensor([0.5])), RuntimeError),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_misuse_raises_pytorchs_type_with_our_message(name):
    make, expected = CASES[name]
    with pytest.raises(Exception) as theirs:
        make(torch)
    assert isinstance(theirs.value, expected), (name, type(theirs.value))
    with pytest.raises(Exception) as ours:
        make(mt)
    assert type(ours.value) is expected, (name, type(ours.value), str(ours.value))
    assert "numpy" not in str(ours.value) and "ndarray" not in str(ours.value), str(ours.value)


def test_argmax_of_empty_message_says_what_to_do():
    with pytest.raises(IndexError, match="argmax.*dim"):
        mt.zeros(0).argmax()


def test_no_numpy_warning_on_empty_reductions():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(mt.zeros(0).mean().item())  # PyTorch: nan, silently
        assert mt.zeros(0).sum().item() == 0.0

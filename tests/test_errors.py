"""Misuse raises PyTorch's exception type with a message that names the cause and the fix."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt


# --------------------------------------------------------------------- backward misuse
def test_backward_without_requires_grad_lists_the_causes():
    loss = (mt.ones(3) * 2).sum()
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    message = str(info.value)
    assert "does not require grad" in message
    assert "frozen" in message and "no_grad" in message
    for cause in ("detach", ".item()", ".numpy()"):
        assert cause in message
    assert "loss.requires_grad = True" in message  # warned against, not suggested


def test_backward_after_no_grad_forward_raises():
    w = mt.ones(3, requires_grad=True)
    with mt.no_grad():
        loss = (w * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        loss.backward()


def test_non_scalar_backward_names_the_shape():
    y = mt.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        y.backward()


def test_backward_gradient_of_wrong_shape():
    y = mt.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(mt.ones(3))


def test_second_backward_mentions_retain_graph_and_detach():
    x = mt.ones(2, requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time") as info:
        loss.backward()
    assert "retain_graph=True" in str(info.value)
    assert "detach()" in str(info.value)


def test_second_backward_through_cached_features():
    x = mt.ones(2, requires_grad=True)
    features = x.exp()  # computed once, reused by two losses
    (features * 2).sum().backward()
    with pytest.raises(RuntimeError, match="ExpBackward"):
        (features * 3).sum().backward()


# --------------------------------------------------------------------- requires_grad misuse
def test_setting_requires_grad_on_a_non_leaf():
    y = mt.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf") as info:
        y.requires_grad = False
    assert "detach()" in str(info.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: mt.tensor([1, 2], requires_grad=True),
        lambda: mt.tensor([1, 2]).requires_grad_(),
        lambda: mt.zeros(2, dtype=mt.int64, requires_grad=True),
        lambda: mt.arange(3, requires_grad=True),
        lambda: mt.tensor([True], requires_grad=True),
    ],
)
def test_requires_grad_on_non_float_tensor(make):
    with pytest.raises(RuntimeError, match="floating point") as info:
        make()
    assert ".float()" in str(info.value)


def test_require_grad_typo_has_a_hint():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(AttributeError, match="did you mean 'requires_grad'"):
        w.require_grad = False
    assert w.requires_grad  # nothing changed


def test_unknown_attribute_without_close_match():
    with pytest.raises(AttributeError, match="no attribute 'colour'") as info:
        mt.ones(2).colour = "red"
    assert "did you mean" not in str(info.value)


# --------------------------------------------------------------------- in-place misuse
@pytest.mark.parametrize(
    "op, name",
    [
        (lambda w: w.add_(1), "add_"),
        (lambda w: w.mul_(2), "mul_"),
        (lambda w: w.sub_(1), "sub_"),
        (lambda w: w.zero_(), "zero_"),
        (lambda w: w.fill_(3.0), "fill_"),
        (lambda w: w.copy_(mt.zeros(3)), "copy_"),
        (lambda w: w.__setitem__(0, 5.0), "__setitem__"),
    ],
)
def test_inplace_on_leaf_that_requires_grad(op, name):
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf") as info:
        op(w)
    message = str(info.value)
    assert name in message and "no_grad" in message
    assert w.tolist() == [1.0, 1.0, 1.0]  # nothing was written
    with mt.no_grad():
        op(w)  # allowed there: that is how optimizers and init work
    assert w.requires_grad and w.is_leaf


def test_augmented_assignment_on_leaf():
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w -= 0.1
    with mt.no_grad():
        w -= 0.5
    assert w.tolist() == [0.5, 0.5, 0.5] and w.requires_grad


def test_inplace_on_view_of_leaf_that_requires_grad():
    w = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w[0].add_(1)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.T[1].zero_()
    assert w.tolist() == [[1.0] * 3] * 2  # nothing was written


@pytest.mark.parametrize(
    "op", [lambda v: v.add_(1), lambda v: v.mul_(mt.ones(3, requires_grad=True)),
           lambda v: v.__setitem__(0, 5.0)],
)
def test_view_made_under_no_grad_is_not_modified_with_grad_on(op):
    h = mt.ones(2, 3, requires_grad=True) * 2
    with mt.no_grad():
        view = h[0]
    with pytest.raises(RuntimeError, match="created under no_grad") as info:
        op(view)
    assert "clone()" in str(info.value)
    assert h.tolist() == [[2.0] * 3] * 2
    with mt.no_grad():
        op(view)  # both inside no_grad: allowed, untracked


def test_inplace_on_view_with_result_that_does_not_fit():
    y = mt.ones(3, requires_grad=True) * 1.0
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(2, 2\)"):
        y[:2].add_(mt.ones(2, 2))
    assert y.tolist() == [1.0, 1.0, 1.0]


def test_saved_tensor_modified_in_place_raises_at_backward():
    a = mt.ones(3, requires_grad=True)
    b = a * 2
    c = b * b  # saves b
    b.add_(1)  # allowed now ...
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as info:
        c.sum().backward()  # ... detected here
    message = str(info.value)
    assert "MulBackward" in message and "add_" in message
    assert "version 1" in message and "expected version 0" in message


def test_saved_output_modified_in_place():
    x = mt.ones(3, requires_grad=True)
    y = x.exp()  # saves its output
    y.mul_(2)
    with pytest.raises(RuntimeError, match=r"ExpBackward.*mul_"):
        y.sum().backward()


def test_modifying_a_detached_alias_is_detected():
    x = mt.ones(3, requires_grad=True)
    y = x.sigmoid()
    y.detach().zero_()  # shares storage and version counter
    with pytest.raises(RuntimeError, match=r"SigmoidBackward.*zero_"):
        y.sum().backward()


def test_optimizer_step_between_forward_and_backward():
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    w1 = mt.tensor(rng.standard_normal((3, 5)).astype(np.float32), requires_grad=True)
    w2 = mt.tensor(rng.standard_normal((5, 1)).astype(np.float32), requires_grad=True)
    loss = ((x @ w1).relu() @ w2).sum()  # the second matmul saves w2
    with mt.no_grad():
        w2 -= 0.1 * mt.ones(5, 1)  # what optimizer.step() does
    with pytest.raises(RuntimeError) as info:
        loss.backward()
    message = str(info.value)
    assert "MatMulBackward" in message and "sub_" in message
    assert "optimizer.step()" in message


def test_frozen_weight_is_not_saved_so_updating_it_is_fine():
    x = mt.ones(2, 3, requires_grad=True)
    w = mt.ones(3, 2)  # frozen: x's gradient needs w, so it is saved
    loss = (x @ w).sum()
    with mt.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="mul_"):
        loss.backward()
    w2 = mt.ones(3, 2, requires_grad=True)
    loss = (mt.ones(2, 3) @ w2).sum()  # w2's gradient needs only the input: w2 not saved
    with mt.no_grad():
        w2.mul_(2)
    loss.backward()
    assert w2.grad.tolist() == [[2.0, 2.0]] * 3


# --------------------------------------------------------------------- conversions
def test_numpy_on_tensor_that_requires_grad():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
        w.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(w * 2)
    assert w.detach().numpy().tolist() == [1.0, 1.0]


def test_item_of_many_elements():
    with pytest.raises(RuntimeError, match=r"3 elements.*\(3,\)"):
        mt.ones(3).item()


def test_bool_of_many_elements():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.ones(3))


# --------------------------------------------------------------------- shapes and dtypes
@pytest.mark.parametrize(
    "sa, sb", [((2, 3), (4, 5)), ((3,), (4,)), ((3,), (4, 2)), ((2, 5), (4,))]
)
def test_matmul_incompatible_shapes_names_both(sa, sb):
    with pytest.raises(RuntimeError) as info:
        mt.ones(*sa) @ mt.ones(*sb)
    assert str(sa) in str(info.value) and str(sb) in str(info.value)


def test_matmul_incompatible_batch_shapes_names_both():
    with pytest.raises(RuntimeError, match=r"\(2, 2, 3\).*\(3, 3, 5\)"):
        mt.ones(2, 2, 3, requires_grad=True) @ mt.ones(3, 3, 5)


def test_matmul_of_a_scalar():
    with pytest.raises(RuntimeError, match=r"\*"):
        mt.tensor(2.0) @ mt.ones(2)


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize(
    "op", [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a / b,
           lambda a, b: mt.maximum(a, b), lambda a, b: a < b]
)
def test_broadcast_incompatible_shapes_names_both(op, requires_grad):
    a = mt.ones(2, 3, requires_grad=requires_grad)
    with pytest.raises(RuntimeError) as info:
        op(a, mt.ones(4, 3))
    assert "(2, 3)" in str(info.value) and "(4, 3)" in str(info.value)


def test_float32_matmul_float64_names_both_dtypes():
    with pytest.raises(RuntimeError) as info:
        mt.ones(2, 3) @ mt.ones(3, dtype=mt.float64)
    assert "float32" in str(info.value) and "float64" in str(info.value)


def test_reshape_to_wrong_size():
    with pytest.raises(RuntimeError, match=r"\(4, 2\).*\(2, 3\)"):
        mt.ones(2, 3).reshape(4, 2)


def test_inplace_result_that_does_not_fit():
    with pytest.raises(RuntimeError, match=r"\(3,\)"):
        mt.ones(3).add_(mt.ones(2, 3))


def test_inplace_float_into_int_tensor():
    with pytest.raises(RuntimeError, match="int64"):
        mt.tensor([1, 2]).mul_(1.5)


def test_cuda_device_raises():
    with pytest.raises(RuntimeError, match="cpu"):
        mt.ones(2).to("cuda")


# --------------------------------------------------------------------- dims
@pytest.mark.parametrize(
    "op",
    [
        lambda x: x.sum(dim=2), lambda x: x.sum(dim=(0, 5)), lambda x: x.mean(dim=-3),
        lambda x: x.var(dim=2), lambda x: x.std(dim=2), lambda x: x.max(dim=2),
        lambda x: x.min(dim=-3), lambda x: x.argmax(dim=2), lambda x: x.softmax(dim=2),
        lambda x: x.log_softmax(dim=-3), lambda x: x.logsumexp(dim=2),
        lambda x: x.transpose(0, 2), lambda x: x.permute(0, 2), lambda x: x.unsqueeze(3),
        lambda x: x.squeeze(2), lambda x: x.flatten(0, 2), lambda x: x.size(2),
        lambda x: mt.cat([x, x], dim=2), lambda x: mt.stack([x, x], dim=4),
    ],
)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_bad_dim_raises_index_error(op, requires_grad):
    x = mt.ones(2, 3, requires_grad=requires_grad)
    with pytest.raises(IndexError):
        op(x)


def test_bad_dim_message_names_the_range():
    with pytest.raises(IndexError, match=r"range of \[-2, 1\], but got 2"):
        mt.ones(2, 3).sum(dim=2)

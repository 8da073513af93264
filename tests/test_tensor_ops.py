"""Forward behaviour of tensors: dtype rules, values against numpy, views and in-place writes,
and the PyTorch habits that scripts written for PyTorch rely on."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt


# --------------------------------------------------------------------- dtype rules
@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, mt.float32),
        ([1.0, 2.0], mt.float32),
        ([1, 2.5], mt.float32),
        (3, mt.int64),
        ([[1, 2], [3, 4]], mt.int64),
        (True, mt.bool),
        ([True, False], mt.bool),
        (np.ones(2), mt.float64),
        (np.ones(2, dtype=np.float32), mt.float32),
        (np.ones(2, dtype=np.int32), mt.int32),
        (np.float64(2.0), mt.float64),
    ],
)
def test_tensor_dtype_inference(data, dtype):
    assert mt.tensor(data).dtype == dtype


def test_explicit_dtype_wins():
    assert mt.tensor([1, 2], dtype=mt.float64).dtype == mt.float64
    assert mt.tensor(np.ones(2), dtype=mt.float32).dtype == mt.float32


def test_from_numpy_shares_memory_and_keeps_dtype():
    array = np.zeros(3, dtype=np.float64)
    t = mt.from_numpy(array)
    assert t.dtype == mt.float64
    array[0] = 5.0
    t[1] = 7.0
    assert t.tolist() == [5.0, 7.0, 0.0] and array.tolist() == [5.0, 7.0, 0.0]


def test_tensor_copies_numpy_data():
    array = np.zeros(2)
    t = mt.tensor(array)
    array[0] = 1.0
    assert t.tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: mt.tensor([1, 2]) / 2, mt.float32),
        (lambda: mt.tensor([1, 2]) / mt.tensor([2, 4]), mt.float32),
        (lambda: mt.tensor([1, 2]) * 1.5, mt.float32),
        (lambda: mt.tensor([1, 2]) + 1, mt.int64),
        (lambda: mt.tensor([1, 2]) ** 2, mt.int64),
        (lambda: mt.tensor([1, 2]) ** 0.5, mt.float32),
        (lambda: mt.tensor([1, 2]).exp(), mt.float32),
        (lambda: mt.tensor([1, 4]).sqrt(), mt.float32),
        (lambda: mt.tensor([1.0, 2.0]) + 1.5, mt.float32),
        (lambda: mt.tensor([1.0, 2.0]) * 1e10, mt.float32),
        (lambda: 2.5 - mt.tensor([1.0, 2.0]), mt.float32),
        (lambda: mt.tensor([1.0, 2.0]) * np.float64(1.5), mt.float32),
        (lambda: mt.tensor([1.0]) + mt.tensor([1.0], dtype=mt.float64), mt.float64),
        (lambda: mt.tensor([1, 2]).sum(), mt.int64),
        (lambda: mt.tensor([True, True]).sum(), mt.int64),
        (lambda: mt.tensor([1.0, 2.0]) > 1, mt.bool),
        (lambda: mt.tensor([1.0, 2.0]).argmax(), mt.int64),
    ],
)
def test_result_dtypes(make, dtype):
    assert make().dtype == dtype


def test_int_division_values():
    assert (mt.tensor([1, 3]) / 2).tolist() == [0.5, 1.5]


def test_factories_default_to_float32():
    for t in (mt.zeros(2), mt.ones(2), mt.randn(2), mt.rand(2), mt.empty(2),
              mt.linspace(0, 1, 3), mt.eye(2), mt.full((2,), 1.5), mt.arange(0.0, 1.0, 0.5)):
        assert t.dtype == mt.float32
    assert mt.arange(3).dtype == mt.int64
    assert mt.full((2,), 3).dtype == mt.int64


def test_dtype_aliases():
    assert mt.float is mt.float32 and mt.double is mt.float64 and mt.long is mt.int64
    assert mt.tensor([1.0]).dtype == mt.float
    assert mt.tensor([1]).dtype == mt.long
    assert mt.tensor([1.7, -2.2]).long().tolist() == [1, -2]
    assert mt.tensor([1, 2]).float().dtype == mt.float32
    assert mt.tensor([1.0]).double().dtype == mt.float64
    assert mt.tensor([1]).to(mt.float).dtype == mt.float32


def test_tensor_class_as_constructor():
    t = mt.Tensor([1, 2])
    assert isinstance(t, mt.Tensor) and t.dtype == mt.float32 and t.tolist() == [1.0, 2.0]
    assert mt.Tensor(2, 3).shape == (2, 3)
    assert isinstance(mt.ones(2), mt.Tensor)


# --------------------------------------------------------------------- values against numpy
def test_reductions_match_numpy(rng):
    a = rng.standard_normal((3, 4))
    t = mt.tensor(a)
    assert np.allclose(t.sum().numpy(), a.sum())
    assert np.allclose(t.sum(dim=(0, 1)).numpy(), a.sum())
    assert np.allclose(t.mean(-1, keepdim=True).numpy(), a.mean(-1, keepdims=True))
    assert np.allclose(t.var().numpy(), a.var(ddof=1))  # unbiased by default
    assert np.allclose(t.var(0, unbiased=False).numpy(), a.var(0))
    assert np.allclose(t.std(1, correction=0).numpy(), a.std(1))
    assert np.allclose(t.logsumexp(1).numpy(), np.log(np.exp(a).sum(1)))


def test_max_min_with_dim_return_values_and_indices(rng):
    a = rng.standard_normal((3, 4))
    t = mt.tensor(a)
    result = t.max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert np.allclose(values.numpy(), a.max(1)) and indices.tolist() == a.argmax(1).tolist()
    assert indices.dtype == mt.int64
    low = mt.min(t, dim=0, keepdim=True)
    assert low.values.shape == (1, 4) and low.indices.tolist() == [a.argmin(0).tolist()]
    assert t.max().item() == a.max() and t.min().item() == a.min()


def test_softmax_values(rng):
    a = rng.standard_normal((2, 5)) * 50  # large values: must not overflow
    s = mt.tensor(a).softmax(-1).numpy()
    assert np.allclose(s.sum(-1), 1.0) and np.all(np.isfinite(s))
    assert np.allclose(np.exp(mt.tensor(a).log_softmax(1).numpy()), s)


def test_elementwise_values(rng):
    a = rng.uniform(0.5, 2.0, 5)
    t = mt.tensor(a)
    pairs = [
        (t.exp(), np.exp(a)), (t.log(), np.log(a)), (t.sqrt(), np.sqrt(a)),
        (t.sin(), np.sin(a)), (t.cos(), np.cos(a)), (t.tanh(), np.tanh(a)),
        (t.sigmoid(), 1 / (1 + np.exp(-a))), ((-t).abs(), a),
        ((t - 1).relu(), np.maximum(a - 1, 0)),
        (t.clamp(0.8, 1.2), np.clip(a, 0.8, 1.2)), (t ** t, a ** a), (2 ** t, 2 ** a),
    ]
    for got, expected in pairs:
        assert np.allclose(got.numpy(), expected)


def test_sigmoid_does_not_overflow():
    with np.errstate(all="raise"):
        out = mt.tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    assert out.tolist() == [0.0, 0.5, 1.0]


def test_matmul_shapes(rng):
    cases = [((3,), (3,), ()), ((3,), (3, 4), (4,)), ((2, 3), (3,), (2,)),
             ((5, 2, 3), (3, 4), (5, 2, 4)), ((2, 1, 2, 3), (4, 3, 2), (2, 4, 2, 2))]
    for sa, sb, expected in cases:
        a, b = rng.standard_normal(sa), rng.standard_normal(sb)
        out = mt.tensor(a) @ mt.tensor(b)
        assert out.shape == expected and np.allclose(out.numpy(), a @ b)


# --------------------------------------------------------------------- views and in-place writes
def test_view_shares_memory():
    x = mt.zeros(2, 3)
    v = x.view(3, 2)
    v[0, 0] = 1.0
    x.T[2, 1] = 2.0
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]


def test_inplace_on_an_element_writes_the_tensor():
    x = mt.ones(3)
    x[0].zero_()
    x[1].add_(4)
    x[2].mul_(3)
    assert x.tolist() == [0.0, 5.0, 3.0]
    m = mt.ones(2, 2)
    m[1, 0].fill_(7.0)
    assert m.tolist() == [[1.0, 1.0], [7.0, 1.0]]


def test_advanced_index_is_a_copy():
    x = mt.ones(3)
    x[[0, 1]].zero_()
    x[x > 0].zero_()
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_inplace_ops_return_self_and_bump_the_version():
    x = mt.ones(3)
    before = x._version_value
    assert x.add_(1) is x and x.mul_(2) is x and x.sub_(1) is x and x.div_(3) is x
    assert x.tolist() == [1.0, 1.0, 1.0]
    assert x._version_value == before + 4
    assert x.copy_(mt.tensor([1.0, 2.0, 3.0])) is x and x.tolist() == [1.0, 2.0, 3.0]
    assert x.add_(mt.ones(3), alpha=2).tolist() == [3.0, 4.0, 5.0]


def test_clone_is_independent():
    x = mt.ones(2)
    c = x.clone()
    c[0] = 5.0
    assert x.tolist() == [1.0, 1.0]


# --------------------------------------------------------------------- PyTorch habits
def test_data_shares_storage_and_does_not_require_grad():
    w = mt.ones(3, requires_grad=True)
    d = w.data
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0
    assert w.tolist() == [5.0, 1.0, 1.0] and w.requires_grad


def test_manual_sgd_step_through_data():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    w.data -= 0.5 * w.grad
    assert w.tolist() == [0.0, 0.0] and w.requires_grad and w.is_leaf


def test_manual_sgd_step_under_no_grad():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with mt.no_grad():
        w -= 0.5 * w.grad
    assert w.tolist() == [0.0, 0.0] and w.requires_grad and w.is_leaf
    w.grad = None
    assert w.grad is None
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_grad_assignment_checks_shape():
    w = mt.ones(3, requires_grad=True)
    w.grad = mt.zeros(3)
    assert w.grad.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"\(2,\).*\(3,\)"):
        w.grad = mt.zeros(2)


def test_view_with_tuple_and_minus_one():
    x = mt.arange(6)
    assert x.view((1, -1)).shape == (1, 6)
    assert x.view(-1, 2).shape == (3, 2)
    assert x.reshape((2, 3)).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_size_and_shape():
    x = mt.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert len(x) == 2


def test_iteration_yields_rows():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    rows = list(x)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    assert [float(v) for v in mt.tensor([1.0, 2.0])] == [1.0, 2.0]


def test_format_of_one_element():
    assert format(mt.tensor(3.14159), ".2f") == "3.14"
    assert f"{mt.tensor([2.5]):.1f}" == "2.5"
    assert f"{mt.tensor(1.0)}" == str(mt.tensor(1.0))


def test_mask_assignment():
    x = mt.tensor([-1.0, 2.0, -3.0])
    x[x < 0] = 0
    assert x.tolist() == [0.0, 2.0, 0.0]


def test_index_plus_equals():
    v = mt.zeros(3, dtype=mt.int64)
    v[1] += 1
    v[1] += 1
    assert v.tolist() == [0, 2, 0]


def test_index_plus_equals_tracked():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    v = mt.zeros(3)
    v[0] += w[1] * 3
    assert v.requires_grad and v.tolist() == [6.0, 0.0, 0.0]
    v.sum().backward()
    assert w.grad.tolist() == [0.0, 3.0]


def test_device_cpu_is_accepted_and_a_no_op():
    x = mt.ones(2)
    assert mt.device("cpu") == "cpu" and str(mt.device("cpu")) == "cpu"
    assert x.to("cpu") is x and x.cpu() is x and x.to(mt.device("cpu")) is x
    assert mt.zeros(2, device="cpu").device == mt.device("cpu")
    assert x.to("cpu", mt.float64).dtype == mt.float64


@pytest.mark.parametrize(
    "make",
    [lambda: mt.device("cuda"), lambda: mt.zeros(2, device="cuda:0"),
     lambda: mt.ones(2).to("cuda"), lambda: mt.ones(2).cuda(), lambda: mt.device("mps")],
)
def test_other_devices_raise(make):
    with pytest.raises(RuntimeError, match="CPU only"):
        make()
    assert mt.cuda.is_available() is False


def test_variable_legacy_wrapper():
    t = mt.autograd.Variable(mt.ones(2), requires_grad=True)
    assert isinstance(t, mt.Tensor) and t.requires_grad
    assert not mt.autograd.Variable(mt.ones(2)).requires_grad


def test_functional_aliases():
    x = mt.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert mt.sum(x).item() == x.sum().item()
    assert mt.relu(x).tolist() == x.relu().tolist()
    assert mt.transpose(x, 0, 1).tolist() == x.t().tolist() == x.T.tolist()
    assert mt.max(x).item() == 4.0
    assert mt.cat([x, x], dim=1).shape == (2, 4) and mt.concat([x, x]).shape == (4, 2)
    assert mt.stack([x, x], dim=-1).shape == (2, 2, 2)
    assert mt.where(x > 0, x, mt.zeros(2, 2)).tolist() == [[1.0, 0.0], [3.0, 4.0]]
    assert mt.pow(x, 2).tolist() == (x * x).tolist()
    assert mt.mm(x, x).tolist() == (x @ x).tolist()
    assert x.unsqueeze(0).squeeze(0).tolist() == x.tolist()
    assert x.repeat(1, 2).tolist() == [[1.0, -2.0, 1.0, -2.0], [3.0, 4.0, 3.0, 4.0]]
    assert x.masked_fill(x < 0, 9.0).tolist() == [[1.0, 9.0], [3.0, 4.0]]


def test_integers_mixed_with_float32_give_float32_as_in_pytorch():
    x = mt.linspace(-1, 1, 5)
    powers = x.unsqueeze(-1).pow(mt.tensor([1, 2, 3]))  # PyTorch's polynomial tutorial
    assert powers.dtype == mt.float32 and powers.shape == (5, 3)
    assert (x * mt.tensor([2, 2, 2, 2, 2])).dtype == mt.float32
    assert (x.double() * mt.tensor([2, 2, 2, 2, 2])).dtype == mt.float64
    assert (mt.tensor([1, 2]) / mt.tensor([2, 4])).dtype == mt.float32
    assert (mt.ones(2, dtype=mt.float16) + mt.tensor([1, 2])).dtype == mt.float16

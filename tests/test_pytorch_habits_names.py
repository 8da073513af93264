"""Issue 10: names PyTorch users reach for (legacy typed constructors, as_tensor, isclose,
unique, nonzero, one-argument where, new_*, Generator, set/get_num_threads, only_inputs),
each checked against PyTorch 2.13."""
import warnings

import numpy as np
import pytest

import minitorch as mt

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor",
                                  "IntTensor", "ByteTensor"])
@pytest.mark.parametrize("args", [([1, 0, 2],), ((2, 3),), (2, 3), (4,), ([[1, 2], [3, 4]],),
                                  ()])
def test_typed_constructors_mean_what_pytorch_means(name, args):
    ours, theirs = getattr(mt, name)(*args), getattr(torch, name)(*args)
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
    if args and isinstance(args[0], (list, tuple)):  # data (sizes: PyTorch leaves garbage)
        assert ours.tolist() == theirs.tolist()
    assert isinstance(ours, getattr(mt, name)) and isinstance(ours, mt.Tensor)


def test_typed_isinstance_checks_the_dtype():
    assert isinstance(mt.zeros(2), mt.FloatTensor)
    assert not isinstance(mt.zeros(2), mt.DoubleTensor)
    assert not isinstance(mt.zeros(2, dtype=mt.int64), mt.FloatTensor)
    assert isinstance(mt.zeros(2, dtype=mt.int64), mt.LongTensor)


def test_as_tensor_shares_like_pytorch():
    a = np.zeros(3)
    t = mt.as_tensor(a)
    a[0] = 7
    assert t.dtype == mt.float64 and t[0].item() == 7.0
    assert mt.as_tensor(t) is t
    assert mt.as_tensor(t, dtype=mt.float32).dtype == mt.float32
    assert mt.as_tensor([1, 2]).tolist() == torch.as_tensor([1, 2]).tolist()
    assert mt.as_tensor(2.5).dtype == mt.float32


def test_isclose_matches_pytorch():
    a = [1.0, 2.0, float("nan"), float("inf"), 1e-9]
    b = [1.0 + 1e-6, 2.1, float("nan"), float("inf"), 0.0]
    for kw in [{}, {"equal_nan": True}, {"rtol": 0.1}, {"atol": 1e-3, "rtol": 0}]:
        ours = mt.isclose(mt.tensor(a), mt.tensor(b), **kw).tolist()
        assert ours == torch.isclose(torch.tensor(a), torch.tensor(b), **kw).tolist(), kw
    assert mt.tensor([[1.0], [2.0]]).isclose(mt.tensor([1.0, 2.0])).shape == (2, 2)


@pytest.mark.parametrize("kw", [{}, {"return_inverse": True}, {"return_counts": True},
                                {"return_inverse": True, "return_counts": True},
                                {"dim": 0, "return_inverse": True, "return_counts": True},
                                {"dim": 1, "return_inverse": True}])
def test_unique_matches_pytorch(kw):
    data = [[3, 1, 3], [2, 3, 2], [3, 1, 3]]
    ours, theirs = mt.unique(mt.tensor(data), **kw), torch.unique(torch.tensor(data), **kw)
    ours = ours if isinstance(ours, tuple) else (ours,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs]


def test_unique_keeps_each_nan_like_pytorch():
    values = [2.0, float("nan"), float("nan")]
    assert len(mt.tensor(values).unique()) == len(torch.tensor(values).unique()) == 3


@pytest.mark.parametrize("data", [[[1, 0], [0, 2]], [0, 0, 3], 5, 0, [[[0, 1]]]])
def test_nonzero_and_one_argument_where_match_pytorch(data):
    ours, theirs = mt.tensor(data), torch.tensor(data)
    assert ours.nonzero().tolist() == theirs.nonzero().tolist()
    assert ours.nonzero().shape == tuple(theirs.nonzero().shape)
    assert [t.tolist() for t in mt.nonzero(ours, as_tuple=True)] == \
        [t.tolist() for t in torch.nonzero(theirs, as_tuple=True)]
    assert [t.tolist() for t in mt.where(ours)] == [t.tolist() for t in torch.where(theirs)]


def test_where_with_one_of_two_values_is_a_type_error():
    with pytest.raises(TypeError):
        mt.where(mt.tensor([True]), mt.ones(1))


def test_new_methods_take_the_tensors_dtype():
    for dtype, tdtype in [(mt.float64, torch.float64), (mt.int64, torch.int64),
                          (mt.float32, torch.float32)]:
        ours, theirs = mt.zeros(2, dtype=dtype), torch.zeros(2, dtype=tdtype)
        pairs = [
            (ours.new_zeros(2, 3), theirs.new_zeros(2, 3)),
            (ours.new_ones((3,)), theirs.new_ones((3,))),
            (ours.new_full((2,), 7), theirs.new_full((2,), 7)),
            (ours.new_tensor([1, 2]), theirs.new_tensor([1, 2])),
            (ours.new_zeros(2, dtype=mt.float32), theirs.new_zeros(2, dtype=torch.float32)),
            (ours.new_empty(4), theirs.new_empty(4)),
        ]
        for a, b in pairs:
            assert a.shape == tuple(b.shape)
            assert str(a.dtype).split(".")[1] == str(b.dtype).split(".")[1]
        for a, b in pairs[:5]:
            assert a.tolist() == b.tolist()
    t = mt.zeros(1).new_ones(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf


def test_new_tensor_copies():
    source = mt.ones(2, requires_grad=True)
    made = mt.zeros(1).new_tensor(source)
    assert not made.requires_grad and made.is_leaf
    made[0] = 5.0
    assert source.tolist() == [1.0, 1.0]


def test_generator_objects_give_private_reproducible_streams():
    g1, g2 = mt.Generator().manual_seed(3), mt.Generator().manual_seed(3)
    mt.manual_seed(0)
    before = mt.get_rng_state()
    assert mt.randn(4, generator=g1).tolist() == mt.randn(4, generator=g2).tolist()
    assert mt.rand(2, generator=g1).tolist() == mt.rand(2, generator=g2).tolist()
    assert mt.randint(0, 9, (3,), generator=g1).tolist() == \
        mt.randint(0, 9, (3,), generator=g2).tolist()
    assert mt.randperm(5, generator=g1).tolist() == mt.randperm(5, generator=g2).tolist()
    assert mt.get_rng_state() == before  # the global generator was not touched
    assert g1.initial_seed() == 3 and mt.Generator().manual_seed(-1).initial_seed() == 2**64 - 1
    state = g1.get_state()
    a = mt.randn(3, generator=g1)
    g1.set_state(state)
    assert mt.randn(3, generator=g1).tolist() == a.tolist()


def test_generator_is_accepted_by_random_split_and_dataloader():
    ds = mt.data.TensorDataset(mt.arange(20))
    first = [s.indices.tolist() for s in mt.data.random_split(
        ds, [15, 5], generator=mt.Generator().manual_seed(1))]
    again = [s.indices.tolist() for s in mt.data.random_split(
        ds, [15, 5], generator=mt.Generator().manual_seed(1))]
    assert first == again
    orders = []
    for _ in range(2):
        loader = mt.data.DataLoader(ds, batch_size=20, shuffle=True,
                                    generator=mt.Generator().manual_seed(5))
        orders.append([x.tolist() for (x,) in loader])
    assert orders[0] == orders[1] and orders[0][0] != list(range(20))


def test_manual_seed_returns_the_global_generator():
    g = mt.manual_seed(4)
    assert isinstance(g, mt.Generator) and g.initial_seed() == 4 == mt.initial_seed()


def test_set_num_threads_resizes_blas_and_validates_like_pytorch():
    previous = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert mt.get_num_threads() == 1
        a = mt.randn(64, 64)
        assert (a @ a).shape == (64, 64)
    finally:
        mt.set_num_threads(previous)
    assert mt.get_num_threads() == previous
    for bad in (0, -1):
        with pytest.raises(RuntimeError, match="positive"):
            mt.set_num_threads(bad)
    with pytest.raises(RuntimeError, match="int"):
        mt.set_num_threads(1.5)


def test_autograd_grad_accepts_the_legacy_only_inputs_keyword():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad((x * x).sum(), x, only_inputs=True)
    assert g.tolist() == [2.0, 4.0]
    with pytest.warns(UserWarning, match="only_inputs argument is deprecated"):
        (g,) = mt.autograd.grad((x * x).sum(), x, only_inputs=False)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        (tg,) = torch.autograd.grad((tx * tx).sum(), tx, only_inputs=False)
    assert g.tolist() == tg.tolist()
    # positionally, as PyTorch orders it: (outputs, inputs, grad_outputs, retain_graph,
    # create_graph, only_inputs, allow_unused)
    y = mt.tensor([1.0], requires_grad=True)
    assert mt.autograd.grad((x * 2).sum(), [x, y], None, False, False, True, True)[1] is None

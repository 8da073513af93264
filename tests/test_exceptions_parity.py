"""Issue 10: for each misuse, minitorch raises the exception class PyTorch 2.13 raises (the
oracle is torch itself, run on the same call), with a message naming what is involved.

Where PyTorch proceeds silently and minitorch raises on purpose, the case is in
``DELIBERATE`` with the class minitorch raises; docs/from_pytorch.md lists each one.
"""
import warnings

import pytest

import minitorch as mt

torch = pytest.importorskip("torch")


def _f(m):
    return m.nn.functional


def _data(m, ds, **kw):
    return m.utils.data.DataLoader(ds, **kw)


# name -> (call on a module namespace m: minitorch or torch, words the message must name)
CASES = {
    # creation from Python data
    "ragged list": (lambda m: m.tensor([[1, 2], [3]]), ["2", "1"]),
    "ragged deeper": (lambda m: m.tensor([[[1, 2]], [[1, 2], [3, 4]]]), ["1", "2"]),
    "string in list": (lambda m: m.tensor(["ab"]), ["str"]),
    "bare string": (lambda m: m.tensor("ab"), ["str"]),
    "number then string": (lambda m: m.tensor([1, "a"]), ["str"]),
    "number where a list belongs": (lambda m: m.tensor([[1, 2], 3]), []),
    "None data": (lambda m: m.tensor([None]), ["NoneType"]),
    "int beyond int64": (lambda m: m.tensor([2**64]), []),
    "int beyond int8": (lambda m: m.tensor([300], dtype=m.int8), ["300", "int8"]),
    "negative size": (lambda m: m.zeros(-1), ["-1"]),
    "LongTensor of a float": (lambda m: m.LongTensor(2.5), ["sequence"]),
    "LongTensor ragged": (lambda m: m.LongTensor([[1, 2], [3]]), ["2", "1"]),
    "arange zero step": (lambda m: m.arange(0, 5, 0), ["step"]),
    "arange wrong sign": (lambda m: m.arange(5, 0, 1), ["sign"]),
    # indexing and reductions
    "bool mask wrong shape": (lambda m: m.zeros(3)[m.tensor([True, False])], ["[2]", "[3]"]),
    "bool mask 2-d": (lambda m: m.zeros(3, 2)[m.ones(3, 3).bool()], ["[3, 3]", "[3, 2]"]),
    "bool mask second dim": (lambda m: m.zeros(3, 2)[:, m.tensor([True, False, True])],
                             ["[3]", "[3, 2]"]),
    "argmax of empty": (lambda m: m.zeros(0).argmax(), ["argmax"]),
    "argmin of empty": (lambda m: m.zeros(0).argmin(), ["argmin"]),
    "max of empty": (lambda m: m.zeros(0).max(), ["max"]),
    "index out of range": (lambda m: m.zeros(2, 3)[5], ["5"]),
    "dim out of range": (lambda m: m.zeros(2, 3).sum(5), ["5"]),
    "reshape": (lambda m: m.zeros(2, 3).reshape(4), ["4"]),
    "matmul": (lambda m: m.zeros(2, 3) @ m.zeros(4, 2), []),
    "broadcast": (lambda m: m.zeros(2, 3) + m.zeros(4), []),
    "isclose dtypes": (lambda m: m.isclose(m.zeros(1), m.zeros(1, dtype=m.float64)), []),
    "item of many": (lambda m: m.zeros(2).item(), []),
    "int requires grad": (lambda m: m.zeros(2, dtype=m.int64).requires_grad_(), []),
    "new_ones int requires grad": (
        lambda m: m.zeros(1, dtype=m.int64).new_ones(2, requires_grad=True), []),
    "grad dtype": (lambda m: setattr(m.zeros(2, requires_grad=True), "grad",
                                     m.zeros(2, dtype=m.float64)), ["float64"]),
    "grad shape": (lambda m: setattr(m.zeros(2, requires_grad=True), "grad", m.zeros(3)),
                   ["(3,)", "(2,)"]),
    "manual_seed too large": (lambda m: m.manual_seed(2**64), []),
    "set_num_threads zero": (lambda m: m.set_num_threads(0), []),
    # losses
    "cross_entropy float class targets": (
        lambda m: _f(m).cross_entropy(m.zeros(3, 4), m.tensor([0.0, 1.0, 2.0])), ["float32"]),
    "cross_entropy batch mismatch": (
        lambda m: _f(m).cross_entropy(m.zeros(3, 4), m.tensor([0, 1])), ["3", "2"]),
    "cross_entropy target out of range": (
        lambda m: _f(m).cross_entropy(m.zeros(3, 4), m.tensor([0, 1, 9])), ["9"]),
    "cross_entropy weight shape": (
        lambda m: _f(m).cross_entropy(m.zeros(3, 4), m.tensor([0, 1, 2]), weight=m.ones(3)),
        ["(3,)"]),
    "nll_loss float class targets": (
        lambda m: _f(m).nll_loss(m.zeros(3, 4), m.tensor([0.0, 1.0, 2.0])), ["float32"]),
    "mse not broadcastable": (lambda m: _f(m).mse_loss(m.zeros(3, 4), m.zeros(3, 5)),
                              ["(3, 4)", "(3, 5)"]),
    "l1 not broadcastable": (lambda m: _f(m).l1_loss(m.zeros(3, 4), m.zeros(3, 5)),
                             ["(3, 4)", "(3, 5)"]),
    "mse integer input": (lambda m: _f(m).mse_loss(m.zeros(3, dtype=m.int64),
                                                   m.zeros(3, dtype=m.int64)), ["int64"]),
    "bce shape": (lambda m: _f(m).binary_cross_entropy(m.zeros(3, 1) + 0.5, m.zeros(3)),
                  ["(3,)", "(3, 1)"]),
    "bce with logits shape": (
        lambda m: _f(m).binary_cross_entropy_with_logits(m.zeros(3, 1), m.zeros(3)),
        ["(3,)", "(3, 1)"]),
    "bce integer target": (
        lambda m: _f(m).binary_cross_entropy(m.zeros(3) + 0.5, m.zeros(3, dtype=m.int64)),
        ["int64"]),
    "bad reduction": (lambda m: _f(m).mse_loss(m.zeros(3), m.zeros(3), reduction="avg"),
                      ["avg"]),
    "linear shapes": (lambda m: m.nn.Linear(3, 2)(m.zeros(4, 5)), []),
    # data
    "random_split lengths": (
        lambda m: m.utils.data.random_split(range(10), [3, 3]), ["10"]),
    "DataLoader generator type": (
        lambda m: list(_data(m, m.utils.data.TensorDataset(m.zeros(4)), shuffle=True,
                             generator=42)), []),
}

# Cases where PyTorch proceeds (or warns) and minitorch raises on purpose: the class it
# raises. docs/from_pytorch.md ("Errors where PyTorch proceeds") lists each of these.
DELIBERATE = {
    "mse broadcast (N, 1) vs (N,)": (
        lambda m: _f(m).mse_loss(m.zeros(3, 1), m.zeros(3)), RuntimeError),
    "mse float64 target for float32 input": (
        lambda m: _f(m).mse_loss(m.zeros(3), m.zeros(3, dtype=m.float64)), RuntimeError),
    "int8 fill overflow in an op": (lambda m: m.zeros(1, dtype=m.int8) + 2**40, RuntimeError),
    "DataLoader of an empty dataset": (
        lambda m: _data(m, m.utils.data.TensorDataset(m.zeros(0))), ValueError),
}


def _raised(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call()
        except Exception as err:  # noqa: BLE001 - the class is what is compared
            return err
    return None


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_exception_class_as_pytorch(name):
    call, words = CASES[name]
    theirs = _raised(lambda: call(torch))
    assert theirs is not None, f"PyTorch does not raise for {name!r}; move it to DELIBERATE"
    ours = _raised(lambda: call(mt))
    assert ours is not None, f"minitorch does not raise for {name!r}"
    assert type(ours) is type(theirs) or isinstance(ours, type(theirs)), (
        f"{name}: minitorch raises {type(ours).__name__} ({ours}), PyTorch "
        f"{type(theirs).__name__} ({theirs})"
    )
    message = str(ours)
    for word in words:
        assert word in message, (name, word, message)
    for numpy_word in ("ndarray", "numpy.", "np."):
        assert numpy_word not in message, (name, message)


@pytest.mark.parametrize("name", sorted(DELIBERATE))
def test_deliberate_differences_raise_and_pytorch_does_not(name):
    call, error = DELIBERATE[name]
    assert _raised(lambda: call(torch)) is None, f"PyTorch raises for {name!r} now"
    ours = _raised(lambda: call(mt))
    assert type(ours) is error, (name, type(ours), ours)


def test_deliberate_differences_are_documented():
    from pathlib import Path

    text = Path(__file__).resolve().parents[1].joinpath("docs", "from_pytorch.md").read_text()
    section = text.split("## Errors where PyTorch proceeds", 1)
    assert len(section) == 2, "docs/from_pytorch.md lacks its list of deliberate differences"
    for name in DELIBERATE:
        assert f"`{name}`" in section[1] or name in section[1], name


def test_drop_last_with_too_few_samples_yields_no_batch_with_a_warning():
    ds = mt.utils.data.TensorDataset(mt.zeros(3))
    with pytest.warns(UserWarning, match="drop_last.*3 samples"):
        loader = mt.utils.data.DataLoader(ds, batch_size=4, drop_last=True)
    assert list(loader) == [] and len(loader) == 0
    theirs = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.zeros(3)),
                                         batch_size=4, drop_last=True)
    assert list(theirs) == [] and len(theirs) == 0

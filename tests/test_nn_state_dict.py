"""state_dict / load_state_dict: names, copies, all-errors-at-once, all-or-nothing loads."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


def make():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_state_dict_names_order_buffers_and_detached_copies():
    model = make()
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"]
    assert all(isinstance(v, mt.Tensor) and not v.requires_grad for v in sd.values())
    assert sd["1.num_batches_tracked"].dtype == mt.int64
    before = sd["0.weight"].numpy().copy()
    with mt.no_grad():
        model[0].weight.add_(1.0)  # training continues...
    np.testing.assert_array_equal(sd["0.weight"].numpy(), before)  # ...the snapshot does not move
    kept = model.state_dict(keep_vars=True)
    assert kept["0.weight"] is model[0].weight


def test_load_state_dict_copies_in_place_and_returns_named_tuple():
    a, b = make(), make()
    params = list(b.parameters())
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    assert list(b.parameters()) == params  # same Parameter objects (optimizers keep them)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=k)


def test_strict_load_reports_everything_and_changes_nothing():
    model = make()
    before = snapshot(model)
    sd = make().state_dict()
    sd["extra.weight"] = mt.zeros(1)
    del sd["3.bias"]
    sd["0.weight"] = mt.zeros(5, 3)
    sd["3.weight"] = mt.zeros(2, 5)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    message = str(info.value)
    for needle in ['Missing key(s) in state_dict: "3.bias"', '"extra.weight"',
                   "size mismatch for 0.weight", "size mismatch for 3.weight",
                   "(5, 3)", "unchanged"]:
        assert needle in message
    after = snapshot(model)
    for k in before:
        np.testing.assert_array_equal(before[k], after[k], err_msg=k)


def test_non_strict_returns_missing_and_unexpected_but_shapes_still_raise():
    model = make()
    sd = make().state_dict()
    del sd["0.bias"]
    sd["head.weight"] = mt.zeros(1)
    result = model.load_state_dict(sd, strict=False)
    assert result == (["0.bias"], ["head.weight"])
    np.testing.assert_array_equal(model[3].weight.detach().numpy(), sd["3.weight"].numpy())
    sd["3.weight"] = mt.zeros(9)
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict(sd, strict=False)


def test_load_hints_for_common_mistakes():
    model = make()
    wrapped = {"model": model.state_dict(), "epoch": 3}
    with pytest.raises(RuntimeError, match=r"checkpoint\['model'\]"):
        model.load_state_dict(wrapped)
    prefixed = {"module." + k: v for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match="prefix 'module.'"):
        model.load_state_dict(prefixed)
    with pytest.raises(TypeError, match="Mapping"):
        model.load_state_dict([1, 2])


def test_load_accepts_numpy_arrays_and_casts_dtype():
    layer = nn.Linear(2, 2)
    sd = {k: v.numpy().astype(np.float64) * 0 + 1 for k, v in layer.state_dict().items()}
    layer.load_state_dict(sd)
    assert layer.weight.dtype == mt.float32
    assert layer.weight.detach().numpy().tolist() == [[1, 1], [1, 1]]

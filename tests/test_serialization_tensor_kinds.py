"""save/load of Tensor subclasses through ``register_tensor_kind`` (issue 15, item 6): the
serialization layer sits below ``nn/``; ``nn.Parameter`` registers itself as the kind
"parameter", the file format is the one minitorch has always written, and files written
before the change load unchanged."""
import io
import json

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, serialization
from minitorch.serialization import LoadError, load, register_tensor_kind, save

# The index mt.save wrote before tensor kinds existed (captured from that code), for
# {"w": trainable Parameter, "frozen": Parameter(requires_grad=False), "x": t, "again": t,
#  "g": a tensor that requires grad, "dt": mt.int64}.
OLD_INDEX = (
    '{"format": "minitorch.save", "version": 1, "root": {"dict": ['
    '["w", {"tensor": 0, "requires_grad": true, "parameter": true}], '
    '["frozen", {"tensor": 1, "requires_grad": false, "parameter": true}], '
    '["x", {"tensor": 2, "requires_grad": false, "parameter": false}], '
    '["again", {"tensor": 2, "requires_grad": false, "parameter": false}], '
    '["g", {"tensor": 3, "requires_grad": true, "parameter": false}], '
    '["dt", {"dtype": "int64"}]]}}'
)
OLD_ARRAYS = [np.array([1.0, 2.0], np.float32), np.zeros(1, np.float32),
              np.array([3, 4], np.int64), np.ones(1, np.float32)]


def _archive(index, arrays):
    buffer = io.BytesIO()
    np.savez(buffer, __index__=np.frombuffer(index.encode(), np.uint8),
             **{f"a{i}": a for i, a in enumerate(arrays)})
    buffer.seek(0)
    return buffer


def _old_object():
    t = mt.tensor([3, 4])
    return {"w": nn.Parameter(mt.tensor([1.0, 2.0])),
            "frozen": nn.Parameter(mt.zeros(1), requires_grad=False),
            "x": t, "again": t, "g": mt.ones(1, requires_grad=True), "dt": mt.int64}


def test_a_file_written_before_tensor_kinds_still_loads():
    back = load(_archive(OLD_INDEX, OLD_ARRAYS))
    assert type(back["w"]) is nn.Parameter and back["w"].requires_grad
    assert type(back["frozen"]) is nn.Parameter and not back["frozen"].requires_grad
    assert type(back["x"]) is mt.Tensor and back["x"] is back["again"]
    assert type(back["g"]) is mt.Tensor and back["g"].requires_grad and back["g"].is_leaf
    assert back["dt"] is mt.int64
    assert back["w"].tolist() == [1.0, 2.0] and back["x"].tolist() == [3, 4]


def test_save_still_writes_exactly_the_old_index():
    buffer = io.BytesIO()
    save(_old_object(), buffer)
    buffer.seek(0)
    with np.load(buffer) as archive:
        assert archive["__index__"].tobytes().decode() == OLD_INDEX


def test_parameters_round_trip_with_class_requires_grad_and_sharing(tmp_path):
    class MyParameter(nn.Parameter):  # inherits the kind: saved and loaded as a Parameter
        __slots__ = ()

    p = nn.Parameter(mt.randn(2, 3))
    frozen = nn.Parameter(mt.ones(2), requires_grad=False)
    mine = MyParameter(mt.zeros(1))
    save({"p": p, "tied": [p], "frozen": frozen, "mine": mine}, tmp_path / "p.pt")
    back = load(tmp_path / "p.pt")
    assert type(back["p"]) is nn.Parameter and back["p"].requires_grad and back["p"].is_leaf
    assert back["tied"][0] is back["p"]
    assert type(back["frozen"]) is nn.Parameter and not back["frozen"].requires_grad
    assert type(back["mine"]) is nn.Parameter and back["mine"].requires_grad
    np.testing.assert_array_equal(back["p"].detach().numpy(), p.detach().numpy())


def test_a_model_state_dict_round_trips_into_a_fresh_model(tmp_path):
    mt.manual_seed(0)
    model = nn.Linear(3, 2)
    save(model.state_dict(), tmp_path / "m.pt")
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(load(tmp_path / "m.pt"))
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_parameter_declares_its_kind():
    assert nn.Parameter.__minitorch_saved_kind__ == "parameter"
    assert serialization._KINDS["parameter"] is nn.Parameter


def test_an_unknown_kind_raises_load_error_naming_it():
    index = json.dumps({"format": "minitorch.save", "version": 1, "root": {
        "tensor": 0, "requires_grad": False, "parameter": False, "quantized": True}})
    with pytest.raises(LoadError, match=r"not a valid minitorch checkpoint.*kind "
                                        r"'quantized'.*known kinds: .*'parameter'"):
        load(_archive(index, [np.zeros(2, np.float32)]))
    two = json.dumps({"format": "minitorch.save", "version": 1, "root": {
        "tensor": 0, "requires_grad": False, "parameter": True, "quantized": True}})
    with pytest.raises(LoadError, match="several kinds"):
        load(_archive(two, [np.zeros(2, np.float32)]))


def test_an_unknown_dtype_name_raises_load_error_naming_it():
    index = json.dumps({"format": "minitorch.save", "version": 1,
                        "root": {"dtype": "complex64"}})
    with pytest.raises(LoadError, match="unknown dtype name 'complex64'; valid names: .*float32"):
        load(_archive(index, []))


def test_a_registered_subclass_round_trips_as_its_class(monkeypatch):
    monkeypatch.setattr(serialization, "_KINDS", dict(serialization._KINDS))

    @register_tensor_kind("tagged")
    class Tagged(nn.Parameter):
        __slots__ = ()

    buffer = io.BytesIO()
    t = Tagged(mt.ones(2), requires_grad=False)
    save([t, t], buffer)
    buffer.seek(0)
    with np.load(buffer) as archive:
        root = json.loads(archive["__index__"].tobytes())["root"]
    assert root[0] == {"tensor": 0, "requires_grad": False, "parameter": False,
                       "tagged": True}
    buffer.seek(0)
    a, b = load(buffer)
    assert type(a) is Tagged and a is b and not a.requires_grad


def test_register_tensor_kind_refuses_bad_kinds_and_classes(monkeypatch):
    monkeypatch.setattr(serialization, "_KINDS", dict(serialization._KINDS))
    for bad in ("tensor", "requires_grad", "not an identifier", 3):
        with pytest.raises(ValueError, match="must be an identifier"):
            register_tensor_kind(bad)
    with pytest.raises(TypeError, match="not a Tensor subclass"):
        register_tensor_kind("thing")(dict)

    class Other(nn.Parameter):
        __slots__ = ()

    with pytest.raises(ValueError, match="kind 'parameter' is already "
                                         "minitorch.nn.parameter.Parameter"):
        register_tensor_kind("parameter")(Other)

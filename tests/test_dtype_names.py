"""``minitorch.dtype.dtype_from_name``: a dtype by its name, as ``getattr(torch, name)``."""
import pytest

import minitorch as mt
from minitorch.dtype import dtype_from_name


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "int8", "int16", "int32",
                                  "int64", "uint8", "bool", "half", "float", "double",
                                  "short", "int", "long"])
def test_every_dtype_name_of_the_package_is_found(name):
    assert dtype_from_name(name) is getattr(mt, name)


def test_a_dtype_name_round_trips():
    for d in (mt.float16, mt.float32, mt.float64, mt.int8, mt.int16, mt.int32, mt.int64,
              mt.uint8, mt.bool):
        assert dtype_from_name(d.name) is d


@pytest.mark.parametrize("name", ["flot32", "complex64", "Float32", "torch.float32", ""])
def test_an_unknown_name_raises_value_error_naming_it_and_the_valid_names(name):
    with pytest.raises(ValueError, match=rf"unknown dtype name {name!r}; valid names: "
                                         rf"bool, double, float, float16, float32"):
        dtype_from_name(name)


@pytest.mark.parametrize("value", [None, 3, mt.float32, b"float32"])
def test_a_name_that_is_not_a_str_raises_type_error(value):
    with pytest.raises(TypeError, match="expected a dtype name"):
        dtype_from_name(value)

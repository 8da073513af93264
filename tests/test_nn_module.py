"""Module semantics: registration, names, nesting, sharing, buffers, modes, traps, repr."""
import copy
import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.act = nn.ReLU()
        self.register_buffer("scale", mt.ones(4))
        self.hidden = 4  # a plain attribute

    def forward(self, x):
        return self.act(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 2, bias=False)
        self.temperature = nn.Parameter(mt.ones(1))

    def forward(self, x):
        return self.head(self.block(x)) / self.temperature


def test_registration_and_dotted_names():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "temperature", "block.fc.weight", "block.fc.bias", "head.weight"]
    assert [n for n, _ in net.named_buffers()] == ["block.scale"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.act", "head"]
    assert len(list(net.modules())) == 5
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["temperature"]
    assert len(list(net.parameters(recurse=False))) == 1
    assert net.block.hidden == 4 and "hidden" not in net.block._parameters
    assert net(mt.zeros(5, 3)).shape == (5, 2)


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    base = mt.ones(3, requires_grad=True) * 2  # a non-leaf
    p = nn.Parameter(base)
    assert isinstance(p, mt.Tensor) and p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(mt.ones(2), requires_grad=False).requires_grad
    assert type(p * 2) is mt.Tensor
    assert repr(nn.Parameter(mt.zeros(1))).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match="Tensor"):
        nn.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(mt.tensor([1, 2]))


def test_parameter_typo_raises_with_hint():
    p = nn.Parameter(mt.ones(2))
    with pytest.raises(AttributeError, match="requires_grad"):
        p.require_grad = False
    p.requires_grad = False  # the real attribute works
    assert not p.requires_grad


def test_shared_parameters_are_yielded_once():
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight  # tied
    model = nn.Sequential(a, b)
    names = [n for n, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "1.bias"]
    assert len(list(model.parameters())) == 3
    # The state dict keeps both names (as PyTorch), and loading it works.
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    model.load_state_dict(model.state_dict())
    shared = nn.Sequential(a, a)
    assert len(list(shared.parameters())) == 2 and len(list(shared.modules())) == 2


def test_train_eval_propagate_and_leave_requires_grad_alone():
    net = Net()
    assert net.eval() is net
    assert all(not m.training for m in net.modules())
    assert all(p.requires_grad for p in net.parameters())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_requires_grad_underscore_returns_module_and_sets_every_parameter():
    net = Net()
    assert net.block.requires_grad_(False) is net.block
    flags = {n: p.requires_grad for n, p in net.named_parameters()}
    assert flags == {"temperature": True, "block.fc.weight": False, "block.fc.bias": False,
                     "head.weight": True}
    net.requires_grad_()
    assert all(p.requires_grad for p in net.parameters())


@pytest.mark.parametrize("name", ["requires_grad", "require_grad"])
def test_module_requires_grad_attribute_is_refused_with_hint(name):
    net = Net()
    with pytest.raises(AttributeError, match=r"requires_grad_\(False\).*freeze"):
        setattr(net, name, False)
    assert all(p.requires_grad for p in net.parameters())


def test_requires_grad_tensor_assigned_to_module_warns():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = mt.randn(3, 2, requires_grad=True)

    with pytest.warns(UserWarning, match=r"nn\.Parameter") as record:
        bad = Bad()
    assert "Bad.w" in str(record[0].message)
    assert list(bad.parameters()) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = nn.Module()
        m.const = mt.ones(2)  # no grad: a plain constant, no warning
        m.w = nn.Parameter(mt.ones(2))


def test_computed_tensor_kept_in_forward_does_not_warn():
    class Keeps(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x):
            self.last = self.fc(x)  # a non-leaf, e.g. attention weights kept for plotting
            return self.last

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Keeps()(mt.ones(1, 2))


def test_add_module_children_and_buffers():
    m = nn.Module()
    m.add_module("enc", nn.Linear(2, 3))
    m.register_module("dec", nn.Linear(3, 2))
    m.add_module("nothing", None)
    m.register_buffer("b", mt.zeros(1))
    assert [type(c).__name__ for c in m.children()] == ["Linear", "Linear"]
    assert m.enc.out_features == 3 and m.nothing is None
    assert [b.shape for b in m.buffers()] == [(1,)]
    assert [n for n, _ in m.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight",
                                                    "dec.bias"]
    with pytest.raises(TypeError, match="not a Module"):
        m.add_module("x", 3)


def test_plain_list_of_modules_warns():
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]

    with pytest.warns(UserWarning, match="ModuleList"):
        Bad()


def test_unknown_attribute_raises_attribute_error_naming_type():
    layer = nn.Linear(2, 2)
    message = r"'Linear' object has no attribute 'wieght'.*did you mean 'weight'"
    with pytest.raises(AttributeError, match=message):
        _ = layer.wieght
    assert not hasattr(layer, "nothing_here")


def test_missing_super_init_is_explained():
    class Forgot(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Forgot()


def test_assignment_rules():
    layer = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="nn.Parameter or None"):
        layer.weight = mt.ones(3, 2)
    layer.bias = None
    assert layer(mt.ones(2)).shape == (3,)
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    m = nn.Module()
    m.register_buffer("b", mt.zeros(2))
    m.b = mt.ones(2)  # reassigning a buffer keeps it a buffer
    assert [n for n, _ in m.named_buffers()] == ["b"]
    m.b = nn.Linear(1, 1)  # a module replaces the buffer
    assert list(m.named_buffers()) == [] and "b" in m._modules
    del m.b
    assert not hasattr(m, "b")
    with pytest.raises(KeyError, match="already exists"):
        layer.register_buffer("weight", mt.ones(1))
    with pytest.raises(KeyError, match=r"\."):
        m.register_buffer("a.b", mt.ones(1))
    with pytest.raises(TypeError):
        m.register_parameter("p", mt.ones(1))


def test_buffers_persistent_and_not():
    m = nn.Module()
    m.register_buffer("kept", mt.ones(2))
    m.register_buffer("scratch", mt.zeros(2), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["kept", "scratch"]
    assert list(m.state_dict()) == ["kept"]


def test_zero_grad_and_apply():
    net = Net()
    net(mt.ones(2, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Block", "Linear", "Net"]


def test_to_double_float_cpu_keep_parameter_objects():
    net = Net()
    params = list(net.parameters())
    assert net.double() is net
    assert all(p.dtype == mt.float64 for p in net.parameters())
    assert net.block.scale.dtype == mt.float64
    assert list(net.parameters()) == params  # same objects: an optimizer keeps working
    assert net.to("cpu").to(mt.device("cpu")).float() is net
    assert net.head.weight.dtype == mt.float32
    assert net.cpu() is net
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")
    with pytest.raises(TypeError, match="floating"):
        net.to(mt.int64)
    bn = nn.BatchNorm1d(2).double()
    assert bn.num_batches_tracked.dtype == mt.int64  # integer buffers are left alone


def test_forward_missing_raises():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(mt.ones(1))


def test_repr_prints_the_tree():
    net = nn.Sequential(nn.Linear(784, 10), nn.ReLU(), nn.Sequential(nn.Dropout(0.1)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=10, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1, inplace=False)\n"
        "  )\n"
        ")"
    )
    assert repr(Net()).startswith("Net(\n  (block): Block(\n    (fc): Linear(")


def test_sequential_indexing_slicing_and_append():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)]
    seq = nn.Sequential(*layers)
    assert len(seq) == 3 and seq[0] is layers[0] and seq[-1] is layers[2]
    assert list(seq) == layers
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    assert head(mt.ones(4, 3)).shape == (4, 1)
    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and isinstance(seq[3], nn.Sigmoid)
    seq[1] = nn.Tanh()
    assert isinstance(seq[1], nn.Tanh)
    with pytest.raises(IndexError):
        seq[10]
    with pytest.raises(TypeError, match="parentheses"):
        nn.Sequential(nn.ReLU)
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert named.fc is named[0]
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])
    ml.append(nn.Linear(2, 1))
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    assert isinstance(ml[:2], nn.ModuleList) and len(ml[:2]) == 2
    del ml[0]
    assert [n for n, _ in ml.named_children()] == ["0", "1"]
    ml.insert(0, nn.ReLU())
    assert isinstance(ml[0], nn.ReLU) and len(ml) == 3
    x = mt.ones(1, 2)
    for layer in ml:
        x = layer(x)
    assert x.shape == (1, 1)


def test_deepcopy_keeps_parameters_and_sharing():
    a = nn.Linear(2, 2)
    model = nn.Sequential(a, a)
    clone = copy.deepcopy(model)
    assert clone[0] is clone[1]
    assert all(isinstance(p, nn.Parameter) for p in clone.parameters())
    with mt.no_grad():
        clone[0].weight.add_(1)
    assert not np.array_equal(clone[0].weight.detach().numpy(), a.weight.detach().numpy())


def test_get_submodule_and_parameter():
    net = Net()
    assert net.get_submodule("block.fc") is net.block.fc
    assert net.get_parameter("block.fc.bias") is net.block.fc.bias
    with pytest.raises(AttributeError):
        net.get_submodule("block.nope")

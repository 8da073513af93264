"""minitorch.nn.freezing: freeze, unfreeze, freeze_to, parameter counts, summary, and the
freezing traps closed end to end (plain attributes, shared weights, BatchNorm)."""
from __future__ import annotations

import copy
import warnings

import numpy as np
import pytest

import minitorch as mt
from minitorch import nn, optim
from minitorch.nn.freezing import (
    ModelSummary,
    count_parameters,
    freeze,
    freeze_to,
    frozen_parameters,
    summary,
    trainable_parameters,
    unfreeze,
)


def mlp():
    # children: 0 Linear(4, 8): 40, 1 ReLU, 2 Linear(8, 8): 72, 3 ReLU, 4 Linear(8, 3): 27
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def flags(model):
    return [p.requires_grad for p in model.parameters()]


class Tied(nn.Module):
    """An encoder/decoder pair sharing one weight (as language models tie embeddings)."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 4, bias=False)
        self.mid = nn.ReLU()
        self.decoder = nn.Linear(4, 4)
        self.decoder.weight = self.encoder.weight

    def forward(self, x):
        return self.decoder(self.mid(self.encoder(x)))


# ------------------------------------------------------------------ freeze / unfreeze


def test_freeze_and_unfreeze_return_what_they_were_given():
    model = mlp()
    assert freeze(model) is model and flags(model) == [False] * 6
    layers = [model[0], model[4]]
    assert unfreeze(layers) is layers
    assert flags(model) == [True, True, False, False, True, True]
    params = list(model[2].parameters())
    assert unfreeze(params) is params and all(flags(model))
    assert freeze(model[2].weight) is model[2].weight and not model[2].weight.requires_grad
    gen = model[4].parameters()
    assert freeze(gen) is gen and flags(model)[4:] == [False, False]


def test_freeze_rejects_other_things():
    with pytest.raises(TypeError, match="expected a Module, a list of Modules or an iterable"):
        freeze(3)
    with pytest.raises(TypeError, match="expected Modules or parameters, got a str"):
        freeze([nn.Linear(2, 2), "head"])


def test_plain_requires_grad_attribute_on_a_module_raises_with_a_hint():
    model = mlp()
    with pytest.raises(AttributeError, match="freezes nothing.*freeze"):
        model.requires_grad = False
    assert all(flags(model))


# ------------------------------------------------------------------ freeze_to


@pytest.mark.parametrize("n, expected", [
    (0, [True] * 6),
    (1, [False, False] + [True] * 4),
    (2, [False, False] + [True] * 4),   # the ReLU counts as a child
    (3, [False] * 4 + [True] * 2),
    (5, [False] * 6),
    (-1, [False] * 4 + [True] * 2),
    (-2, [False] * 4 + [True] * 2),
    (-3, [False] * 2 + [True] * 4),
    (-5, [True] * 6),
])
def test_freeze_to_matches_fastai(n, expected):
    model = freeze(mlp()) if n in (0, -5) else mlp()
    assert freeze_to(model, n) is model
    assert flags(model) == expected


@pytest.mark.parametrize("n, error, message", [
    (6, ValueError, r"has 5 top-level children \['0', '1', '2', '3', '4'\], so n must be in "
                    r"\[-5, 5\]"),
    (-6, ValueError, r"\[-5, 5\]"),
    (1.0, TypeError, "n must be an int"),
    (True, TypeError, "n must be an int"),
])
def test_freeze_to_out_of_range(n, error, message):
    with pytest.raises(error, match=message):
        freeze_to(mlp(), n)


def test_freeze_to_leaves_parameters_outside_children_and_warns_on_tied_weights():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = nn.Linear(2, 2), nn.Linear(2, 2)
            self.scale = nn.Parameter(mt.ones(1))

    model = Scaled()
    freeze_to(model, 2)
    assert model.scale.requires_grad and not model.head.weight.requires_grad

    model = Tied()
    with pytest.warns(UserWarning, match=r"'encoder.weight' of a frozen child is the same "
                                         r"tensor as 'decoder.weight'.*stays trainable"):
        freeze_to(model, 1)
    assert model.encoder.weight.requires_grad and model.decoder.bias.requires_grad


def test_freezing_one_owner_of_a_tied_weight_warns():
    model = Tied()
    with pytest.warns(UserWarning, match=r"shape \(4, 4\) that was just frozen is also held by "
                                         r"Linear.weight outside"):
        freeze(model.encoder)
    assert not model.decoder.weight.requires_grad
    with pytest.warns(UserWarning, match="just unfrozen"):
        unfreeze(model.decoder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        freeze(model)  # both owners inside: nothing to warn about
        freeze(model.encoder)  # nothing changed: nothing to warn about
        unfreeze([model.encoder, model.decoder])


# ------------------------------------------------------------------ counts


def test_counts_agree_with_a_hand_count():
    model = mlp()
    assert count_parameters(model) == (40 + 72 + 27, 0)
    freeze_to(model, -1)
    assert count_parameters(model) == (27, 40 + 72)
    assert [p is q for p, q in zip(trainable_parameters(model), model[4].parameters())] == [
        True, True]
    assert len(frozen_parameters(model)) == 4
    model[2].bias.requires_grad_(True)
    assert count_parameters(model) == (27 + 8, 40 + 64)
    assert count_parameters([model[0], model[2]]) == (8, 40 + 64)


def test_counts_skip_buffers_and_count_shared_parameters_once():
    model = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))
    assert count_parameters(model) == (20 + 10, 0)  # running statistics are not parameters
    assert count_parameters(Tied()) == (16 + 4, 0)


# ------------------------------------------------------------------ summary


def test_summary_rows_totals_and_states():
    model = mlp()
    freeze_to(model, 2)
    model[4].bias.requires_grad_(False)
    model[2].eval()
    text = summary(model, input_shape=(2, 4))
    assert isinstance(text, ModelSummary) and isinstance(text, str) and repr(text) == str(text)
    lines = text.splitlines()
    row = {line.split()[0]: line.split() for line in lines if line[:1].isdigit()}
    assert row["0"] == ["0", "(Linear)", "(2,", "8)", "40", "frozen", "train"]
    assert row["1"] == ["1", "(ReLU)", "(2,", "8)", "0", "-", "train"]
    assert row["2"] == ["2", "(Linear)", "(2,", "8)", "72", "trainable", "eval"]
    assert row["4"] == ["4", "(Linear)", "(2,", "3)", "27", "partly", "frozen", "train"]
    assert "Total params: 139" in lines and "Trainable params: 96" in lines
    assert "Frozen params: 43" in lines
    assert (text.total, text.trainable, text.frozen) == (139, 96, 43)
    assert [m.training for m in model.children()] == [True, True, False, True, True]


def test_summary_nested_without_input_shape():
    model = nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8)), nn.Linear(8, 2))
    freeze(model[0])
    text = summary(model)
    assert "Output shape" not in text
    assert any(line.startswith("0 (Sequential)") and "56" in line and "frozen" in line
               for line in text.splitlines())
    assert any(line.startswith("  0.1 (BatchNorm1d)") for line in text.splitlines())
    assert "Buffers (not trained): 17" in text


def test_summary_forward_leaves_the_model_as_it_was():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
    stats = [b.detach().numpy().copy() for b in model.buffers()]
    text = summary(model, input_shape=(3, 4), dtype=mt.float32)
    assert "(3, 8)" in text and model.training and model[1].training
    for b, s in zip(model.buffers(), stats):
        np.testing.assert_array_equal(b.detach().numpy(), s)
    assert "forward" not in model[0].__dict__
    assert model(mt.randn(3, 4)).shape == (3, 8)


def test_summary_marks_shared_parameters():
    text = summary(Tied())
    assert "* shared parameter: encoder.weight = decoder.weight" in text
    marked = [line.split()[0] for line in text.splitlines() if line.rstrip().endswith("*")
              or " * " in line]
    assert marked == ["encoder", "decoder"]
    assert text.total == 20


def test_summary_of_a_single_layer_and_of_integer_inputs():
    text = summary(nn.Linear(2, 3), input_shape=2)
    assert "(model) (Linear)   (3,)" in text and text.total == 9
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(8, 2))
    rows = summary(model, input_shape=(3, 2), dtype=mt.int64).splitlines()[4:7]
    for row, shape in zip(rows, ["(3, 2, 4)", "(3, 8)", "(3, 2)"]):
        assert row.split(") ", 1)[1].lstrip().startswith(shape + " ")


def test_summary_bad_input_shape_names_it():
    with pytest.raises(RuntimeError, match=r"input of shape \(1, 5\) failed"):
        summary(mlp(), input_shape=(1, 5))
    with pytest.raises(TypeError, match="needs a Module"):
        summary([nn.Linear(2, 2)])


# ------------------------------------------------------------------ with an optimizer


def test_frozen_layers_stay_bit_identical_while_the_rest_trains():
    mt.manual_seed(0)
    model = mlp()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
    x, y = mt.randn(32, 4), mt.randint(0, 3, (32,))
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(3):  # momentum everywhere, and stale grads left on the body
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    freeze_to(model, -1)
    body = [p.detach().numpy().copy() for p in model[:3].parameters()]
    head = model[4].weight.detach().numpy().copy()
    for _ in range(20):
        loss_fn(model(x), y).backward()  # no zero_grad: body grads stay stale
        opt.step()
        opt.zero_grad()
    for p, b in zip(model[:3].parameters(), body):
        assert p.detach().numpy().tobytes() == b.tobytes()
    assert not np.array_equal(model[4].weight.detach().numpy(), head)


def test_frozen_batchnorm_keeps_its_statistics_until_unfrozen():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    x = mt.randn(16, 4) * 3 + 1
    model.train()
    model(x)
    freeze(model[:2])
    stats = [b.detach().numpy().copy() for b in model[1].buffers()]
    model.train()  # train() cannot undo the freeze
    for _ in range(3):
        model(x)
    for b, s in zip(model[1].buffers(), stats):
        np.testing.assert_array_equal(b.detach().numpy(), s)
    unfreeze(model)
    model(x)
    assert not np.array_equal(model[1].running_mean.detach().numpy(), stats[0])


def test_tied_weights_are_still_found_after_deepcopy():
    encoder, decoder = nn.Linear(4, 4), nn.Linear(4, 4)
    decoder.weight = encoder.weight
    model = copy.deepcopy(nn.Sequential(encoder, decoder))
    with pytest.warns(UserWarning, match="tied weights"):
        nn.freeze(model[0])
    assert not model[1].weight.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.freeze(nn.Linear(2, 2))  # nothing shared: no warning

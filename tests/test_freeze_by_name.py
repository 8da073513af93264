"""nn.freeze / nn.unfreeze by names (globs) and kinds, reports, errors, restore=True."""
from __future__ import annotations

import pytest

from minitorch import nn


def _model():
    return nn.Sequential(
        nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU()),
        nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.ReLU()),
        nn.Linear(4, 2))


def _trainable(model):
    return [n for n, p in model.named_parameters() if p.requires_grad]


def test_several_patterns_and_a_report_of_what_each_matched():
    model = _model()
    report = nn.freeze(model, names=["0.*", "*.1.weight"])
    assert dict(report) == {
        "'0.*'": ["0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias"],
        "'*.1.weight'": ["0.1.weight", "1.1.weight"],
    }
    assert report.changed == ["0.0.weight", "0.0.bias", "0.1.weight", "0.1.bias", "1.1.weight"]
    assert _trainable(model) == ["1.0.weight", "1.0.bias", "1.1.bias", "2.weight", "2.bias"]
    assert str(report).splitlines()[0] == "froze 5 parameters:"
    assert "  '0.*': 0.0.weight, 0.0.bias, 0.1.weight, 0.1.bias" in str(report)


def test_kinds_select_every_parameter_of_those_layers():
    model = _model()
    report = nn.freeze(model, kinds=(nn.BatchNorm1d,))
    assert report["BatchNorm1d"] == ["0.1.weight", "0.1.bias", "1.1.weight", "1.1.bias"]
    assert all(m.stats_frozen() for m in model.modules() if isinstance(m, nn.BatchNorm1d))
    report = nn.unfreeze(model, names="1.*")
    assert report.action == "unfroze" and report.changed == ["1.1.weight", "1.1.bias"]
    assert _trainable(model) == [n for n, _ in model.named_parameters()
                                 if n not in ("0.1.weight", "0.1.bias")]
    # names and kinds together select the union
    report = nn.freeze(model, names="2.*", kinds=nn.BatchNorm1d)
    assert report.changed == ["1.1.weight", "1.1.bias", "2.weight", "2.bias"]


def test_a_pattern_that_matches_nothing_raises_listing_the_names_and_changes_nothing():
    model = _model()
    with pytest.raises(ValueError) as err:
        nn.freeze(model, names=["0.*", "body.*", "head.weight"])
    message = str(err.value)
    assert "'body.*', 'head.weight' matched no parameter of Sequential" in message
    assert "0.0.weight, 0.0.bias, 0.1.weight" in message and "2.bias" in message
    assert len(_trainable(model)) == 10                 # '0.*' was not applied either
    with pytest.raises(ValueError, match="LayerNorm matched no parameter"):
        nn.freeze(model, kinds=(nn.LayerNorm,))
    with pytest.raises(TypeError, match="kinds must be Module classes"):
        nn.freeze(model, kinds=(int,))
    with pytest.raises(TypeError, match="needs a Module"):
        nn.freeze(list(model.parameters()), names="*")


def test_bitfit_one_liner_trains_only_the_biases():
    model = _model()
    nn.unfreeze(nn.freeze(model), names="*bias")
    assert _trainable(model) == ["0.0.bias", "0.1.bias", "1.0.bias", "1.1.bias", "2.bias"]


def test_the_plain_calls_keep_their_behaviour():
    model = _model()
    assert nn.freeze(model[0]) is model[0]
    assert nn.unfreeze(model[0]) is model[0]
    params = list(model.parameters())
    assert nn.freeze(params) is params and not any(p.requires_grad for p in params)


def test_restore_returns_each_parameter_to_its_state_before_the_matching_freeze():
    model = _model()
    nn.freeze([model[2].bias])                               # frozen on purpose
    nn.freeze(model, names="0.*")                            # recorded on model
    nn.freeze(model)                                         # recorded on model
    assert _trainable(model) == []
    assert nn.unfreeze(model, restore=True) is model         # undoes freeze(model)
    assert _trainable(model) == ["1.0.weight", "1.0.bias", "1.1.weight", "1.1.bias",
                                 "2.weight"]                 # 0.* and 2.bias stay frozen
    nn.unfreeze(model, restore=True)                         # undoes freeze(names="0.*")
    assert "0.0.weight" in _trainable(model) and "2.bias" not in _trainable(model)
    with pytest.raises(RuntimeError, match="no freeze"):
        nn.unfreeze(model, restore=True)


def test_restore_by_name_only_touches_the_matching_parameters():
    model = _model()
    nn.freeze(model, names="2.*")
    nn.freeze(model)
    report = nn.unfreeze(model, names="1.*", restore=True)
    assert report.changed == ["1.0.weight", "1.0.bias", "1.1.weight", "1.1.bias"]
    assert _trainable(model) == ["1.0.weight", "1.0.bias", "1.1.weight", "1.1.bias"]
    nn.unfreeze(model, names="2.*", restore=True)            # latest freeze: 2.* was frozen
    assert "2.weight" not in _trainable(model)
    nn.unfreeze(model, names="2.*", restore=True)            # the one before: trainable
    assert "2.weight" in _trainable(model)
    nn.unfreeze(model, restore=True)                         # what is left: 0.*
    assert _trainable(model) == [n for n, _ in model.named_parameters()]

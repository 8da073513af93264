"""Issue 10, case 2: the progress bar never consumes a random number or an epoch, so
fit/evaluate with verbose=True and verbose=False give bit-identical models."""
import numpy as np
import pytest

import minitorch as mt
from minitorch import data, nn, optim


def _train(verbose, seed, val):
    mt.manual_seed(0)
    x = mt.randn(64, 4)
    y = (x.sum(dim=1) > 0).long()
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16, shuffle=True, seed=seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    history = mt.train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                           loader, epochs=3, verbose=verbose, val_loader=loader if val else None)
    after = mt.train.evaluate(model, nn.CrossEntropyLoss(), loader, verbose=verbose)
    weights = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    return weights, history["loss"], after, loader.epoch, mt.get_rng_state()


@pytest.mark.parametrize("seed", [0, None])
@pytest.mark.parametrize("val", [False, True])
def test_verbose_and_quiet_runs_are_bit_identical(seed, val, capsys):
    loud = _train(True, seed, val)
    quiet = _train(False, seed, val)
    assert loud[0].tobytes() == quiet[0].tobytes()
    assert loud[1] == quiet[1] and loud[2] == quiet[2]
    assert loud[3] == quiet[3]  # the same number of epochs drawn from the loader
    assert loud[4] == quiet[4]  # the same draws from the global generator


class CountingLoader:
    """A loader that counts how often it is iterated."""

    def __init__(self, batches):
        self.batches, self.iterations = batches, 0

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        self.iterations += 1
        return iter(self.batches)


def test_each_epoch_iterates_the_loader_exactly_once(capsys):
    x, y = mt.randn(8, 2), mt.tensor([0, 1] * 4)
    loader = CountingLoader([(x, y), (x, y)])
    model = nn.Linear(2, 2)
    mt.train.fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
                 epochs=2, verbose=True)
    assert loader.iterations == 2
    mt.train.evaluate(model, nn.CrossEntropyLoss(), loader, verbose=True)
    assert loader.iterations == 3
    assert "2/2" in capsys.readouterr().err  # the bar still counts the batches


def test_loader_without_len_still_gets_a_bar():
    x, y = mt.randn(8, 2), mt.tensor([0, 1] * 4)
    model = nn.Linear(2, 2)
    scores = mt.train.evaluate(model, nn.CrossEntropyLoss(), (b for b in [(x, y)]),
                               verbose=True)
    assert set(scores) == {"loss", "accuracy"}

"""The training loop: fit, evaluate, callbacks, and checkpoint/resume."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch as mt
from minitorch import data, nn, optim
from minitorch.optim.lr_scheduler import StepLR
from minitorch.train import Checkpoint, EarlyStopping, accuracy, evaluate, fit


def _problem(seed: int = 0, n: int = 96):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64)
    return data.TensorDataset(x, y)


def _model() -> nn.Module:
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))


def _run(epochs: int, path=None, resume_from=None, stop_after=None):
    """A seeded run: dropout, shuffling, momentum and a scheduler all matter for resuming."""
    mt.manual_seed(0)
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    loader = data.DataLoader(_problem(), batch_size=16, shuffle=True, seed=3)
    callbacks = [Checkpoint(str(path))] if path is not None else []
    history = fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=stop_after or epochs,
                  scheduler=scheduler, callbacks=callbacks, verbose=False,
                  resume_from=resume_from)
    return model, history


def test_fit_learns_and_records_history():
    mt.manual_seed(0)
    model = _model()
    loader = data.DataLoader(_problem(), batch_size=16, shuffle=True, seed=0)
    val = data.DataLoader(_problem(seed=1), batch_size=64)
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), loader,
                  epochs=8, val_loader=val, verbose=False)
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"}
    assert history.epochs == list(range(8))
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.85
    assert model.training  # fit leaves the model in training mode, as after model.train()


def test_evaluate_runs_without_grad_in_eval_mode_and_restores_modes():
    model = _model()
    model.eval()
    model[2].train()  # a mixed state must come back exactly
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append((mt.is_grad_enabled(), self.training))
            return model(x)

    spy = Spy()
    scores = evaluate(spy, nn.CrossEntropyLoss(), data.DataLoader(_problem(), batch_size=32))
    assert seen and all(flags == (False, False) for flags in seen)
    assert set(scores) == {"loss", "accuracy"}
    assert [m.training for m in model.modules()] == [False, False, False, True, False]
    assert mt.is_grad_enabled()


def test_accuracy_metric():
    logits = mt.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert accuracy(logits, mt.tensor([0, 1, 1])) == pytest.approx(2 / 3)


def test_resume_from_checkpoint_is_bit_identical(tmp_path):
    path = tmp_path / "run.mt"
    uninterrupted, full_history = _run(epochs=6)
    _run(epochs=6, path=path, stop_after=3)          # "crashes" after epoch 3
    resumed, history = _run(epochs=6, resume_from=str(path))
    for (name, a), b in zip(uninterrupted.state_dict().items(), resumed.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), name
    assert history.epochs == list(range(6))
    assert history["loss"] == full_history["loss"]


def test_resume_without_the_checkpoint_state_differs(tmp_path):
    """The resume test can fail: continuing without restoring state gives other weights."""
    uninterrupted, _ = _run(epochs=4)
    mt.manual_seed(0)
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    loader = data.DataLoader(_problem(), batch_size=16, shuffle=True, seed=3)
    fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=2, verbose=False)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        loader, epochs=2, verbose=False)
    assert not np.array_equal(uninterrupted[0].weight.detach().numpy(),
                              model[0].weight.detach().numpy())


def test_early_stopping_stops_and_restores_the_best_weights():
    mt.manual_seed(0)
    model = _model()
    loader = data.DataLoader(_problem(), batch_size=16, shuffle=True, seed=0)
    # A huge learning rate makes validation loss get worse quickly.
    stopper = EarlyStopping(monitor="val_loss", patience=2)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=50.0), loader,
                  epochs=30, val_loader=loader, callbacks=[stopper], verbose=False)
    assert len(history["loss"]) < 30
    best = min(history["val_loss"])
    assert stopper.best == pytest.approx(best)
    restored = evaluate(model, nn.CrossEntropyLoss(), loader)["loss"]
    assert restored == pytest.approx(best, rel=1e-5)


def test_early_stopping_needs_the_monitored_value():
    model = _model()
    loader = data.DataLoader(_problem(), batch_size=32)
    with pytest.raises(KeyError, match="val_loader"):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader,
            epochs=2, callbacks=[EarlyStopping()], verbose=False)


def test_fit_rejects_bad_arguments():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    loader = data.DataLoader(_problem(), batch_size=32)
    with pytest.raises(ValueError, match="epochs"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=-1, verbose=False)
    with pytest.raises(ValueError, match="unknown metric"):
        fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=1, metrics=["f1"], verbose=False)


def test_fit_shows_a_tqdm_progress_bar(capsys):
    model = _model()
    loader = data.DataLoader(_problem(), batch_size=32)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), loader, epochs=1)
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "loss=" in err

import os
import socket
import warnings

import pytest
import torch
from neuralop.models import FNO

from benchmarks.neuralop_baseline import neuralop_trainer_throughput, plain_loop_throughput

N, RES, EPOCHS, BATCH = 32, 16, 2, 8


def _fno(seed: int = 0) -> FNO:
    torch.manual_seed(seed)
    return FNO(n_modes=(4, 4), in_channels=1, out_channels=1, hidden_channels=8)


def _data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(N, 1, RES, RES, generator=g)
    return x, torch.roll(x, 1, dims=-1) + 0.5  # a map the FNO can learn


def _weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.named_parameters()}


def _predict(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return model.eval()(x)


def _mse(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    return float(torch.nn.functional.mse_loss(_predict(model, x), y))


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_neuralop_trainer_trains_offline_and_reports(no_network):
    x, y = _data()
    model = _fno()
    before, loss_before = _weights(model), _mse(model, x, y)
    wandb_mode = os.environ.get("WANDB_MODE")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. FNO's warning about a stray `y`
        report = neuralop_trainer_throughput(model, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-2)
    assert os.environ.get("WANDB_MODE") == wandb_mode
    assert report["epochs"] == EPOCHS and report["samples"] == EPOCHS * N
    assert report["seconds"] > 0
    assert report["samples_per_s"] == pytest.approx(report["samples"] / report["seconds"])
    after = _weights(model)
    assert any(not torch.equal(before[k], after[k]) for k in before)
    assert _mse(model, x, y) < 0.8 * loss_before


def test_plain_loop_trains_and_is_reproducible():
    x, y = _data()
    first, second = _fno(), _fno()
    loss_before = _mse(first, x, y)
    report = plain_loop_throughput(first, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-2)
    plain_loop_throughput(second, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-2)
    assert report["samples"] == EPOCHS * N and report["samples_per_s"] > 0
    assert _mse(first, x, y) < 0.8 * loss_before
    a, b = _weights(first), _weights(second)
    assert all(torch.equal(a[k], b[k]) for k in a)  # same seed, same bytes


def test_neuralop_trainer_takes_the_same_steps_as_the_plain_loop():
    # Same batches; its summed loss is B × the batch-mean MSE and AdamW is invariant to a
    # constant gradient scale up to eps, so both runs end at the same function. (Weights with
    # gradients near eps differ, hence outputs are compared.)
    x, y = _data()
    theirs, ours, reshuffled = _fno(), _fno(), _fno()
    initial = _predict(_fno(), x)
    neuralop_trainer_throughput(theirs, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-3, seed=3)
    plain_loop_throughput(ours, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-3, seed=3)
    plain_loop_throughput(reshuffled, x, y, batch_size=BATCH, epochs=EPOCHS, lr=1e-3, seed=4)
    f_theirs, f_ours = _predict(theirs, x), _predict(ours, x)
    gap = float((f_theirs - f_ours).abs().max())
    assert gap < 1e-3 * float((f_ours - initial).abs().max())
    assert gap < 0.05 * float((_predict(reshuffled, x) - f_ours).abs().max())


@pytest.mark.parametrize("fn", [neuralop_trainer_throughput, plain_loop_throughput])
def test_bad_input_is_rejected(fn):
    x, y = _data()
    model = _fno()
    with pytest.raises(ValueError, match="batch_size"):
        fn(model, x, y, batch_size=0, epochs=1, lr=1e-3)
    with pytest.raises(ValueError, match="epochs"):
        fn(model, x, y, batch_size=8, epochs=1.5, lr=1e-3)
    with pytest.raises(ValueError, match="lr"):
        fn(model, x, y, batch_size=8, epochs=1, lr=-1.0)
    with pytest.raises(ValueError, match="same number of samples"):
        fn(model, x, y[:4], batch_size=8, epochs=1, lr=1e-3)
    with pytest.raises(TypeError, match="torch tensors"):
        fn(model, x.numpy(), y, batch_size=8, epochs=1, lr=1e-3)
    with pytest.raises(TypeError, match="model"):
        fn(lambda t: t, x, y, batch_size=8, epochs=1, lr=1e-3)

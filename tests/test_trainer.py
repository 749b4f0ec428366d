import json
import math

import pytest
import torch
from torch import nn

from sciml.data.pde.store import generate_dataset, open_dataset
from sciml.operators.config import OperatorConfig
from sciml.operators.models import build_operator
from sciml.operators.normalization import Normalized
from sciml.training.losses import mse, relative_l2
from sciml.training.multires import MultiResolutionBatches
from sciml.training.trainer import (
    TrainConfig,
    Trainer,
    evaluate,
    load_checkpoint,
    save_checkpoint,
)

MODEL = OperatorConfig(
    model="fno", in_channels=1, out_channels=1, n_modes=(4, 4), hidden_channels=8
)


@pytest.fixture(scope="module")
def darcy(tmp_path_factory):
    path = tmp_path_factory.mktemp("darcy") / "d.h5"
    generate_dataset("darcy", path, n=16, resolution=32, seed=0, progress=False)
    return open_dataset(path)


@pytest.fixture(scope="module")
def batches(darcy):
    return MultiResolutionBatches(
        darcy, (32, 16), (0.5, 0.5), batch_size=3, seed=0, indices=range(12)
    )


@pytest.fixture(scope="module")
def eval_sets(darcy):
    return {r: darcy.at_resolution(r).tensors(range(12, 16)) for r in (16, 32)}


def new_model(config: OperatorConfig = MODEL) -> nn.Module:
    torch.manual_seed(0)
    return build_operator(config)


def read_metrics(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def without_timings(records):
    return [
        {k: v for k, v in r.items() if "seconds" not in k and k != "samples_per_s"} for r in records
    ]


class ListBatches:
    def __init__(self, epochs):
        self.epochs = epochs

    def __len__(self):
        return len(self.epochs[0])

    def epoch(self, e):
        return self.epochs[e]


def test_train_config_roundtrip_and_validation():
    cfg = TrainConfig(epochs=3, loss="rel_l2", grad_clip=1.0)
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert TrainConfig().to_dict()["step_size"] == 15
    with pytest.raises(ValueError, match="unknown TrainConfig keys \\['epoch'\\]"):
        TrainConfig.from_dict({"epoch": 3})
    for bad, name in [
        ({"epochs": 0}, "epochs"),
        ({"lr": -1.0}, "lr"),
        ({"loss": "l1"}, "loss must be one of"),
        ({"grad_clip": 0.0}, "grad_clip"),
        ({"weight_decay": float("nan")}, "weight_decay"),
        ({"checkpoint_every": 1.5}, "checkpoint_every"),
    ]:
        with pytest.raises(ValueError, match=name):
            TrainConfig(**bad)


def test_evaluate_closed_forms():
    torch.manual_seed(0)
    x = torch.randn(7, 2, 5, 5)
    sets = {"a": (x, 2 * x), 8: (x, x + 1)}
    out = evaluate(nn.Identity(), sets, batch_size=3)
    # pred - y = -x: rel = |x| / |2x| = 1/2 exactly, mse = mean x^2
    assert out["a"]["rel_l2"] == pytest.approx(0.5, abs=1e-12)
    assert out["a"]["mse"] == pytest.approx(float(x.double().square().mean()), rel=1e-12)
    # pred - y = -1 everywhere: mse = 1
    assert out[8]["mse"] == pytest.approx(1.0, abs=1e-6)
    expected = (torch.ones(7, 50).norm(dim=1) / (x + 1).flatten(1).norm(dim=1)).mean()
    assert out[8]["rel_l2"] == pytest.approx(float(expected), rel=1e-6)
    with pytest.raises(ValueError, match="batch_size"):
        evaluate(nn.Identity(), sets, batch_size=0)


def test_fit_equals_plain_loop(batches, eval_sets, tmp_path):
    cfg = TrainConfig(epochs=3, step_size=2, gamma=0.5, lr=3e-3, seed=0, loss="rel_l2")
    model = new_model()
    history = Trainer(
        model, MODEL.to_dict(), batches, eval_sets, cfg, tmp_path, progress=False
    ).fit()

    ref = new_model()
    opt = torch.optim.AdamW(ref.parameters(), lr=3e-3, weight_decay=1e-5)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    ref_losses = []
    for e in range(3):
        total = count = 0.0
        for x, y in batches.epoch(e):
            opt.zero_grad()
            loss = relative_l2(ref(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(x)
            count += len(x)
        ref_losses.append(total / count)
        sched.step()
    assert_same_weights(weights(model), weights(ref))

    lines = read_metrics(tmp_path)
    assert [r["epoch"] for r in lines] == [1, 2, 3]
    assert lines == json.loads(json.dumps(history))
    assert [r["lr"] for r in lines] == pytest.approx([3e-3, 3e-3, 1.5e-3])
    assert [r["train_loss"] for r in lines] == pytest.approx(ref_losses, rel=1e-6)
    assert lines[-1]["eval"] == {str(k): v for k, v in evaluate(ref, eval_sets).items()}
    assert all(r["samples_per_s"] > 0 for r in lines)

    raw = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert raw["epoch"] == 3 and raw["model_config"] == MODEL.to_dict()
    assert TrainConfig.from_dict(raw["train_config"]) == cfg
    assert not any(k.endswith("_metadata") for k in raw["model"])
    assert not list(tmp_path.glob("*.tmp"))


def test_training_reduces_error(darcy, batches, eval_sets, tmp_path):
    torch.manual_seed(0)
    model = Normalized(build_operator(MODEL), 1, 1).fit(*darcy.at_resolution(16).tensors(range(12)))
    cfg = TrainConfig(epochs=15, lr=1e-2, loss="rel_l2", step_size=100)
    history = Trainer(model, MODEL.to_dict(), batches, eval_sets, cfg, tmp_path).fit()
    first, last = history[0], history[-1]
    # measured: rel_l2 0.56 after epoch 1 -> 0.16-0.17 after epoch 15 at both resolutions
    assert last["train_loss"] < 0.4 * first["train_loss"]
    for r in ("16", "32"):
        assert last["eval"][r]["rel_l2"] < 0.4 * first["eval"][r]["rel_l2"]


def test_resume_after_kill_is_bit_identical(batches, eval_sets, tmp_path):
    cfg = TrainConfig(epochs=5, step_size=2, checkpoint_every=2, loss="mse")
    full = new_model()
    full_history = Trainer(
        full, MODEL.to_dict(), batches, eval_sets, cfg, tmp_path / "full", progress=False
    ).fit()

    run = tmp_path / "killed"
    trainer = Trainer(new_model(), MODEL.to_dict(), batches, eval_sets, cfg, run, progress=False)
    calls = {"n": 0}

    def killing_loss(pred, target):
        calls["n"] += 1
        if calls["n"] == 3 * len(batches) + 2:  # second batch of epoch 4
            raise KeyboardInterrupt
        return mse(pred, target)

    trainer.loss_fn = killing_loss
    with pytest.raises(KeyboardInterrupt):
        trainer.fit()
    assert [r["epoch"] for r in read_metrics(run)] == [1, 2, 3]
    assert load_checkpoint(run / "checkpoint.pt")["epoch"] == 2

    torch.manual_seed(123)  # the resumed process starts from another state
    resumed = build_operator(MODEL)
    history = Trainer(resumed, MODEL.to_dict(), batches, eval_sets, cfg, run, progress=False).fit()
    assert_same_weights(weights(resumed), weights(full))
    assert [r["epoch"] for r in read_metrics(run)] == [1, 2, 3, 4, 5]
    assert without_timings(history) == without_timings(full_history)
    assert without_timings(read_metrics(run)) == without_timings(read_metrics(tmp_path / "full"))

    # a finished run resumes to nothing new; more epochs continue it
    again = Trainer(
        build_operator(MODEL), MODEL.to_dict(), batches, eval_sets, cfg, run, progress=False
    )
    assert len(again.fit()) == 5
    longer = TrainConfig(**{**cfg.to_dict(), "epochs": 6})
    more = Trainer(
        build_operator(MODEL), MODEL.to_dict(), batches, eval_sets, longer, run, progress=False
    )
    assert [r["epoch"] for r in more.fit()] == [1, 2, 3, 4, 5, 6]


def test_nan_loss_stops_and_keeps_checkpoint(batches, eval_sets, tmp_path):
    epochs = [batches.epoch(e) for e in range(4)]
    x, y = epochs[2][1]
    epochs[2] = list(epochs[2])
    epochs[2][1] = (x, torch.full_like(y, float("nan")))
    cfg = TrainConfig(epochs=4)
    trainer = Trainer(
        new_model(), MODEL.to_dict(), ListBatches(epochs), eval_sets, cfg, tmp_path, progress=False
    )
    ckpt = tmp_path / "checkpoint.pt"
    with pytest.raises(FloatingPointError, match=r"epoch 3, batch 2 of 4 \(grid"):
        # the checkpoint of epoch 2 must survive untouched
        original = trainer._checkpoint

        def spy(finished):
            original(finished)
            spy.bytes = ckpt.read_bytes()

        trainer._checkpoint = spy
        trainer.fit()
    assert ckpt.read_bytes() == spy.bytes
    assert load_checkpoint(ckpt)["epoch"] == 2
    assert [r["epoch"] for r in read_metrics(tmp_path)] == [1, 2]


def test_checkpoint_errors(batches, eval_sets, tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="unreadable or corrupt"):
        load_checkpoint(tmp_path / "bad.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a sciml checkpoint"):
        load_checkpoint(tmp_path / "other.pt")

    model = new_model()
    path = save_checkpoint(tmp_path / "m.pt", model, MODEL.to_dict())
    state = load_checkpoint(path, model_config=MODEL.to_dict())
    fresh = build_operator(MODEL)
    fresh.load_state_dict(state["model"])
    assert_same_weights(weights(fresh), weights(model))
    wider = OperatorConfig.from_dict({**MODEL.to_dict(), "hidden_channels": 16})
    with pytest.raises(ValueError, match=r"hidden_channels \(checkpoint 8, asked 16\)"):
        load_checkpoint(path, model_config=wider.to_dict())

    run = tmp_path / "run"
    cfg = TrainConfig(epochs=1)
    Trainer(new_model(), MODEL.to_dict(), batches, eval_sets, cfg, run, progress=False).fit()
    with pytest.raises(ValueError, match="hidden_channels"):
        Trainer(
            build_operator(wider), wider.to_dict(), batches, eval_sets, cfg, run, progress=False
        ).fit()
    other = TrainConfig(epochs=1, lr=1e-2)
    with pytest.raises(ValueError, match=r"lr \(checkpoint 0.001, asked 0.01\)"):
        Trainer(new_model(), MODEL.to_dict(), batches, eval_sets, other, run, progress=False).fit()
    with pytest.raises(TypeError, match="JSON"):
        Trainer(new_model(), {"f": nn.Identity()}, batches, eval_sets, cfg, run, progress=False)


def test_cosine_schedule_and_custom_objective(batches, eval_sets, tmp_path):
    torch.manual_seed(0)
    cfg = TrainConfig(epochs=4, lr=1e-3, min_lr=1e-5, schedule="cosine")
    calls = []

    def objective(net, x, y, epoch):
        calls.append(epoch)
        return 2.0 * torch.mean((net(x) - y) ** 2)

    trainer = Trainer(
        new_model(), MODEL.to_dict(), batches, eval_sets, cfg, tmp_path, objective=objective
    )
    history = trainer.fit()
    expected = [1e-5 + (1e-3 - 1e-5) * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)]
    assert [h["lr"] for h in history] == pytest.approx(expected)
    assert sorted(set(calls)) == [0, 1, 2, 3] and len(calls) == 4 * len(batches)
    with pytest.raises(ValueError, match="schedule"):
        TrainConfig(schedule="linear")
    with pytest.raises(ValueError, match="min_lr"):
        TrainConfig(lr=1e-3, min_lr=1e-2)

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from ddp_train_script import CONFIG, MODEL, make_batches, make_eval_sets, make_model

from sciml.data.pde.store import generate_dataset, open_dataset
from sciml.training.distributed import shard_batches
from sciml.training.losses import relative_l2
from sciml.training.trainer import evaluate, load_checkpoint

SCRIPT = Path(__file__).with_name("ddp_train_script.py")


def test_shard_batches_equal_counts_and_disjoint():
    batches = list(range(11))
    shards = [shard_batches(batches, r, 3) for r in range(3)]
    assert shards == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert shard_batches(batches, 0, 1) == batches
    with pytest.raises(ValueError, match="cannot feed 4 ranks"):
        shard_batches([1, 2, 3], 0, 4)
    with pytest.raises(ValueError, match="rank"):
        shard_batches(batches, 2, 2)


def reference_run(dataset):
    """One process taking, per step, the same two batches the two ranks take, each loss
    halved: its gradient is (∇L_a + ∇L_b)/2, what DDP's averaging all-reduce gives."""
    model = make_model()
    batches = make_batches(dataset)
    opt = torch.optim.AdamW(model.parameters(), lr=CONFIG.lr, weight_decay=CONFIG.weight_decay)
    sched = torch.optim.lr_scheduler.StepLR(opt, CONFIG.step_size, CONFIG.gamma)
    losses = []
    for e in range(CONFIG.epochs):
        epoch = batches.epoch(e)
        usable = len(epoch) // 2 * 2
        total = count = 0.0
        for k in range(0, usable, 2):
            opt.zero_grad()
            for x, y in epoch[k : k + 2]:
                loss = relative_l2(model(x), y)
                (loss / 2).backward()
                total += loss.item() * len(x)
                count += len(x)
            opt.step()
        losses.append(total / count)
        sched.step()
    return model, losses


def test_ddp_two_cpu_ranks_match_single_process(tmp_path):
    data = tmp_path / "d.h5"
    generate_dataset("darcy", data, n=16, resolution=32, seed=0, progress=False)
    run, out = tmp_path / "run", tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    proc = subprocess.run(
        [*cmd, str(SCRIPT), str(data), str(run), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    w0 = torch.load(out / "rank0.pt", weights_only=True)
    w1 = torch.load(out / "rank1.pt", weights_only=True)
    for k in w0:
        assert torch.equal(w0[k], w1[k]), k

    lines = [json.loads(s) for s in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in lines] == [1, 2, 3]
    h0, h1 = (json.loads((out / f"history{r}.json").read_text()) for r in (0, 1))
    for a, b, c in zip(h0, h1, lines, strict=True):
        assert a["train_loss"] == b["train_loss"] == c["train_loss"]
        assert a["eval"] == b["eval"] == c["eval"]
    assert load_checkpoint(run / "checkpoint.pt", MODEL.to_dict())["epoch"] == 3

    # one process seeing the same batches per step reaches the same weights, bit for bit
    dataset = open_dataset(data)
    ref, ref_losses = reference_run(dataset)
    ref_state = ref.state_dict()
    for k in w0:
        assert torch.equal(w0[k], ref_state[k]), k
    assert [r["train_loss"] for r in lines] == pytest.approx(ref_losses, rel=1e-6)
    ref_eval = {str(k): v for k, v in evaluate(ref, make_eval_sets(dataset)).items()}
    for key, metrics in lines[-1]["eval"].items():
        assert metrics == pytest.approx(ref_eval[key], rel=1e-6)

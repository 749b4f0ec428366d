"""The tiny DDP training problem of tests/test_distributed.py, and its torchrun entry point.

Usage: torchrun --nproc_per_node 2 ddp_train_script.py DATA.h5 RUN_DIR OUT_DIR. Every rank
writes its final weights and returned metric history to OUT_DIR/rank{r}.pt and
OUT_DIR/history{r}.json.
"""

import json
import sys
from pathlib import Path

import torch

from sciml.data.pde.store import open_dataset
from sciml.operators.config import OperatorConfig
from sciml.operators.models import build_operator
from sciml.training import distributed as ddp
from sciml.training.multires import MultiResolutionBatches
from sciml.training.trainer import TrainConfig, Trainer

MODEL = OperatorConfig(
    model="fno", in_channels=1, out_channels=1, n_modes=(4, 4), hidden_channels=8
)
CONFIG = TrainConfig(epochs=3, lr=3e-3, step_size=2, loss="rel_l2")


def make_model() -> torch.nn.Module:
    torch.manual_seed(0)
    return build_operator(MODEL)


def make_batches(dataset) -> MultiResolutionBatches:
    # 8 samples at 32 -> batches of 3, 3, 2; 4 at 16 -> 3, 1: five batches, one dropped per epoch
    return MultiResolutionBatches(
        dataset, (32, 16), (2 / 3, 1 / 3), batch_size=3, seed=0, indices=range(12)
    )


def make_eval_sets(dataset) -> dict:
    return {r: dataset.at_resolution(r).tensors(range(12, 16)) for r in (16, 32)}


def main(data: str, run_dir: str, out: str) -> None:
    torch.set_num_threads(1)
    info = ddp.init_from_env()
    try:
        dataset = open_dataset(data)
        trainer = Trainer(
            make_model(),
            MODEL.to_dict(),
            make_batches(dataset),
            make_eval_sets(dataset),
            CONFIG,
            run_dir,
            progress=False,
        )
        history = trainer.fit()
        torch.save(trainer.model.state_dict(), Path(out) / f"rank{info.rank}.pt")
        (Path(out) / f"history{info.rank}.json").write_text(json.dumps(history))
    finally:
        ddp.cleanup()


if __name__ == "__main__":
    main(*sys.argv[1:])

"""Training throughput of neuraloperator 2.0.0's own ``Trainer`` and of a bare PyTorch loop.

Both take a model and (x, y) tensors, train with AdamW on the MSE for a number of epochs over
the same seeded shuffled batches, and time only the training loop (data set, loader,
optimiser and trainer are built before the clock starts). Both fetch a batch by indexing the
tensors once, so the ratio of their throughputs measures the training loops, not per-sample
collation. A benchmark can put our own trainer next to them.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch.utils.data import DataLoader, Dataset, Sampler


class _DictDataset(Dataset):
    """Samples ``{"x": x[i], "y": y[i]}``; ``__getitems__`` returns a whole batch at once."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor):
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"x": self.x[index], "y": self.y[index]}

    def __getitems__(self, indices) -> dict[str, torch.Tensor]:
        indices = torch.as_tensor(indices)
        return {"x": self.x[indices], "y": self.y[indices]}


def _batch_as_is(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return batch


class _ShuffledBatches(Sampler):
    """Index batches of a fresh random permutation each epoch, drawn from one seeded generator."""

    def __init__(self, n: int, batch_size: int, seed: int):
        self.n, self.batch_size = n, batch_size
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        yield from torch.randperm(self.n, generator=self.generator).split(self.batch_size)


class _DropTarget(torch.nn.Module):
    """neuralop's Trainer calls ``model(**batch)``; pass on ``x`` only so ``y`` never reaches the
    wrapped model's forward."""

    def __init__(self, model: torch.nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, **_: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def _summed_mse(out: torch.Tensor, y: torch.Tensor, **_: torch.Tensor) -> torch.Tensor:
    """Σ_i mean_j (out_ij − y_ij)²: the per-sample MSE summed over the batch, the reduction
    neuralop's Trainer expects (it divides by the sample count itself)."""
    return (out - y).square().flatten(1).mean(dim=1).sum()


@contextmanager
def _wandb_disabled() -> Iterator[None]:
    previous = os.environ.get("WANDB_MODE")
    os.environ["WANDB_MODE"] = "disabled"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["WANDB_MODE"]
        else:
            os.environ["WANDB_MODE"] = previous


def _check(model, x, y, batch_size, epochs, lr) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
        raise TypeError("x and y must be torch tensors")
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"x and y need the same number of samples > 0, got {len(x)}, {len(y)}")
    for name, value in (("batch_size", batch_size), ("epochs", epochs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not (isinstance(lr, int | float) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")


def _synchronize(device: str | torch.device) -> None:
    if torch.device(device).type == "cuda":
        torch.cuda.synchronize(device)


def _report(seconds: float, epochs: int, n: int) -> dict[str, float | int]:
    return {
        "samples_per_s": epochs * n / seconds,
        "seconds": seconds,
        "epochs": epochs,
        "samples": epochs * n,
    }


def neuralop_trainer_throughput(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int,
    epochs: int,
    lr: float,
    device: str | torch.device = "cpu",
    weight_decay: float = 0.0,
    seed: int = 0,
) -> dict[str, float | int]:
    """Train ``model`` in place with ``neuralop.training.Trainer`` (AdamW, MSE summed over the
    batch, no data processor, no evaluation, no checkpoints, wandb disabled) and time
    ``Trainer.train``. Returns ``{"samples_per_s", "seconds", "epochs", "samples"}``."""
    _check(model, x, y, batch_size, epochs, lr)
    with _wandb_disabled():
        from neuralop.training import Trainer

        loader = DataLoader(
            _DictDataset(x, y),
            batch_sampler=_ShuffledBatches(len(x), batch_size, seed),
            collate_fn=_batch_as_is,
        )
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        scheduler = torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0, total_iters=0)
        trainer = Trainer(
            model=_DropTarget(model),
            n_epochs=epochs,
            device=device,
            wandb_log=False,
            verbose=False,
        )
        _synchronize(device)
        start = time.perf_counter()
        trainer.train(loader, {}, optimizer, scheduler, training_loss=_summed_mse, eval_losses={})
        _synchronize(device)
        seconds = time.perf_counter() - start
    return _report(seconds, epochs, len(x))


def plain_loop_throughput(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    batch_size: int,
    epochs: int,
    lr: float,
    device: str | torch.device = "cpu",
    weight_decay: float = 0.0,
    seed: int = 0,
) -> dict[str, float | int]:
    """Train ``model`` in place with a bare loop (AdamW on the batch-mean MSE over the same
    seeded shuffled batches as above) and time the loop.
    Returns ``{"samples_per_s", "seconds", "epochs", "samples"}``."""
    _check(model, x, y, batch_size, epochs, lr)
    model.to(device).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    batches = _ShuffledBatches(len(x), batch_size, seed)
    _synchronize(device)
    start = time.perf_counter()
    for _ in range(epochs):
        for index in batches:
            xb, yb = x[index].to(device), y[index].to(device)
            optimizer.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            optimizer.step()
    _synchronize(device)
    seconds = time.perf_counter() - start
    return _report(seconds, epochs, len(x))

"""Training loop for neural operators: AdamW over epochs of prepared batches, per-epoch
evaluation at several resolutions, atomic checkpoints and exact resume.

One optimiser step per batch minimises the configured loss (``mse`` or ``rel_l2``, see
:mod:`sciml.training.losses`). The learning rate after epoch e is lr·γ^⌊e/step_size⌋
(``schedule="step"``, StepLR) or min_lr + (lr − min_lr)·(1 + cos(πe/epochs))/2
(``schedule="cosine"``, CosineAnnealingLR).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn
from tqdm.auto import tqdm

from sciml.core.checks import check_choice, check_nonnegative, check_positive
from sciml.core.constants import CHECKPOINT_FILE, METRICS_FILE
from sciml.core.files import load_torch, save_torch, write_text
from sciml.core.rng import SEED_MAX, check_seed
from sciml.operators.models import to_device
from sciml.training import distributed as ddp
from sciml.training.losses import LOSSES

CHECKPOINT_FORMAT = "sciml-checkpoint"
CHECKPOINT_VERSION = 1
# settings that may change between a run and its resumption
RESUMABLE_CHANGES = frozenset({"epochs", "checkpoint_every", "eval_every", "eval_batch_size"})

EvalSets = Mapping[Any, tuple[torch.Tensor, torch.Tensor]]
# objective(model, x, y, epoch) -> scalar loss, replacing loss(model(x), y)
Objective = Callable[[nn.Module, torch.Tensor, torch.Tensor, int], torch.Tensor]


class Batches(Protocol):
    """What the trainer trains on: ``epoch(e)`` → list of (x, y) batches; ``len()`` of it."""

    def __len__(self) -> int: ...

    def epoch(self, epoch: int) -> list[tuple[torch.Tensor, torch.Tensor]]: ...


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings. Defaults follow the multi-resolution anchor's Darcy runs
    (AdamW lr 1e-3, weight decay 1e-5, StepLR(15, 0.5), MSE, 150 epochs).

    ``checkpoint_every`` and ``eval_every`` count epochs (the last epoch always does both);
    ``grad_clip`` is a maximum global gradient 2-norm, or None for no clipping.
    ``schedule="cosine"`` anneals the rate from ``lr`` to ``min_lr`` over ``epochs`` instead of
    StepLR(``step_size``, ``gamma``).

    Parameters
    ----------
    epochs : int, default 150
        Epochs to train (a resumed run may raise it).
    lr : float, default 1e-3
        AdamW's initial learning rate.
    weight_decay : float, default 1e-5
        AdamW's decoupled weight decay (>= 0).
    step_size : int, default 15
        StepLR: epochs between decays.
    gamma : float, default 0.5
        StepLR: the factor of each decay.
    loss : {"mse", "rel_l2"}, default "mse"
        Training loss (:mod:`sciml.training.losses`).
    seed : int, default 0
        Seeds torch when training starts (>= 0); :func:`~sciml.training.run.train_run` also
        draws the model's initial weights and the batch order from it.
    checkpoint_every : int, default 1
        Epochs between checkpoints.
    eval_every : int, default 1
        Epochs between evaluations.
    eval_batch_size : int, default 64
        Batch size of the evaluation.
    grad_clip : float, optional
        Maximum global gradient 2-norm; None (default) does not clip.
    schedule : {"step", "cosine"}, default "step"
        Learning-rate schedule.
    min_lr : float, default 0.0
        Cosine schedule: the final rate, in ``[0, lr)``.

    Raises
    ------
    ValueError
        For a count that is not a positive integer, a negative ``seed`` or ``weight_decay``,
        a non-positive ``lr``, ``gamma`` or ``grad_clip``, ``min_lr`` outside ``[0, lr)``,
        or an unknown ``schedule`` or ``loss``.

    Examples
    --------
    >>> config = TrainConfig(epochs=2, schedule="cosine", min_lr=1e-5)
    >>> config.lr, config.loss
    (0.001, 'mse')
    >>> TrainConfig.from_dict(config.to_dict()) == config
    True
    >>> TrainConfig(loss="l1")
    Traceback (most recent call last):
    ...
    ValueError: loss must be one of 'mse', 'rel_l2', got 'l1'
    """

    epochs: int = 150
    lr: float = 1e-3
    weight_decay: float = 1e-5
    step_size: int = 15
    gamma: float = 0.5
    loss: str = "mse"
    seed: int = 0
    checkpoint_every: int = 1
    eval_every: int = 1
    eval_batch_size: int = 64
    grad_clip: float | None = None
    schedule: str = "step"
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        for name in ("epochs", "step_size", "checkpoint_every", "eval_every", "eval_batch_size"):
            check_positive(getattr(self, name), name, integer=True)
        check_nonnegative(self.seed, "seed", integer=True)
        check_seed(self.seed, maximum=SEED_MAX)  # torch.manual_seed takes at most 2⁶⁴ − 1
        check_positive(self.lr, "lr")
        check_positive(self.gamma, "gamma")
        check_nonnegative(self.weight_decay, "weight_decay")
        if self.grad_clip is not None:
            check_positive(self.grad_clip, "grad_clip")
        check_choice(self.schedule, "schedule", ("step", "cosine"))
        if check_nonnegative(self.min_lr, "min_lr") >= self.lr:
            raise ValueError(f"min_lr must lie in [0, lr), got {self.min_lr!r}")
        check_choice(self.loss, "loss", sorted(LOSSES))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict; inverse of :meth:`from_dict`."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TrainConfig:
        """Build a config from :meth:`to_dict` output; unknown keys raise."""
        if not isinstance(d, Mapping):
            raise TypeError(f"TrainConfig.from_dict needs a mapping, got {type(d).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig keys {unknown}; known keys: {sorted(known)}")
        return cls(**d)


def _json_normal(d: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``d`` as JSON would give it back (tuples → lists), or TypeError naming ``name``."""
    if not isinstance(d, Mapping):
        raise TypeError(f"{name} must be a dict, got {type(d).__name__}")
    try:
        return json.loads(json.dumps(dict(d)))
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be JSON-serialisable: {err}") from None


def _differences(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(found) | set(wanted))
    return [
        f"{k} (checkpoint {found.get(k, '<absent>')!r}, asked {wanted.get(k, '<absent>')!r})"
        for k in keys
        if found.get(k, "<absent>") != wanted.get(k, "<absent>")
    ]


# --------------------------------------------------------------------------- evaluation


@torch.no_grad()
def _evaluation_sums(
    model: nn.Module, eval_sets: EvalSets, device: torch.device | str, batch_size: int
) -> torch.Tensor:
    """Per set: [Σ (pred − y)², number of entries, Σ_i ‖pred_i − y_i‖/‖y_i‖, samples]."""
    sums = torch.zeros(len(eval_sets), 4, dtype=torch.float64, device=device)
    was_training = model.training
    model.eval()
    try:
        for row, (x_all, y_all) in enumerate(eval_sets.values()):
            if len(y_all) == 0:
                continue
            for x, y in zip(x_all.split(batch_size), y_all.split(batch_size), strict=True):
                x = x.to(device, non_blocking=True)
                y = y.to(device, non_blocking=True)
                err = (model(x) - y).flatten(1).double()
                sums[row, 0] += err.square().sum()
                sums[row, 2] += (err.norm(dim=1) / y.flatten(1).double().norm(dim=1)).sum()
            sums[row, 1] = y_all.numel()
            sums[row, 3] = len(y_all)
    finally:
        model.train(was_training)
    return sums


def _metrics_from_sums(keys: list[Any], sums: torch.Tensor) -> dict[Any, dict[str, float]]:
    values = sums.cpu().tolist()
    return {
        k: {"mse": sse / max(n, 1), "rel_l2": rel / max(m, 1)}
        for k, (sse, n, rel, m) in zip(keys, values, strict=True)
    }


def evaluate(
    model: nn.Module, eval_sets: EvalSets, device: torch.device | str = "cpu", batch_size: int = 64
) -> dict[Any, dict[str, float]]:
    """Test errors of ``model`` on each set ``{key: (X, Y)}``, batched, without gradients.

    ``mse`` = mean of (pred − y)² over all entries; ``rel_l2`` = mean over samples of
    ‖pred_i − y_i‖₂/‖y_i‖₂ (norms over channels and space). Sums in float64.
    """
    if not isinstance(eval_sets, Mapping):
        raise TypeError(f"eval_sets must be a dict {{key: (X, Y)}}, got {type(eval_sets).__name__}")
    check_positive(batch_size, "batch_size", integer=True)
    sums = _evaluation_sums(model, eval_sets, device, batch_size)
    return _metrics_from_sums(list(eval_sets), sums)


# --------------------------------------------------------------------------- checkpoints


def _rng_state() -> dict[str, Any]:
    """Torch's CPU and CUDA generator states (the project draws nothing from the global
    NumPy or Python generators)."""
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: Mapping[str, Any]) -> None:
    torch.set_rng_state(state["torch"].cpu())
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda"]])


def model_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's tensors (unwrapped from DDP; non-tensor entries such as neuraloperator's
    ``_metadata`` dropped so that the state loads with ``weights_only=True``)."""
    state = ddp.unwrap(model).state_dict()
    return {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module,
    model_config: Mapping[str, Any],
    train_config: TrainConfig | Mapping[str, Any] | None = None,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    scheduler: Any = None,
    epoch: int = 0,
) -> Path:
    """Write a checkpoint atomically (temporary file, then rename); returns its path.

    It holds the model tensors, the model and train configs (plain dicts), the optimiser and
    scheduler states, the number of finished epochs and the RNG states; everything loads with
    ``torch.load(weights_only=True)``.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its folder is created if missing).
    model : torch.nn.Module
        The model (unwrapped from DDP); only its tensors are stored.
    model_config : mapping
        What rebuilds the model; JSON-serialisable.
    train_config : TrainConfig or mapping, optional
        The training settings, stored as a plain dict.
    optimizer : torch.optim.Optimizer, optional
        Its state is stored, for resuming.
    scheduler : torch.optim.lr_scheduler.LRScheduler, optional
        Its state is stored, for resuming.
    epoch : int, default 0
        The number of finished epochs.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        If ``model_config`` is not a mapping or not JSON-serialisable.

    See Also
    --------
    load_checkpoint : Read it back.

    Examples
    --------
    >>> model = nn.Linear(2, 1)
    >>> save_checkpoint("checkpoint.pt", model, {"width": 2}, TrainConfig(epochs=3), epoch=3)
    PosixPath('checkpoint.pt')
    >>> state = load_checkpoint("checkpoint.pt", model_config={"width": 2})
    >>> state["epoch"], sorted(state["model"]), state["train_config"]["epochs"]
    (3, ['bias', 'weight'], 3)
    >>> bool(torch.equal(state["model"]["weight"], model.weight))
    True
    """
    path = Path(path)
    if isinstance(train_config, TrainConfig):
        train_config = train_config.to_dict()
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "epoch": int(epoch),
        "model": model_state(model),
        "model_config": _json_normal(model_config, "model_config"),
        "train_config": None if train_config is None else dict(train_config),
        "optimizer": None if optimizer is None else optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "rng": _rng_state(),
    }
    return save_torch(path, payload)


def load_checkpoint(
    path: str | os.PathLike,
    model_config: Mapping[str, Any] | None = None,
    map_location: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    With ``model_config``, raise ``ValueError`` naming the keys where the checkpoint's model
    config differs from it.

    Parameters
    ----------
    path : str or os.PathLike
        The checkpoint file.
    model_config : mapping, optional
        The model config the checkpoint must have been written with.
    map_location : str or torch.device, default "cpu"
        Where the tensors are loaded.

    Returns
    -------
    dict
        ``format``, ``version``, ``epoch``, ``model`` (the tensors), ``model_config``,
        ``train_config``, ``optimizer`` and ``scheduler`` (states, or None), ``rng``.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a sciml checkpoint (or cannot be read as one), lacks the epoch,
        model or model config, or was written with another ``model_config``.
    TypeError
        If ``model_config`` is not a JSON-serialisable mapping.

    See Also
    --------
    save_checkpoint : Write one.

    Examples
    --------
    >>> _ = save_checkpoint("checkpoint.pt", nn.Linear(2, 1), {"width": 2}, epoch=1)
    >>> load_checkpoint("checkpoint.pt")["epoch"]
    1
    >>> load_checkpoint("checkpoint.pt", model_config={"width": 4})
    Traceback (most recent call last):
    ...
    ValueError: checkpoint checkpoint.pt was trained with another model config; differing keys:
    width (checkpoint 2, asked 4)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    state = load_torch(path, what="checkpoint", map_location=map_location)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a sciml checkpoint (no format {CHECKPOINT_FORMAT!r})")
    missing = sorted({"epoch", "model", "model_config"} - set(state))
    if missing:
        raise ValueError(f"checkpoint {path} lacks {missing}")
    if model_config is not None:
        wanted = _json_normal(model_config, "model_config")
        diff = _differences(state["model_config"], wanted)
        if diff:
            raise ValueError(
                f"checkpoint {path} was trained with another model config; differing keys: "
                + "; ".join(diff)
            )
    return state


# --------------------------------------------------------------------------- trainer


class Trainer:
    """Train ``model`` on ``batches`` and track test errors on ``eval_sets`` each epoch.

    The optimised (and logged) training loss is ``loss(pred, y) · loss_scale``; with MSE and
    ``loss_scale`` = 1/σ_y² it is measured in standardised units, which keeps gradients far
    above AdamW's ε when the targets are small. Test metrics are never scaled.
    An ``objective(model, x, y, epoch)`` replaces ``loss(model(x), y)`` for training (e.g. an
    unrolled refinement loss); evaluation still compares ``model(x)`` with ``y``.

    Files in ``run_dir``: ``metrics.jsonl`` (one JSON line per epoch: ``epoch``,
    ``train_loss``, ``lr``, ``seconds``, ``samples_per_s``, ``eval`` = {set: {mse, rel_l2}},
    ``eval_seconds``) and ``checkpoint.pt``. If the checkpoint exists, :meth:`fit` continues
    from it, bit-for-bit as if never interrupted (given deterministic kernels).
    Batches with a ``to(device)`` method are moved to ``device`` once.

    Under ``torch.distributed`` (see :mod:`sciml.training.distributed`) the model is wrapped in
    DDP, each rank trains on its share of every epoch's batches, logged metrics are summed
    over ranks, and only rank 0 writes files.

    Parameters
    ----------
    model : torch.nn.Module
        The model to train; moved to ``device``.
    model_config : mapping
        What rebuilds the model (JSON-serialisable); stored in the checkpoint, and a
        checkpoint with another one is not resumed.
    batches : Batches
        ``batches.epoch(e)`` gives epoch e's list of ``(x, y)`` batches
        (:class:`~sciml.training.multires.MultiResolutionBatches`,
        :class:`~sciml.training.multires.IncrementalBatches`); ``len(batches)`` ≥ 1.
    eval_sets : mapping
        ``{key: (X, Y)}`` test sets, e.g. one per resolution; keys are logged as strings.
    config : TrainConfig
        Optimisation settings.
    run_dir : str or os.PathLike
        Folder for ``metrics.jsonl`` and ``checkpoint.pt`` (created if missing).
    device : str or torch.device, default "cpu"
        Where the model, batches and test sets live.
    progress : bool, default True
        Show a tqdm bar (on rank 0).
    loss_scale : float, default 1.0
        Factor of the training loss (> 0).
    objective : callable, optional
        ``objective(model, x, y, epoch)`` → scalar loss, replacing ``loss(model(x), y)``.

    Attributes
    ----------
    checkpoint_path : pathlib.Path
        ``run_dir / "checkpoint.pt"``.
    metrics_path : pathlib.Path
        ``run_dir / "metrics.jsonl"``.

    Raises
    ------
    TypeError
        If ``model`` is not a module, ``config`` not a :class:`TrainConfig`, ``eval_sets``
        not a mapping, or ``model_config`` not a JSON-serialisable mapping.
    ValueError
        If ``batches`` has no ``epoch`` method or no batch, or ``loss_scale`` is not
        positive. :meth:`fit` raises ``ValueError`` when ``run_dir`` holds a checkpoint of
        other settings (other than ``epochs``, ``checkpoint_every``, ``eval_every``,
        ``eval_batch_size``) and ``FloatingPointError`` when the loss turns NaN or Inf.

    See Also
    --------
    sciml.training.run.train_run : A whole run on a dataset file.

    Examples
    --------
    Learn y = 2x on 8 one-dimensional samples, half of them seen at 8 points, half at 16:

    >>> import numpy as np
    >>> from sciml.data.pde.dataset import ArrayPairs, FieldDataset
    >>> from sciml.training.multires import MultiResolutionBatches
    >>> x = np.random.default_rng(0).random((8, 1, 16))  # (N, C, X)
    >>> data = FieldDataset(ArrayPairs(x, 2 * x), spatial_dims=1, native_resolution=16)
    >>> batches = MultiResolutionBatches(data, (8, 16), mix=(0.5, 0.5), batch_size=2, seed=0)
    >>> _ = torch.manual_seed(0)
    >>> trainer = Trainer(nn.Conv1d(1, 1, 1), {"model": "conv1x1"}, batches,
    ...                   {"16": data.tensors()}, TrainConfig(epochs=2, lr=1e-2), "run",
    ...                   progress=False)
    >>> history = trainer.fit()
    >>> [record["epoch"] for record in history], sorted(history[-1]["eval"]["16"])
    ([1, 2], ['mse', 'rel_l2'])
    >>> history[1]["train_loss"] < history[0]["train_loss"]
    True
    >>> sorted(path.name for path in trainer.run_dir.iterdir())
    ['checkpoint.pt', 'metrics.jsonl']

    A second ``fit`` finds the checkpoint of epoch 2 and has nothing left to do:

    >>> len(Trainer(nn.Conv1d(1, 1, 1), {"model": "conv1x1"}, batches,
    ...             {"16": data.tensors()}, TrainConfig(epochs=2, lr=1e-2), "run",
    ...             progress=False).fit())
    2
    """

    def __init__(
        self,
        model: nn.Module,
        model_config: Mapping[str, Any],
        batches: Batches,
        eval_sets: EvalSets,
        config: TrainConfig,
        run_dir: str | os.PathLike,
        device: str | torch.device = "cpu",
        progress: bool = True,
        loss_scale: float = 1.0,
        objective: Objective | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        if not callable(getattr(batches, "epoch", None)) or len(batches) < 1:
            raise ValueError("batches must have an epoch(e) method and at least one batch")
        if not isinstance(eval_sets, Mapping):
            raise TypeError(f"eval_sets must be a dict {{key: (X, Y)}}, got {type(eval_sets)}")
        self.device = torch.device(device)
        self.model = to_device(model, self.device)
        self.model_config = _json_normal(model_config, "model_config")
        self.batches = batches.to(self.device) if hasattr(batches, "to") else batches
        self.eval_sets = {
            str(k): (x.to(self.device), y.to(self.device)) for k, (x, y) in eval_sets.items()
        }
        self.config = config
        self.run_dir = Path(run_dir)
        self.progress = progress
        self.loss_fn = LOSSES[config.loss]
        self.loss_scale = check_positive(loss_scale, "loss_scale")
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay
        )
        if config.schedule == "cosine":
            self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
                self.optimizer, T_max=config.epochs, eta_min=config.min_lr
            )
        else:
            self.scheduler = torch.optim.lr_scheduler.StepLR(
                self.optimizer, step_size=config.step_size, gamma=config.gamma
            )
        self.objective = objective

    @property
    def checkpoint_path(self) -> Path:
        return self.run_dir / CHECKPOINT_FILE

    @property
    def metrics_path(self) -> Path:
        return self.run_dir / METRICS_FILE

    # ---------------------------------------------------------------- resume

    def _resume(self) -> int:
        """Load ``checkpoint.pt`` if there is one; returns the number of finished epochs."""
        if not self.checkpoint_path.exists():
            torch.manual_seed(self.config.seed)
            return 0
        state = load_checkpoint(self.checkpoint_path, self.model_config, self.device)
        found = state.get("train_config") or {}
        wanted = self.config.to_dict()
        diff = _differences(
            {k: v for k, v in found.items() if k not in RESUMABLE_CHANGES},
            {k: v for k, v in wanted.items() if k not in RESUMABLE_CHANGES},
        )
        if diff:
            raise ValueError(
                f"{self.checkpoint_path} was written with other training settings; "
                f"differing keys: {'; '.join(diff)}. Use a fresh run_dir or the same settings"
            )
        if state["optimizer"] is None or state["scheduler"] is None:
            raise ValueError(f"{self.checkpoint_path} has no optimiser state to resume from")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(state["rng"])
        return int(state["epoch"])

    def _history(self, finished: int) -> list[dict[str, Any]]:
        """Metrics of epochs 1…``finished`` from ``metrics.jsonl``; later lines are dropped, and
        so is a last line torn by a kill in the middle of its append."""
        text = self.metrics_path.read_text() if self.metrics_path.exists() else ""
        lines: list[dict[str, Any]] = []
        torn = False
        for line in filter(None, text.splitlines()):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                torn = True
                break
        kept = [rec for rec in lines if rec["epoch"] <= finished]
        if ddp.is_main() and (torn or len(kept) != len(lines)):
            write_text(self.metrics_path, "".join(json.dumps(rec) + "\n" for rec in kept))
        return kept

    # ---------------------------------------------------------------- one epoch

    def _train_epoch(self, net: nn.Module, epoch: int, bar: tqdm) -> tuple[float, int]:
        """One pass over this rank's batches; returns (mean loss per sample, samples) over
        all ranks. Losses stay on the device until the end of the epoch (one host sync)."""
        batches = self.batches.epoch(epoch)
        if ddp.is_distributed():
            batches = ddp.shard_batches(batches, ddp.rank(), ddp.world_size())
        losses = torch.empty(len(batches), device=self.device)
        params = [p for p in self.model.parameters() if p.requires_grad]
        for i, (x, y) in enumerate(batches):
            x = x.to(self.device, non_blocking=True)
            y = y.to(self.device, non_blocking=True)
            self.optimizer.zero_grad(set_to_none=True)
            if self.objective is None:
                loss = self.loss_fn(net(x), y) * self.loss_scale
            else:
                loss = self.objective(net, x, y, epoch) * self.loss_scale
            loss.backward()
            if self.config.grad_clip is not None:
                nn.utils.clip_grad_norm_(params, self.config.grad_clip)
            self.optimizer.step()
            losses[i] = loss.detach()
            bar.update()
        host = losses.cpu().double()
        sizes = torch.tensor([len(x) for x, _ in batches], dtype=torch.float64)
        finite = torch.isfinite(host)
        total = torch.stack(
            [(host[finite] * sizes[finite]).sum(), sizes.sum(), (~finite).sum().double()]
        )
        total = ddp.all_reduce_sum(total.to(self.device)).cpu()
        if total[2] > 0:
            if finite.all():
                where = "a batch of another rank"
            else:
                i = int((~finite).nonzero()[0, 0])
                grid = tuple(batches[i][0].shape[2:])
                where = f"batch {i + 1} of {len(batches)} (grid {grid})"
            raise FloatingPointError(
                f"training loss is NaN or Inf in epoch {epoch + 1}, {where}; stopped without "
                f"writing a checkpoint (the last good one, if any, is {self.checkpoint_path})"
            )
        return float(total[0] / total[1]), int(total[1])

    def _evaluate(self) -> dict[str, dict[str, float]]:
        sets = self.eval_sets
        if ddp.is_distributed():
            sets = ddp.shard_eval_sets(sets, ddp.rank(), ddp.world_size())
        sums = _evaluation_sums(self.model, sets, self.device, self.config.eval_batch_size)
        return _metrics_from_sums(list(sets), ddp.all_reduce_sum(sums))

    def _checkpoint(self, finished: int) -> None:
        ddp.barrier()
        if ddp.is_main():
            save_checkpoint(
                self.checkpoint_path,
                self.model,
                self.model_config,
                self.config,
                optimizer=self.optimizer,
                scheduler=self.scheduler,
                epoch=finished,
            )
        ddp.barrier()

    # ---------------------------------------------------------------- fit

    def fit(self) -> list[dict[str, Any]]:
        """Train until ``config.epochs``; returns every epoch's metrics (resumed ones too)."""
        cfg = self.config
        start = self._resume()
        history = self._history(start)
        if ddp.is_main():
            self.run_dir.mkdir(parents=True, exist_ok=True)
        net = ddp.wrap_model(self.model, self.device) if ddp.is_distributed() else self.model
        steps = len(self.batches) // ddp.world_size()
        bar = tqdm(
            total=cfg.epochs * steps,
            initial=min(start, cfg.epochs) * steps,
            desc=f"train {self.run_dir.name}",
            unit="batch",
            disable=not self.progress or not ddp.is_main(),
        )
        self.model.train()
        try:
            for epoch in range(start, cfg.epochs):
                lr = self.optimizer.param_groups[0]["lr"]
                tic = time.perf_counter()
                loss, samples = self._train_epoch(net, epoch, bar)
                seconds = time.perf_counter() - tic
                self.scheduler.step()
                last = epoch + 1 == cfg.epochs
                record: dict[str, Any] = {
                    "epoch": epoch + 1,
                    "train_loss": loss,
                    "lr": lr,
                    "seconds": seconds,
                    "samples_per_s": samples / seconds,
                }
                if (epoch + 1) % cfg.eval_every == 0 or last:
                    tic = time.perf_counter()
                    record["eval"] = self._evaluate()
                    record["eval_seconds"] = time.perf_counter() - tic
                history.append(record)
                if ddp.is_main():
                    with self.metrics_path.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                bar.set_postfix(_postfix(record), refresh=False)
                if (epoch + 1) % cfg.checkpoint_every == 0 or last:
                    self._checkpoint(epoch + 1)
        finally:
            bar.close()
        return history


def _postfix(record: Mapping[str, Any]) -> dict[str, str]:
    out = {"loss": f"{record['train_loss']:.3g}"}
    for key, m in record.get("eval", {}).items():
        out[f"rel@{key}"] = f"{m['rel_l2']:.3g}"
    return out

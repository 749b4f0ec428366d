"""A training run on a dataset file: split, batching protocol, model, trainer, evaluation.

``RUN_DIR/run.json`` records what the run is (data, split, resolutions, mix, configs) so that
``sciml train`` resumes it and ``sciml evaluate`` rebuilds its model and test split.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.constants import CHECKPOINT_FILE
from sciml.core.files import write_json
from sciml.data.pde.dataset import FieldDataset
from sciml.data.pde.store import open_dataset
from sciml.operators.config import OperatorConfig
from sciml.operators.models import build_operator, to_device
from sciml.operators.normalization import Normalized
from sciml.training.multires import IncrementalBatches, MultiResolutionBatches
from sciml.training.trainer import TrainConfig, Trainer, evaluate, load_checkpoint

RUN_FILE = "run.json"


@dataclass(frozen=True)
class RunSpec:
    """What a run trains on and how its batches are made.

    ``curriculum="mix"``: each training sample is used at one resolution, drawn in the ratios
    ``mix``. ``curriculum="incremental"``: every sample at ``resolutions[s]`` in stage s, the
    stages splitting the epochs evenly (coarse to fine). Samples are split by group (a
    trajectory for time series, a sample otherwise): the first ⌈``test_fraction``·groups⌉
    groups are the test set, the next ⌈``val_fraction``·groups⌉ the validation set (tracked
    during training and used for every choice), the rest the training set.
    """

    data: str
    resolutions: tuple[int, ...]
    mix: tuple[float, ...] = (1.0,)
    curriculum: str = "mix"
    method: str = "stride"
    test_fraction: float = 0.1
    val_fraction: float = 0.0
    batch_size: int = 16
    task: str = "next-step"
    input_steps: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.curriculum not in ("mix", "incremental"):
            raise ValueError(f"curriculum must be 'mix' or 'incremental', got {self.curriculum!r}")
        if not 0.0 < self.test_fraction < 1.0:
            raise ValueError(f"test_fraction must lie in (0, 1), got {self.test_fraction}")
        if not 0.0 <= self.val_fraction < 1.0 - self.test_fraction:
            raise ValueError(
                f"val_fraction must lie in [0, 1 - test_fraction), got {self.val_fraction}"
            )
        if not self.resolutions:
            raise ValueError("resolutions must name at least one grid size")


def split_indices(n: int, test_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(train, test): the first ⌈test_fraction·n⌉ samples are the test set."""
    n_test = math.ceil(test_fraction * n)
    if not 0 < n_test < n:
        raise ValueError(f"test_fraction {test_fraction} leaves no train or test data of {n}")
    return np.arange(n_test, n), np.arange(n_test)


def sample_groups(dataset: FieldDataset) -> np.ndarray:
    """The group of each sample: its trajectory for trajectory pairs, itself otherwise."""
    per_group = getattr(dataset.source, "pairs_per_trajectory", 1)
    return np.arange(len(dataset)) // per_group


def split_samples(
    groups: np.ndarray, test_fraction: float, val_fraction: float = 0.0
) -> dict[str, np.ndarray]:
    """{"train", "val", "test"} sample indices with no group on two sides: the first
    ⌈test_fraction·G⌉ of the G groups (in order of first appearance) are the test set, the
    next ⌈val_fraction·G⌉ the validation set (empty when val_fraction = 0), the rest train."""
    groups = np.asarray(groups)
    order = list(dict.fromkeys(groups.tolist()))
    n_test = math.ceil(test_fraction * len(order))
    n_val = math.ceil(val_fraction * len(order))
    if not (0 < n_test and n_test + n_val < len(order)):
        raise ValueError(
            f"test_fraction {test_fraction} and val_fraction {val_fraction} leave no train or "
            f"test data of {len(order)} groups (trajectories or samples)"
        )
    sides = {
        "test": order[:n_test],
        "val": order[n_test : n_test + n_val],
        "train": order[n_test + n_val :],
    }
    return {side: np.flatnonzero(np.isin(groups, chosen)) for side, chosen in sides.items()}


def run_split(spec: RunSpec, dataset: FieldDataset) -> dict[str, np.ndarray]:
    """The run's train/val/test sample indices (disjoint by trajectory)."""
    return split_samples(sample_groups(dataset), spec.test_fraction, spec.val_fraction)


def open_run_data(spec: RunSpec) -> FieldDataset:
    return open_dataset(spec.data, task=spec.task, input_steps=spec.input_steps)


def _run_record(spec: RunSpec, model: OperatorConfig, train: TrainConfig) -> dict[str, Any]:
    record = {"spec": asdict(spec), "model": model.to_dict(), "train": train.to_dict()}
    return json.loads(json.dumps(record))


def read_run(run_dir: str | os.PathLike) -> tuple[RunSpec, OperatorConfig, TrainConfig]:
    """The spec and configs of the run in ``run_dir``."""
    path = Path(run_dir) / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} is not a training run (no {RUN_FILE})")
    try:
        record = json.loads(path.read_text())
        spec = record["spec"]
        spec = RunSpec(
            **{**spec, "resolutions": tuple(spec["resolutions"]), "mix": tuple(spec["mix"])}
        )
        return (
            spec,
            OperatorConfig.from_dict(record["model"]),
            TrainConfig.from_dict(record["train"]),
        )
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a valid run record: {err}") from None


def default_operator_config(
    dataset: FieldDataset, resolutions: Sequence[int], model: str = "fno", **options: Any
) -> OperatorConfig:
    """FNO sized to the data: channels from a sample, n_modes = finest resolution / 2."""
    x, y = dataset[0]
    modes = options.pop("modes", None) or max(resolutions) // 2
    return OperatorConfig(
        model=model,
        in_channels=x.shape[0],
        out_channels=y.shape[0],
        n_modes=(int(modes),) * dataset.spatial_dims,
        **options,
    )


def make_batches(
    spec: RunSpec, dataset: FieldDataset, train_idx: np.ndarray, seed: int, epochs: int
):
    if spec.curriculum == "incremental":
        stages = len(spec.resolutions)
        per_stage = [epochs // stages + (s < epochs % stages) for s in range(stages)]
        if min(per_stage) < 1:
            raise ValueError(f"{epochs} epochs cannot cover {stages} curriculum stages")
        return IncrementalBatches(
            dataset, spec.resolutions, per_stage, spec.batch_size, seed, spec.method, train_idx
        )
    return MultiResolutionBatches(
        dataset, spec.resolutions, spec.mix, spec.batch_size, seed, spec.method, train_idx
    )


def build_model(config: OperatorConfig) -> Normalized:
    return Normalized(build_operator(config), config.in_channels, config.out_channels)


def target_scale(model: Normalized) -> float:
    """1/mean(σ_y²): turns the MSE of physical targets into MSE in standardised units."""
    return float(1.0 / model.y_std.square().mean())


def test_sets(
    dataset: FieldDataset, test_idx: np.ndarray, resolutions: Sequence[int], method: str
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    return {str(r): dataset.at_resolution(r, method).tensors(test_idx) for r in resolutions}


def train_run(
    spec: RunSpec,
    run_dir: str | os.PathLike,
    *,
    model_config: OperatorConfig | None = None,
    train_config: TrainConfig | None = None,
    eval_resolutions: Sequence[int] | None = None,
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Train (or resume) the run in ``run_dir``; returns the last epoch's metrics.

    Validation errors (test errors when the spec has no validation set) are tracked at
    ``eval_resolutions`` (default: the training resolutions).
    A ``run_dir`` holding a different run (data, protocol or model) is refused rather than
    overwritten; the trainer decides which training settings may change on resume (epochs).

    Parameters
    ----------
    spec : RunSpec
        Data file, split, resolutions and their mix, curriculum, batch size.
    run_dir : str or os.PathLike
        Folder for ``run.json``, ``checkpoint.pt`` and ``metrics.jsonl``.
    model_config : OperatorConfig, optional
        Default: an FNO sized to the data (:func:`default_operator_config`).
    train_config : TrainConfig, optional
        Epochs, optimiser, schedule, loss, seed.
    eval_resolutions : sequence of int, optional
        Where test errors are measured.
    device : str
        Torch device.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    dict
        ``epoch``, ``train_loss``, ``lr``, ``eval`` (per resolution: ``mse``, ``rel_l2``), ...

    Raises
    ------
    ValueError
        If the model does not fit the data (channels, dims).
    FileExistsError
        If ``run_dir`` holds another run.

    Examples
    --------
    >>> from sciml.data.pde.store import generate_dataset
    >>> from sciml.training.trainer import TrainConfig
    >>> _ = generate_dataset("darcy", "darcy.h5", n=8, resolution=8, progress=False)
    >>> spec = RunSpec(data="darcy.h5", resolutions=(8,), batch_size=4)
    >>> model = OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> summary = train_run(spec, "run", model_config=model, train_config=TrainConfig(epochs=2),
    ...                     progress=False)
    >>> summary["epoch"], sorted(summary["eval"]["8"])
    (2, ['mse', 'rel_l2'])
    >>> sorted(p.name for p in Path("run").iterdir())
    ['checkpoint.pt', 'metrics.jsonl', 'run.json']
    """
    run_dir = Path(run_dir)
    dataset = open_run_data(spec)
    train_config = train_config or TrainConfig()
    model_config = model_config or default_operator_config(dataset, spec.resolutions)
    x, y = dataset[0]
    if (x.shape[0], y.shape[0]) != (model_config.in_channels, model_config.out_channels):
        raise ValueError(
            f"the model takes {model_config.in_channels} → {model_config.out_channels} channels, "
            f"the data {spec.data} has {x.shape[0]} → {y.shape[0]}"
        )
    if len(model_config.n_modes) != dataset.spatial_dims:
        raise ValueError(
            f"the model has {len(model_config.n_modes)} spatial dims, the data has "
            f"{dataset.spatial_dims}"
        )
    record = _run_record(spec, model_config, train_config)
    record_path = run_dir / RUN_FILE
    if record_path.exists():
        found = json.loads(record_path.read_text())
        differing = sorted(
            f"{part}.{key}"
            for part in ("spec", "model")
            for key in set(record[part]) | set(found.get(part, {}))
            if record[part].get(key) != found.get(part, {}).get(key)
        )
        if differing:
            raise FileExistsError(
                f"{run_dir} holds another run (differs in {', '.join(differing)}); "
                "choose another --out"
            )
    split = run_split(spec, dataset)
    train_idx = split["train"]
    tracked = split["val"] if len(split["val"]) else split["test"]
    batches = make_batches(spec, dataset, train_idx, train_config.seed, train_config.epochs)
    evaluation = test_sets(dataset, tracked, eval_resolutions or spec.resolutions, spec.method)
    torch.manual_seed(train_config.seed)
    model = build_model(model_config)
    coarsest = dataset.at_resolution(min(spec.resolutions), spec.method)
    model.fit(*coarsest.tensors(train_idx))
    run_dir.mkdir(parents=True, exist_ok=True)
    if not record_path.exists():
        write_json(record_path, record)
    trainer = Trainer(
        model,
        model_config.to_dict(),
        batches.to(device),
        evaluation,
        train_config,
        run_dir,
        device=device,
        progress=progress,
        loss_scale=target_scale(model) if train_config.loss == "mse" else 1.0,
    )
    history = trainer.fit()
    write_json(record_path, record)  # the train settings that produced the checkpoint
    summary = dict(history[-1]) if history else {}
    summary["cost_points_per_sample"] = batches.cost_points_per_sample
    return summary


def load_run_model(run_dir: str | os.PathLike, device: str = "cpu") -> Normalized:
    """The trained model of ``run_dir`` (from its checkpoint), in eval mode."""
    _, model_config, _ = read_run(run_dir)
    state = load_checkpoint(Path(run_dir) / CHECKPOINT_FILE, model_config=model_config.to_dict())
    model = build_model(model_config)
    model.load_state_dict(state["model"])
    return to_device(model, device).eval()


def evaluate_run(
    run_dir: str | os.PathLike,
    *,
    data: str | None = None,
    resolutions: Sequence[int] | None = None,
    method: str | None = None,
    json_path: str | os.PathLike | None = None,
    device: str = "cpu",
    side: str = "test",
) -> dict[str, Any]:
    """Test the run's model at each resolution: on its test split (``side="val"``: its
    validation split), or on every sample of ``data`` when that is another file than the one it
    was trained on (a benchmark's test file).

    Returns (and with ``json_path`` writes, with a PNG of residual spectra beside it)
    ``{"errors": {res: {mse, rel_l2}}, "swing": max/min mse, "samples": "test split" or "all",
    "residual_spectra": ...}``.
    """
    from sciml.diagnostics.resolution import plot_residual_spectra, residual_spectrum, swing

    spec, _, _ = read_run(run_dir)
    own_data = data is None or Path(data).resolve() == Path(spec.data).resolve()
    spec = replace(spec, data=data or spec.data, method=method or spec.method)
    dataset = open_run_data(spec)
    if side not in ("test", "val"):
        raise ValueError(f"side must be 'test' or 'val', got {side!r}")
    if own_data:
        test_idx = run_split(spec, dataset)[side]
        if not len(test_idx):
            raise ValueError(f"the run in {run_dir} has no {side} split")
    else:
        test_idx = np.arange(len(dataset))
    sets = test_sets(dataset, test_idx, resolutions or spec.resolutions, spec.method)
    model = load_run_model(run_dir, device)
    errors = evaluate(model, sets, device)
    spectra = {}
    with torch.no_grad():
        for res, (x, y) in sets.items():
            k, ratio = residual_spectrum(model(x.to(device)).cpu(), y, dataset.spatial_dims)
            spectra[res] = {"k": k.tolist(), "ratio": np.nan_to_num(ratio).tolist()}
    report = {
        "run": str(run_dir),
        "data": spec.data,
        "method": spec.method,
        "samples": "test split" if own_data else "all",
        "n_samples": len(test_idx),
        "errors": errors,
        "swing": swing(errors),
        "residual_spectra": spectra,
    }
    if json_path is not None:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, report)
        curves = {f"{r}²": (np.array(s["k"]), np.array(s["ratio"])) for r, s in spectra.items()}
        plot_residual_spectra(curves, path.with_suffix(".png"))
    return report

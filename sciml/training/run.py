"""A training run on a dataset file: split, batching protocol, model, trainer, evaluation.

``RUN_DIR/run.json`` records what the run is (data, split, resolutions, mix, configs) so that
``sciml train`` resumes it and ``sciml evaluate`` rebuilds its model and test split.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.constants import CHECKPOINT_FILE
from sciml.core.files import LOCK_FILE, output_lock, write_json
from sciml.data.pde.dataset import FieldDataset, data_signature, sample_digests
from sciml.data.pde.store import open_dataset
from sciml.operators.config import OperatorConfig
from sciml.operators.models import build_operator, to_device
from sciml.operators.normalization import Normalized
from sciml.training import distributed as ddp
from sciml.training.multires import IncrementalBatches, MultiResolutionBatches
from sciml.training.trainer import TrainConfig, Trainer, evaluate, load_checkpoint

RUN_FILE = "run.json"
REFINE_FILE = "refine.json"
RUN_KINDS = {RUN_FILE: "a training run", REFINE_FILE: "a refinement run"}


def check_run_folder(run_dir: str | os.PathLike, record: str) -> None:
    """Refuse ``run_dir`` as the folder of a run recorded in ``record`` (``run.json``,
    ``refine.json``) if it is a file or holds another kind of run.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The folder a run is about to write into.
    record : str
        The record file of that kind of run: :data:`RUN_FILE` or :data:`REFINE_FILE`.

    Raises
    ------
    FileExistsError
        Naming what ``run_dir`` holds.

    Examples
    --------
    >>> from sciml.core.files import write_json
    >>> _ = write_json("refined/refine.json", {})
    >>> check_run_folder("refined", RUN_FILE)
    Traceback (most recent call last):
    ...
    FileExistsError: refined holds a refinement run (refine.json), not a training run; ...
    """
    run_dir = Path(run_dir)
    if run_dir.is_file():
        raise FileExistsError(f"{run_dir} is a file, not a run folder; choose another --out")
    for name, kind in RUN_KINDS.items():
        if name != record and (run_dir / name).exists():
            raise FileExistsError(
                f"{run_dir} holds {kind} ({name}), not {RUN_KINDS[record]}; choose another --out"
            )


def run_folder_lock(run_dir: str | os.PathLike) -> AbstractContextManager:
    """The lock held on ``run_dir`` while a run writes into it (on the rank that writes: the
    only process, or rank 0 under ``torchrun``).

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run folder (created if missing, removed again if the run leaves it empty).

    Returns
    -------
    contextlib.AbstractContextManager
        :func:`sciml.core.files.output_lock` on ``run_dir/.lock``; a no-op on other ranks.
        Entering it raises ``FileExistsError`` while another process writes into ``run_dir``.
    """
    if not ddp.is_main():
        return nullcontext()
    return output_lock(Path(run_dir) / LOCK_FILE, f"run folder {run_dir}")


@dataclass(frozen=True)
class RunSpec:
    """What a run trains on and how its batches are made.

    ``curriculum="mix"``: each training sample is used at one resolution, drawn in the ratios
    ``mix``. ``curriculum="incremental"``: every sample at ``resolutions[s]`` in stage s, the
    stages splitting the epochs evenly (coarse to fine). Samples are split by group (a
    trajectory for time series, a sample otherwise): the first ⌈``test_fraction``·groups⌉
    groups are the test set, the next ⌈``val_fraction``·groups⌉ the validation set (tracked
    during training and used for every choice), the rest the training set.

    Parameters
    ----------
    data : str
        The dataset file (:func:`~sciml.data.pde.store.open_dataset` reads it).
    resolutions : tuple of int
        Training grid sizes (at most the stored grid).
    mix : tuple of float, default (1.0,)
        ``curriculum="mix"``: one ratio per resolution, summing to 1.
    curriculum : {"mix", "incremental"}, default "mix"
        :class:`~sciml.training.multires.MultiResolutionBatches` or
        :class:`~sciml.training.multires.IncrementalBatches`.
    method : {"stride", "spectral"}, default "stride"
        How coarser views are made.
    test_fraction : float, default 0.1
        Fraction of the groups held out for testing, in (0, 1).
    val_fraction : float, default 0.0
        Fraction of the groups for validation, in ``[0, 1 - test_fraction)``.
    batch_size : int, default 16
        Samples per training batch.
    task : {"next-step", "final"}, default "next-step"
        For trajectories: the target (see :func:`~sciml.data.pde.store.open_dataset`).
    input_steps : int, default 1
        For trajectories: frames stacked as input channels.
    extra : dict, default {}
        Free metadata, recorded in ``run.json`` (a different ``extra`` makes another run).

    Raises
    ------
    ValueError
        For an unknown ``curriculum``, a ``test_fraction`` or ``val_fraction`` out of range,
        no ``resolutions``, or a non-uniform ``mix`` with ``curriculum="incremental"``. The
        other fields are checked when the run starts (:func:`train_run`).

    Examples
    --------
    >>> spec = RunSpec(data="darcy.h5", resolutions=(8, 16), mix=(0.75, 0.25), val_fraction=0.1)
    >>> spec.curriculum, spec.test_fraction, spec.batch_size
    ('mix', 0.1, 16)
    >>> RunSpec(data="darcy.h5", resolutions=(8,), test_fraction=0)
    Traceback (most recent call last):
    ...
    ValueError: test_fraction must lie in (0, 1), got 0
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
        if self.curriculum == "incremental" and len(set(self.mix)) > 1:
            raise ValueError(
                "mix must be left uniform with curriculum='incremental' (each stage uses every "
                f"sample at its resolution), got {self.mix}"
            )


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
    """FNO sized to the data: channels from a sample, n_modes = finest resolution / 2 (or
    ``modes``, at most :func:`useful_modes` of the finest resolution: ``ValueError`` else).

    Parameters
    ----------
    dataset : FieldDataset
        The training data; its first sample gives the channels, ``spatial_dims`` the
        number of mode entries.
    resolutions : sequence of int
        The training resolutions.
    model : str, default "fno"
        A registered operator model.
    **options
        ``modes`` (Fourier modes per axis) and further
        :class:`~sciml.operators.config.OperatorConfig` fields (``hidden_channels``, ...).

    Returns
    -------
    OperatorConfig
        The model config.

    Raises
    ------
    ValueError
        For more modes than the finest grid holds, an unknown model or a bad setting.
    TypeError
        For an option ``OperatorConfig`` does not take.

    Examples
    --------
    >>> from sciml.data.pde.dataset import ArrayPairs, FieldDataset
    >>> x, y = np.zeros((4, 2, 16, 16)), np.zeros((4, 1, 16, 16))  # 2 channels -> 1
    >>> data = FieldDataset(ArrayPairs(x, y), spatial_dims=2, native_resolution=16)
    >>> config = default_operator_config(data, (8, 16))
    >>> config.model, config.in_channels, config.out_channels, config.n_modes
    ('fno', 2, 1, (8, 8))
    >>> default_operator_config(data, (8,), modes=4, hidden_channels=8).n_modes
    (4, 4)
    >>> default_operator_config(data, (8,), modes=12)
    Traceback (most recent call last):
    ...
    ValueError: --modes (n_modes) 12 exceeds 8, the Fourier modes per axis of the finest ...
    """
    x, y = dataset[0]
    modes = options.pop("modes", None) or max(1, max(resolutions) // 2)
    config = OperatorConfig(
        model=model,
        in_channels=x.shape[0],
        out_channels=y.shape[0],
        n_modes=(int(modes),) * dataset.spatial_dims,
        **options,
    )
    check_modes_fit(config, resolutions)
    return config


def useful_modes(resolution: int, domain_padding: float | None = None) -> int:
    """The most Fourier modes per axis that a grid of ``resolution`` points (padded on both
    sides by ``domain_padding``·resolution, as neuraloperator pads) holds: n_modes = M keeps
    the frequencies k ∈ [-(M//2), (M-1)//2] (k ∈ [0, M//2] on the last, real-FFT axis), so
    M = n keeps all n of an n-point grid and a larger M adds weights no sample trains.

    Examples
    --------
    >>> useful_modes(32), useful_modes(32, 0.25)
    (32, 48)
    """
    return int(resolution) + 2 * round((domain_padding or 0.0) * resolution)


def check_modes_fit(config: OperatorConfig, resolutions: Sequence[int]) -> None:
    """``ValueError`` naming ``--modes`` if ``config.n_modes`` exceeds
    :func:`useful_modes` of the finest training resolution."""
    finest = max(resolutions)
    bound = useful_modes(finest, config.domain_padding)
    modes = max(config.n_modes)
    if modes > bound:
        padded = f", padded to {bound}" if bound != finest else ""
        raise ValueError(
            f"--modes (n_modes) {modes} exceeds {bound}, the Fourier modes per axis of the "
            f"finest training grid ({finest} points{padded}); more modes add weights that no "
            f"sample trains: use --modes {bound} or less"
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
        If the model does not fit the data (channels, dims, more Fourier modes than the
        finest grid has), or the task does not (``task="final"`` on data without time).
    FileExistsError
        If ``run_dir`` holds another run (or a refinement run), or another process is
        writing into it.

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
    check_run_folder(run_dir, RUN_FILE)
    dataset = open_run_data(spec)
    check_task_fits(spec, dataset)
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
    check_modes_fit(model_config, spec.resolutions)
    record = _run_record(spec, model_config, train_config)
    record_path = run_dir / RUN_FILE
    split = run_split(spec, dataset)
    record["data"] = data_record(dataset, split)  # to know its samples again in evaluations
    train_idx = split["train"]
    tracked = split["val"] if len(split["val"]) else split["test"]
    batches = make_batches(spec, dataset, train_idx, train_config.seed, train_config.epochs)
    ddp.check_shardable(len(batches), ddp.world_size())
    evaluation = test_sets(dataset, tracked, eval_resolutions or spec.resolutions, spec.method)
    torch.manual_seed(train_config.seed)
    model = build_model(model_config)
    coarsest = dataset.at_resolution(min(spec.resolutions), spec.method)
    model.fit(*coarsest.tensors(train_idx))
    with run_folder_lock(run_dir):  # every check passed: from here on files are written
        check_run_folder(run_dir, RUN_FILE)
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
        elif ddp.is_main():
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
        if ddp.is_main():
            write_json(record_path, record)  # the train settings that produced the checkpoint
    summary = dict(history[-1]) if history else {}
    summary["cost_points_per_sample"] = batches.cost_points_per_sample
    return summary


def load_run_model(run_dir: str | os.PathLike, device: str = "cpu") -> Normalized:
    """The trained model of ``run_dir`` (from its checkpoint), in eval mode.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A training run's folder (:func:`train_run`).
    device : str, default "cpu"
        Torch device to put the model on.

    Returns
    -------
    Normalized
        The operator with its input and output standardisation; it maps physical
        ``(B, C_in, *grid)`` to physical ``(B, C_out, *grid)`` at any resolution.

    Raises
    ------
    FileNotFoundError
        If ``run_dir`` holds no ``run.json`` or no checkpoint.
    ValueError
        If the run record is invalid, or the checkpoint is not a sciml checkpoint or was
        written for another model config.

    Examples
    --------
    >>> from sciml.data.pde.store import generate_dataset
    >>> _ = generate_dataset("darcy", "darcy.h5", n=4, resolution=8, progress=False)
    >>> spec = RunSpec(data="darcy.h5", resolutions=(8,), test_fraction=0.25, batch_size=4)
    >>> config = OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> _ = train_run(spec, "run", model_config=config, train_config=TrainConfig(epochs=1),
    ...               progress=False)
    >>> model = load_run_model("run")
    >>> model.training, tuple(model(torch.zeros(2, 1, 16, 16)).shape)
    (False, (2, 1, 16, 16))
    """
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
    allow_other_equation: bool = False,
) -> dict[str, Any]:
    """Test the run's model at each resolution: on its test split (``side="val"``: its
    validation split), or with ``data`` another file, on the samples of that file the run did
    not train or validate on (recognised by content, :func:`choose_samples`; a copy of the run's
    data gives its test split).

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run folder.
    data : str, optional
        Another dataset file (default: the run's own).
    resolutions : sequence of int, optional
        Where to measure (default: the run's training resolutions).
    method : {"stride", "spectral"}, optional
        How coarser views are made (default: the run's).
    json_path : str or os.PathLike, optional
        Write the report there, with a PNG of residual spectra beside it.
    device : str
        Torch device.
    side : {"test", "val"}
        Which split of the run's own data.
    allow_other_equation : bool
        Score ``data`` of another equation or other fields than the run's (channels and
        spatial dims must still match).

    Returns
    -------
    dict
        ``errors`` ({res: {mse, rel_l2}}), ``swing`` (max/min mse), ``residual_spectra``, and
        which samples were scored: ``samples`` ("test split", "val split", "all" or "unseen"),
        ``n_samples``, ``sample_indices``, ``excluded`` (samples left out as the run's own),
        ``of`` (samples in the file) and ``scored`` (that in a sentence).

    Raises
    ------
    ValueError
        If ``data`` does not fit the model (channels, dims), holds another equation (unless
        ``allow_other_equation``), or holds only samples the run trained or validated on;
        for a ``side`` other than ``"test"`` or ``"val"`` (or ``"val"`` with ``data``, or
        on a run without a validation split), or resolutions finer than the stored grid.
    FileNotFoundError
        If ``run_dir`` is not a training run (no ``run.json``) or has no checkpoint.

    See Also
    --------
    sciml.training.refinement.evaluate_refined : The same for a refinement run.

    Examples
    --------
    >>> from sciml.data.pde.store import generate_dataset
    >>> _ = generate_dataset("darcy", "darcy.h5", n=4, resolution=8, progress=False)
    >>> spec = RunSpec(data="darcy.h5", resolutions=(8,), test_fraction=0.25, batch_size=4)
    >>> config = OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> _ = train_run(spec, "run", model_config=config, train_config=TrainConfig(epochs=1),
    ...               progress=False)
    >>> report = evaluate_run("run", resolutions=(4, 8))
    >>> sorted(report["errors"]), sorted(report["errors"]["8"])
    (['4', '8'], ['mse', 'rel_l2'])
    >>> report["samples"], report["sample_indices"]
    ('test split', [0])
    >>> report["scored"]
    "scored 1 of 4 samples of darcy.h5: the run's test split (the other 3 are its ..."
    """
    from sciml.diagnostics.resolution import plot_residual_spectra, residual_spectrum, swing

    spec, model_config, _ = read_run(run_dir)
    if side not in ("test", "val"):
        raise ValueError(f"side must be 'test' or 'val', got {side!r}")
    own = data is None or same_file(data, spec.data)
    spec = replace(spec, data=spec.data if own else str(data), method=method or spec.method)
    dataset = open_run_data(spec)
    what = f"the run in {run_dir}"
    if own:
        check_data_fits(dataset, spec.data, model_config, None, what=what)
        chosen = own_samples(spec, dataset, side)
    else:
        if side != "test":
            raise ValueError(f"side={side!r} is a split of the run's own data; leave data out")
        record = run_data_record(run_dir)
        check_data_fits(
            dataset,
            spec.data,
            model_config,
            record,
            what=what,
            allow_other_equation=allow_other_equation,
        )
        chosen = choose_samples(dataset, spec, [record])
    resolutions = tuple(resolutions or spec.resolutions)
    check_grid_holds(dataset, spec.data, resolutions, "choose --resolutions up to {native}")
    test_idx = chosen.test
    sets = test_sets(dataset, test_idx, resolutions, spec.method)
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
        **chosen.report(spec.data),
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


# ---------------------------------------------------------------------------------------------
# The data a run was trained on, and other data it is evaluated on

SIDES = ("train", "val", "test")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    return Path(a).resolve() == Path(b).resolve()


def data_record(dataset: FieldDataset, split: dict[str, np.ndarray]) -> dict[str, Any]:
    """What a run records of its data (``run.json``'s ``data``): the
    :func:`~sciml.data.pde.dataset.data_signature` and, per side of ``split``, the
    :func:`~sciml.data.pde.dataset.sample_digests` of its samples."""
    digests = sample_digests(dataset)
    return {
        **data_signature(dataset),
        "digests": {side: [digests[i] for i in split[side]] for side in SIDES},
    }


def run_data_record(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The run's :func:`data_record`; for a run recorded before runs kept one, made from its
    data file if that is still there (else None)."""
    record = json.loads((Path(run_dir) / RUN_FILE).read_text()).get("data")
    if record:
        return record
    spec, _, _ = read_run(run_dir)
    if not Path(spec.data).is_file():
        return None
    dataset = open_run_data(spec)
    return data_record(dataset, run_split(spec, dataset))


def _physics(signature: dict[str, Any]) -> str:
    fields = signature.get("fields")
    arrow = "" if not fields else f" ({', '.join(fields[0])} → {', '.join(fields[1])})"
    return f"{signature.get('equation') or 'unknown'}{arrow}"


def check_data_fits(
    dataset: FieldDataset,
    path: str,
    model_config: OperatorConfig,
    recorded: dict[str, Any] | None,
    *,
    what: str,
    allow_other_equation: bool = False,
    hint: str = "pass --allow-other-equation (allow_other_equation=True) to score it anyway",
) -> None:
    """Refuse data that the model cannot take (channels in and out, spatial dims) and, unless
    ``allow_other_equation``, data of another equation (or, in the same format, other fields)
    than the ``recorded`` :func:`data_record`; ``what`` names the model in the message."""
    signature = data_signature(dataset)
    c_in, c_out = signature["channels"]
    if (c_in, c_out) != (model_config.in_channels, model_config.out_channels):
        raise ValueError(
            f"{what} takes {model_config.in_channels} → {model_config.out_channels} channels, "
            f"the data {path} has {c_in} → {c_out}"
        )
    if len(model_config.n_modes) != signature["spatial_dims"]:
        raise ValueError(
            f"{what} is {len(model_config.n_modes)}-D, the data {path} has "
            f"{signature['spatial_dims']} spatial dims"
        )
    if recorded is None or allow_other_equation:
        return
    theirs, ours = recorded.get("equation"), signature["equation"]
    other_equation = theirs is not None and ours is not None and theirs != ours
    same_format = recorded.get("format") == signature["format"]
    other_fields = same_format and None not in (recorded.get("fields"), signature["fields"])
    other_fields = other_fields and recorded["fields"] != signature["fields"]
    if other_equation or other_fields:
        raise ValueError(
            f"{what} was trained on {_physics(recorded)} data, {path} holds "
            f"{_physics(signature)}; {hint}"
        )


def check_grid_holds(
    dataset: FieldDataset, path: str, resolutions: Sequence[int], hint: str
) -> None:
    """``ValueError`` naming ``path`` and its grid if any of ``resolutions`` is finer than the
    grid the data is stored on; ``hint`` (formatted with ``native``) says what to do."""
    native = dataset.native_resolution
    finer = sorted({int(r) for r in resolutions if r > native})
    if finer:
        raise ValueError(
            f"{path} is stored on a grid of {native} points per axis, coarser than "
            f"{', '.join(map(str, finer))}: {hint.format(native=native)}"
        )


@dataclass(frozen=True)
class ScoredSamples:
    """The samples of a file an evaluation scores (``test``), those it may choose on
    (``val``, None unless the file holds the run's own split), and why: ``kind`` is "test
    split", "val split", "all" or "unseen" (all but the run's own training and validation
    samples); ``excluded`` of the file's ``total`` samples were left out; ``known`` is False
    when the run keeps no digests of its samples (and its data file is gone)."""

    test: np.ndarray
    val: np.ndarray | None
    kind: str
    excluded: int
    total: int
    known: bool = True

    def report(self, name: str) -> dict[str, Any]:
        """The report's entries on the scored samples, with ``scored``: a sentence."""
        n = len(self.test)
        if self.kind.endswith("split"):
            others = "training and test" if self.kind == "val split" else "training and validation"
            why = f"the run's {self.kind} (the other {self.excluded} are its {others} samples)"
        elif self.kind == "unseen":
            why = f"{self.excluded} are the run's training or validation samples and left out"
        elif self.known:
            why = "none is a training or validation sample of the run"
        else:
            why = "the run keeps no digests of its samples, so none could be recognised"
        return {
            "samples": self.kind,
            "n_samples": n,
            "sample_indices": self.test.tolist(),
            "excluded": self.excluded,
            "of": self.total,
            "scored": f"scored {n} of {self.total} samples of {name}: {why}",
        }


def own_samples(spec: RunSpec, dataset: FieldDataset, side: str = "test") -> ScoredSamples:
    """The run's ``side`` split of its own data (with its validation split)."""
    split = run_split(spec, dataset)
    if not len(split[side]):
        raise ValueError(f"the run on {spec.data} has no {side} split")
    return ScoredSamples(
        split[side], split["val"], f"{side} split", len(dataset) - len(split[side]), len(dataset)
    )


def choose_samples(
    dataset: FieldDataset, spec: RunSpec, records: Sequence[dict[str, Any] | None]
) -> ScoredSamples:
    """The samples of ``dataset`` (a file other than the run's own) to score.

    Samples are told by content (:func:`~sciml.data.pde.dataset.sample_digests`), not path:
    a file holding exactly the samples of ``records[0]`` in their order (a copy of the run's
    data, or the same generation written elsewhere) gives the run's test and validation split;
    any other file gives every sample whose digest is not among the training or validation
    samples of any of ``records`` (a run and, for a refinement, its base). Without digests
    (an old run whose data file is gone) every sample is scored.

    Raises
    ------
    ValueError
        If every sample of ``dataset`` is a training or validation sample.
    """
    n = len(dataset)
    records = [r for r in records if r and "digests" in r]
    if not records:
        return ScoredSamples(np.arange(n), None, "all", 0, n, known=False)
    digests = sample_digests(dataset)
    own = records[0]["digests"]
    if sum(len(own.get(side, [])) for side in SIDES) == n:
        try:
            split = run_split(spec, dataset)
        except ValueError:
            split = None
        if split is not None and all(
            own.get(side) == [digests[i] for i in split[side]] for side in SIDES
        ):
            return own_samples(spec, dataset)
    seen = {d for r in records for side in ("train", "val") for d in r["digests"].get(side, [])}
    keep = np.array([i for i, d in enumerate(digests) if d not in seen], dtype=np.int64)
    if not len(keep):
        raise ValueError(
            f"every sample of {dataset.name} is one the run was trained or validated on; "
            "there is nothing left to score"
        )
    return ScoredSamples(keep, None, "unseen" if len(keep) < n else "all", n - len(keep), n)


def check_task_fits(spec: RunSpec, dataset: FieldDataset) -> None:
    """``ValueError`` naming ``--task`` or ``--input-steps`` when either is set away from its
    default on a sciml dataset without time (stationary pairs such as Darcy's a → u), where it
    would be ignored."""
    if dataset.attrs.get("time_dependent") is not False:
        return
    for flag, value, default in (
        ("--task", spec.task, "next-step"),
        ("--input-steps", spec.input_steps, 1),
    ):
        if value != default:
            raise ValueError(
                f"{flag} {value} applies to trajectories; {spec.data} holds stationary "
                f"{_physics(data_signature(dataset))} pairs without time: leave {flag} out"
            )

"""A refinement run (IRNO) on top of a trained base run: train Φθ with the base frozen, then
evaluate every iterate h_0 … h_{K+E} (errors, band ratios, contraction factor, update norm).

``RUN_DIR/refine.json`` records the base run, the data and the refinement settings, so that
``sciml refine`` resumes and ``sciml evaluate`` recognises a refined run.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from sciml.core.checks import check_integer, check_positive
from sciml.core.constants import CHECKPOINT_FILE
from sciml.core.files import write_json
from sciml.data.pde.dataset import ArrayPairs, FieldDataset
from sciml.diagnostics.bands import band_ratios
from sciml.diagnostics.contraction import contraction_factor
from sciml.diagnostics.irno_plots import plot_refinement
from sciml.operators.irno import RefinedOperator, Refinement, check_steps
from sciml.operators.models import to_device
from sciml.operators.normalization import channel_stats
from sciml.operators.refiner import RefinerConfig
from sciml.training.irno_loss import contraction_penalty, fixed_point_warmup, unrolled_loss
from sciml.training.losses import relative_l2_per_field, vrmse
from sciml.training.multires import MultiResolutionBatches
from sciml.training.run import load_run_model, open_run_data, read_run, run_split
from sciml.training.trainer import TrainConfig, Trainer, load_checkpoint

REFINE_FILE = "refine.json"


@dataclass(frozen=True)
class RefineSpec:
    """What a refinement run refines and how: K = ``steps`` unrolled steps in training, K + E
    (``extra_steps``) at evaluation; loss weights β_s = ``spectral_weight``, β_fp =
    ``fixed_point_weight`` (ramped up over ``warmup_epochs``); ``truncate`` bounds the
    backpropagation to that many steps. ``contraction_weight`` > 0 adds
    :func:`~sciml.training.irno_loss.contraction_penalty` at h_0 (pushes the local
    contraction factor below ``q_max``; measured, not guaranteed)."""

    base_run: str
    data: str | None = None
    steps: int = 6
    extra_steps: int = 6
    refiner: RefinerConfig = field(default_factory=RefinerConfig)
    truncate: int | None = None
    spectral_weight: float = 1.0
    fixed_point_weight: float = 0.01
    warmup_epochs: int = 5
    batch_size: int = 16
    contraction_weight: float = 0.0
    q_max: float = 0.9

    def __post_init__(self) -> None:
        check_steps(self.steps, "steps")
        check_integer(self.extra_steps, "extra_steps", minimum=0)
        if self.truncate is not None:
            check_steps(self.truncate, "truncate")
        check_positive(self.batch_size, "batch_size", integer=True)

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RefineSpec:
        refiner = dict(d["refiner"])
        refiner["n_modes"] = tuple(refiner["n_modes"])
        return cls(**{**d, "refiner": RefinerConfig(**refiner)})


@dataclass
class RefinementData:
    """The base run's data at its finest training resolution, split as the base run split it
    (by trajectory), with the frozen base's predictions h_0; ``val`` is None when the base
    run has no validation split."""

    base: torch.nn.Module
    resolution: int
    train: tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # x, h0, y
    test: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """model(x) in batches, without gradients."""
    model.eval()
    return torch.cat([model(chunk) for chunk in x.split(batch_size)])


def refinement_data(spec: RefineSpec) -> RefinementData:
    base_spec, base_config, _ = read_run(spec.base_run)
    base_spec = replace(base_spec, data=spec.data or base_spec.data)
    dataset = open_run_data(base_spec)
    x, y = dataset[0]
    if (x.shape[0], y.shape[0]) != (base_config.in_channels, base_config.out_channels):
        raise ValueError(
            f"the base checkpoint in {spec.base_run} takes {base_config.in_channels} → "
            f"{base_config.out_channels} channels, the data {base_spec.data} has "
            f"{x.shape[0]} → {y.shape[0]}"
        )
    if len(base_config.n_modes) != dataset.spatial_dims:
        raise ValueError(
            f"the base checkpoint in {spec.base_run} is {len(base_config.n_modes)}-D, the data "
            f"{base_spec.data} has {dataset.spatial_dims} spatial dims"
        )
    resolution = max(base_spec.resolutions)
    view = dataset.at_resolution(resolution, base_spec.method)
    split = run_split(base_spec, dataset)
    base = load_run_model(spec.base_run)
    parts: dict[str, Any] = {"val": None}
    for side, idx in split.items():
        if len(idx):
            xs, ys = view.tensors(idx)
            parts[side] = (xs, predict(base, xs), ys)
    return RefinementData(base, resolution, parts["train"], parts["test"], parts["val"])


def build_refinement(spec: RefineSpec, in_channels: int, out_channels: int) -> Refinement:
    refiner = spec.refiner.build(in_channels, out_channels)
    return Refinement(
        refiner, in_channels, spec.refiner.alpha, spec.steps, spec.truncate, spec.refiner.form
    )


def _model_record(spec: RefineSpec, in_channels: int, out_channels: int) -> dict[str, Any]:
    return {
        "kind": "irno",
        "in_channels": in_channels,
        "out_channels": out_channels,
        "steps": spec.steps,
        "truncate": spec.truncate,
        "refiner": spec.to_dict()["refiner"],
    }


def refine_run(
    spec: RefineSpec,
    run_dir: str | os.PathLike,
    train_config: TrainConfig | None = None,
    *,
    device: str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Train Φθ on the base run's training split (the base frozen) with the unrolled loss of
    :func:`sciml.training.irno_loss.unrolled_loss`; resumes from ``run_dir``.

    Parameters
    ----------
    spec : RefineSpec
        The base run, K unrolled steps, the refiner and the loss weights.
    run_dir : str or os.PathLike
        Folder for ``refine.json``, ``checkpoint.pt`` and ``metrics.jsonl``.
    train_config : TrainConfig, optional
        Default: 150 epochs, lr 3e-4 cosine to 1e-6, gradient clip 1, seed 42.
    device : str
        Torch device.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    dict
        The last epoch's metrics; ``eval`` holds the validation errors of h_K (the test
        errors if the base run has no validation split).

    Raises
    ------
    FileExistsError
        If ``run_dir`` holds another refinement run.
    ValueError
        If the base run or its data cannot be read.

    Examples
    --------
    >>> from sciml.data.pde.store import generate_dataset
    >>> from sciml.operators import OperatorConfig
    >>> from sciml.operators.refiner import RefinerConfig
    >>> from sciml.training.run import RunSpec, train_run
    >>> _ = generate_dataset("darcy", "darcy.h5", n=8, resolution=8, progress=False)
    >>> base = OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> _ = train_run(RunSpec(data="darcy.h5", resolutions=(8,), batch_size=4), "base",
    ...               model_config=base, train_config=TrainConfig(epochs=1), progress=False)
    >>> spec = RefineSpec(base_run="base", steps=2, extra_steps=1, batch_size=4,
    ...                   refiner=RefinerConfig(width=4, depth=1))
    >>> summary = refine_run(spec, "refined", TrainConfig(epochs=2), progress=False)
    >>> summary["epoch"], sorted(summary["eval"]["8"])
    (2, ['mse', 'rel_l2'])
    """
    train_config = train_config or TrainConfig(
        epochs=150, lr=3e-4, schedule="cosine", min_lr=1e-6, grad_clip=1.0, seed=42
    )
    run_dir = Path(run_dir)
    record_path = run_dir / REFINE_FILE
    record = {"spec": _stored_paths(spec, run_dir).to_dict(), "train": train_config.to_dict()}
    if record_path.exists():
        found, _ = read_refine_run(run_dir)
        if _resolved(found) != _resolved(spec):
            raise FileExistsError(f"{run_dir} holds another refinement run; choose another --out")
    data = refinement_data(spec)
    x, h0, y = data.train
    c_in, c_out = x.shape[1], y.shape[1]
    torch.manual_seed(train_config.seed)
    refinement = build_refinement(spec, c_in, c_out).set_scales(
        *channel_stats(x), *channel_stats(y)
    )
    if hasattr(refinement.refiner, "check_grid"):
        refinement.refiner.check_grid(tuple(x.shape[2:]))

    def standardized(part):
        xs, hs = refinement.standardize(part[0], part[1])
        ys = refinement.standardize(part[0], part[2])[1]
        return torch.cat([xs, hs], dim=1), ys

    xh, ys = standardized(data.train)
    pairs = FieldDataset(
        ArrayPairs(xh.numpy(), ys.numpy()), x.ndim - 2, data.resolution, name="refinement"
    )
    batches = MultiResolutionBatches(
        pairs, (data.resolution,), (1.0,), spec.batch_size, train_config.seed
    )

    def objective(net, xh_batch, y_batch, epoch):
        xb, hb = refinement.split(xh_batch)
        context = refinement.context(xb, hb)
        loss, _ = unrolled_loss(
            refinement.refiner,
            context,
            hb,
            y_batch,
            alpha=refinement.alpha,
            steps=spec.steps,
            spectral_weight=spec.spectral_weight,
            fixed_point_weight=fixed_point_warmup(
                epoch, spec.warmup_epochs, spec.fixed_point_weight
            ),
            truncate=spec.truncate,
            form=refinement.form,
        )
        if spec.contraction_weight > 0:
            loss = loss + spec.contraction_weight * contraction_penalty(
                refinement.refiner, context, hb, refinement.alpha, spec.q_max, form=refinement.form
            )
        return loss

    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(record_path, record)
    trainer = Trainer(
        refinement,
        _model_record(spec, c_in, c_out),
        batches.to(device),
        {str(data.resolution): standardized(data.val or data.test)},
        train_config,
        run_dir,
        device=device,
        progress=progress,
        objective=objective,
    )
    history = trainer.fit()
    return dict(history[-1]) if history else {}


def read_refine_run(run_dir: str | os.PathLike) -> tuple[RefineSpec, TrainConfig]:
    path = Path(run_dir) / REFINE_FILE
    if not path.exists():
        raise FileNotFoundError(f"{run_dir} is not a refinement run (no {REFINE_FILE})")
    try:
        record = json.loads(path.read_text())
        spec, train = RefineSpec.from_dict(record["spec"]), TrainConfig.from_dict(record["train"])
    except (KeyError, TypeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not a valid refinement record: {err}") from None
    base_run = _from_run_dir(spec.base_run, run_dir)
    data = None if spec.data is None else _from_run_dir(spec.data, run_dir)
    return replace(spec, base_run=base_run, data=data), train


def _stored_paths(spec: RefineSpec, run_dir: Path) -> RefineSpec:
    """``spec`` with the base run and data paths relative to ``run_dir``, so that the record
    holds wherever the command that reads it runs."""

    def relative(path: str) -> str:
        return os.path.relpath(Path(path).resolve(), run_dir.resolve())

    data = None if spec.data is None else relative(spec.data)
    return replace(spec, base_run=relative(spec.base_run), data=data)


def _resolved(spec: RefineSpec) -> RefineSpec:
    data = None if spec.data is None else str(Path(spec.data).resolve())
    return replace(spec, base_run=str(Path(spec.base_run).resolve()), data=data)


def _from_run_dir(path: str, run_dir: str | os.PathLike) -> str:
    """A stored path read relative to the run folder (absolute ones as they are); records
    written before paths were stored that way held them relative to the working directory."""
    if Path(path).is_absolute():
        return path
    beside = Path(run_dir) / path
    return str(beside) if beside.exists() or not Path(path).exists() else path


def load_refined_operator(run_dir: str | os.PathLike, base: torch.nn.Module) -> RefinedOperator:
    """Base + trained refinement of ``run_dir`` (standardisation restored), in eval mode."""
    spec, _ = read_refine_run(run_dir)
    state = load_checkpoint(Path(run_dir) / CHECKPOINT_FILE)
    config = state["model_config"]
    if config.get("kind") != "irno":
        raise ValueError(f"{run_dir}/{CHECKPOINT_FILE} is not a refinement checkpoint")
    c_in, c_out = config["in_channels"], config["out_channels"]
    refinement = build_refinement(spec, c_in, c_out).set_scales(
        torch.zeros(c_in), torch.ones(c_in), torch.zeros(c_out), torch.ones(c_out)
    )
    refinement.load_state_dict(state["model"])
    return RefinedOperator(base, refinement).eval()


def iterates_on(
    model: RefinedOperator, x: torch.Tensor, steps: int, device: str = "cpu"
) -> list[torch.Tensor]:
    """Iterates h_0 … h_steps on ``x`` (physical units, on the CPU), batched on ``device``,
    without gradients."""
    model = to_device(model, device)
    with torch.no_grad():
        chunks = [
            [h.cpu() for h in model.iterates(xb.to(device), steps)] for xb in x.split(32)
        ]
    return [torch.cat([c[k] for c in chunks]) for k in range(steps + 1)]


def contraction_per_step(
    model: RefinedOperator, x: torch.Tensor, iterates: list[torch.Tensor], samples: int = 4
) -> list[float]:
    """q_k = ‖∂T/∂h‖₂ at h_k (standardised units) for the first ``samples`` inputs, where
    T is the refinement map; power iteration with jvp/vjp."""
    r = model.refinement
    device = next(r.parameters()).device
    xs = x[:samples].to(device)
    h0 = r.standardize(xs, iterates[0][:samples].to(device))[1]
    out = []
    for h in iterates[:-1]:
        xz, hz = r.standardize(xs, h[:samples].to(device))
        context = r.context(xz, h0)
        out.append(contraction_factor(lambda v, c=context: r.step(c, v), hz))
    return out


def evaluate_refined(
    run_dir: str | os.PathLike,
    *,
    data: str | None = None,
    extra_steps: int | None = None,
    json_path: str | os.PathLike | None = None,
    stop_tol: float = 1e-3,
    device: str = "cpu",
) -> dict[str, Any]:
    """Errors of every iterate h_0 (the base) … h_{K+E} on the base run's test split:
    ``rel_l2`` and ``vrmse`` (per field, then averaged over fields), ``mse``; the error per
    frequency band as a ratio to the base's; the contraction factor q_k; the relative update
    ‖h_{k+1} − h_k‖/‖h_k‖ and ``stop_step``, the first step whose update is below
    ``stop_tol`` (None if none is). With a validation split, ``val_rel_l2`` per step and
    ``chosen_step``, the step of least validation error (the choice never sees the test
    set). With ``json_path``, writes the report and its plots."""
    spec, _ = read_refine_run(run_dir)
    spec = replace(spec, data=data or spec.data)
    if extra_steps is not None:
        spec = replace(spec, extra_steps=extra_steps)
    total = spec.steps + spec.extra_steps
    prepared = refinement_data(spec)
    model = load_refined_operator(run_dir, prepared.base).requires_grad_(False)
    x, _, y = prepared.test
    hs = iterates_on(model, x, total, device)
    rows = []
    for h in hs:
        rows.append(
            {
                "rel_l2": float(relative_l2_per_field(h, y).mean()),
                "vrmse": float(vrmse(h, y).mean()),
                "mse": float(torch.mean((h - y) ** 2)),
                "band_ratio": band_ratios(h, hs[0], y),
            }
        )
    updates = [
        float((b - a).norm() / a.norm().clamp_min(1e-30)) for a, b in zip(hs, hs[1:], strict=False)
    ]
    stop = next((k + 1 for k, u in enumerate(updates) if u < stop_tol), None)
    val_errors = None
    if prepared.val is not None:
        xv, _, yv = prepared.val
        val_errors = [
            float(relative_l2_per_field(h, yv).mean())
            for h in iterates_on(model, xv, total, device)
        ]
    report = {
        "run": str(run_dir),
        "steps": spec.steps,
        "total_steps": total,
        "resolution": prepared.resolution,
        "per_step": rows,
        "q": contraction_per_step(model, x, hs),
        "update_norm": updates,
        "stop_step": stop,
        "stop_tol": stop_tol,
        "val_rel_l2": val_errors,
        "chosen_step": None if val_errors is None else min(
            range(len(val_errors)), key=val_errors.__getitem__
        ),
    }
    if json_path is not None:
        path = write_json(json_path, report)
        plot_refinement(report, path.with_suffix(".png"))
    return report

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

from sciml.core.checks import check_integer, check_nonnegative, check_positive
from sciml.core.constants import CHECKPOINT_FILE
from sciml.core.files import write_json
from sciml.data.pde.dataset import ArrayPairs, FieldDataset, sample_digests
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
from sciml.training.run import (
    REFINE_FILE,
    RunSpec,
    ScoredSamples,
    check_data_fits,
    check_grid_holds,
    check_run_folder,
    choose_samples,
    data_record,
    load_run_model,
    open_run_data,
    own_samples,
    read_run,
    run_data_record,
    run_folder_lock,
    run_split,
    same_file,
    useful_modes,
)
from sciml.training.trainer import TrainConfig, Trainer, load_checkpoint


@dataclass(frozen=True)
class RefineSpec:
    """What a refinement run refines and how: K = ``steps`` unrolled steps in training, K + E
    (``extra_steps``) at evaluation; loss weights β_s = ``spectral_weight``, β_fp =
    ``fixed_point_weight`` (ramped up over ``warmup_epochs``); ``truncate`` bounds the
    backpropagation to that many steps. ``contraction_weight`` > 0 adds
    :func:`~sciml.training.irno_loss.contraction_penalty` at h_0 (pushes the local
    contraction factor below ``q_max``; measured, not guaranteed).

    Parameters
    ----------
    base_run : str
        The folder of the trained base run (:func:`~sciml.training.run.train_run`).
    data : str, optional
        A data file of the base's equation to refine on (default: the base run's data),
        split as the base run splits its data.
    steps : int, default 6
        K, unrolled refinement steps in training (>= 1).
    extra_steps : int, default 6
        E, further steps at evaluation (>= 0).
    refiner : RefinerConfig, default RefinerConfig()
        The refiner Φθ and the relaxation α.
    truncate : int, optional
        Detach the iterate every ``truncate`` steps, so that gradients run through at most
        that many (1 ≤ truncate ≤ steps); None (default) keeps the whole graph.
    spectral_weight : float, default 1.0
        β_s, weight of the spectral loss (>= 0).
    fixed_point_weight : float, default 0.01
        β_fp, weight of the fixed-point loss (>= 0).
    warmup_epochs : int, default 5
        Epochs over which β_fp ramps up (>= 0; 0: no ramp).
    batch_size : int, default 16
        Samples per training batch.
    contraction_weight : float, default 0.0
        Weight of the contraction penalty (>= 0; 0: none).
    q_max : float, default 0.9
        The contraction factor the penalty aims below (> 0).

    Raises
    ------
    ValueError
        For ``steps`` or ``truncate`` not an integer >= 1, ``truncate`` > ``steps``, a
        negative ``extra_steps``, ``warmup_epochs`` or weight, a non-positive
        ``batch_size`` or ``q_max``.

    See Also
    --------
    refine_run : Train the refinement.

    Examples
    --------
    >>> from sciml.operators.refiner import RefinerConfig
    >>> spec = RefineSpec(base_run="base", steps=2, refiner=RefinerConfig(width=4, depth=1))
    >>> spec.steps + spec.extra_steps, spec.refiner.kind
    (8, 'unet')
    >>> RefineSpec.from_dict(spec.to_dict()) == spec
    True
    >>> RefineSpec(base_run="base", steps=2, truncate=3)
    Traceback (most recent call last):
    ...
    ValueError: truncate must be at most steps (2): it bounds how many of the unrolled ...
    """

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
            if self.truncate > self.steps:
                raise ValueError(
                    f"truncate must be at most steps ({self.steps}): it bounds how many of the "
                    f"unrolled steps are backpropagated through, got {self.truncate}"
                )
        check_positive(self.batch_size, "batch_size", integer=True)
        check_nonnegative(self.spectral_weight, "spectral_weight")
        check_nonnegative(self.fixed_point_weight, "fixed_point_weight")
        check_integer(self.warmup_epochs, "warmup_epochs", minimum=0)
        check_nonnegative(self.contraction_weight, "contraction_weight")
        check_positive(self.q_max, "q_max")

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RefineSpec:
        refiner = dict(d["refiner"])
        refiner["n_modes"] = tuple(refiner["n_modes"])
        return cls(**{**d, "refiner": RefinerConfig(**refiner)})


@dataclass
class RefinementData:
    """The refinement's data (``RefineSpec.data``, by default the base run's) at the base's
    finest training resolution, split as the base run split it (by trajectory), with the
    frozen base's predictions h_0; ``val`` is None when the base run has no validation split.
    Evaluated on another file (``path``), ``test`` holds the samples ``samples`` names (those
    neither the refinement nor its base trained or validated on) and ``train`` is None.
    ``dataset`` and ``split`` are the data and its split (None for another file)."""

    base: torch.nn.Module
    resolution: int
    train: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None  # x, h0, y
    test: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None
    samples: ScoredSamples | None = None
    path: str = ""
    dataset: FieldDataset | None = None
    split: dict[str, Any] | None = None


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """model(x) in batches, without gradients."""
    model.eval()
    return torch.cat([model(chunk) for chunk in x.split(batch_size)])


def refinement_data(
    spec: RefineSpec,
    *,
    data: str | os.PathLike | None = None,
    allow_other_equation: bool = False,
    refined_run: str | os.PathLike | None = None,
) -> RefinementData:
    """The data a refinement trains on, or with ``data`` (another file) is evaluated on.

    Parameters
    ----------
    spec : RefineSpec
        The refinement: its base run and data.
    data : str or os.PathLike, optional
        Another file: only its samples that neither the refinement (recorded in
        ``refined_run``) nor its base trained or validated on are kept, as ``test``; a copy of
        the refinement's data gives its test and validation splits
        (:func:`~sciml.training.run.choose_samples`).
    allow_other_equation : bool
        Accept data of another equation (or fields) than the base run's (or, for ``data``,
        than the refinement's); channels and spatial dims must match in any case.
    refined_run : str or os.PathLike, optional
        The refinement's folder (its ``refine.json`` records the digests of its samples).

    Returns
    -------
    RefinementData

    Raises
    ------
    ValueError
        If the data does not fit the base checkpoint (channels, dims) or holds another
        equation than it was trained on (unless ``allow_other_equation``).
    """
    base_spec, base_config, _ = read_run(spec.base_run)
    own_spec = replace(base_spec, data=spec.data or base_spec.data)
    other = data is not None and not same_file(data, own_spec.data)
    data_spec = replace(own_spec, data=str(data)) if other else own_spec
    dataset = open_run_data(data_spec)
    what = f"the base checkpoint in {spec.base_run}"
    split = None
    if other:
        own_record = _refined_data_record(refined_run, own_spec)
        base_record = run_data_record(spec.base_run)
        check_data_fits(
            dataset,
            data_spec.data,
            base_config,
            own_record or base_record,
            what=what,
            allow_other_equation=allow_other_equation,
        )
        samples = choose_samples(dataset, own_spec, [own_record, base_record])
        sides = {"test": samples.test, "val": samples.val}
    else:
        on_base_data = same_file(own_spec.data, base_spec.data)
        reference = None if on_base_data else run_data_record(spec.base_run)
        check_data_fits(
            dataset,
            own_spec.data,
            base_config,
            reference,
            what=what,
            allow_other_equation=allow_other_equation,
            hint="refine on data of the base run's equation",
        )
        samples = own_samples(own_spec, dataset)
        sides = split = run_split(own_spec, dataset)
        if reference is not None:
            _check_unseen_by_base(dataset, own_spec.data, split, reference, spec.base_run)
    resolution = max(base_spec.resolutions)
    hint = "the refinement works at the finest resolution its base was trained at"
    check_grid_holds(dataset, data_spec.data, (resolution,), hint)
    view = dataset.at_resolution(resolution, base_spec.method)
    base = load_run_model(spec.base_run)
    parts: dict[str, Any] = {"train": None, "val": None}
    for side, idx in sides.items():
        if idx is not None and len(idx):
            xs, ys = view.tensors(idx)
            parts[side] = (xs, predict(base, xs), ys)
    return RefinementData(
        base,
        resolution,
        parts["train"],
        parts["test"],
        parts["val"],
        samples,
        data_spec.data,
        None if other else dataset,
        split,
    )


def _check_unseen_by_base(
    dataset: FieldDataset,
    path: str,
    split: dict[str, Any],
    base_record: dict[str, Any],
    base_run: str | os.PathLike,
) -> None:
    """``ValueError`` if the test or validation split of the refinement's data (a file other
    than its base's) holds samples its base trained or validated on: the errors of h_0 (the
    base) and of the refined iterates on them would be training errors."""
    seen = {d for side in ("train", "val") for d in base_record.get("digests", {}).get(side, [])}
    if not seen:
        return
    digests = sample_digests(dataset)
    for side in ("test", "val"):
        hits = [int(i) for i in split[side] if digests[i] in seen]
        if hits:
            raise ValueError(
                f"{len(hits)} of the {len(split[side])} {side} samples of {path} (sample "
                f"{hits[0]}{', ...' if len(hits) > 1 else ''}) are samples the base run in "
                f"{base_run} trained or validated on, so the {side} errors would be training "
                "errors: refine on data whose first samples the base never saw (e.g. generated "
                "with another --seed), or on the base run's own data"
            )


def _refined_data_record(
    refined_run: str | os.PathLike | None, own_spec: RunSpec
) -> dict[str, Any] | None:
    """The refinement's record of its data (``refine.json``'s ``data``); for refinements
    recorded before they kept one, made from its data file if that is still there."""
    if refined_run is not None:
        record = json.loads((Path(refined_run) / REFINE_FILE).read_text()).get("data")
        if record:
            return record
    if not Path(own_spec.data).is_file():
        return None
    dataset = open_run_data(own_spec)
    return data_record(dataset, run_split(own_spec, dataset))


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
        If ``run_dir`` holds another refinement run or a training run, or another process is
        writing into it.
    ValueError
        If the base run or its data cannot be read, or ``run_dir`` is the base run.

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
    ...                   refiner=RefinerConfig(kind="contractive", width=4, depth=1))
    >>> summary = refine_run(spec, "refined", TrainConfig(epochs=2), progress=False)
    >>> summary["epoch"], sorted(summary["eval"]["8"])
    (2, ['mse', 'rel_l2'])
    """
    train_config = train_config or TrainConfig(
        epochs=150, lr=3e-4, schedule="cosine", min_lr=1e-6, grad_clip=1.0, seed=42
    )
    run_dir = Path(run_dir)
    if run_dir.resolve() == Path(spec.base_run).resolve():
        raise ValueError(
            f"{run_dir} is the base run itself; the refinement needs its own folder "
            "(choose another --out)"
        )
    record = {"spec": _stored_paths(spec, run_dir).to_dict(), "train": train_config.to_dict()}
    _check_refine_folder(run_dir, spec)
    data = refinement_data(spec)
    record["data"] = data_record(data.dataset, data.split)  # to know its samples again
    modes, bound = max(spec.refiner.n_modes), useful_modes(data.resolution)
    if spec.refiner.kind == "operator" and modes > bound:
        raise ValueError(
            f"--modes {modes} exceeds {bound}, the Fourier modes per axis of the grid the "
            f"refinement works on ({data.resolution} points): use --modes {bound} or less"
        )
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

    with run_folder_lock(run_dir):  # every check passed: from here on files are written
        _check_refine_folder(run_dir, spec)
        write_json(run_dir / REFINE_FILE, record)
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


def _check_refine_folder(run_dir: Path, spec: RefineSpec) -> None:
    """``FileExistsError`` if ``run_dir`` holds a training run or another refinement."""
    check_run_folder(run_dir, REFINE_FILE)
    if (run_dir / REFINE_FILE).exists():
        found, _ = read_refine_run(run_dir)
        if _resolved(found) != _resolved(spec):
            raise FileExistsError(f"{run_dir} holds another refinement run; choose another --out")


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
    allow_other_equation: bool = False,
) -> dict[str, Any]:
    """Errors of every iterate h_0 (the base) … h_{K+E} on the base run's test split (with
    ``data``, another file: on its samples that neither the refinement nor its base trained
    or validated on, see :func:`refinement_data`; ``allow_other_equation`` scores a file of
    another equation):
    ``rel_l2`` and ``vrmse`` (per field, then averaged over fields), ``mse``; the error per
    frequency band as a ratio to the base's; the contraction factor q_k; the relative update
    ‖h_{k+1} − h_k‖/‖h_k‖ and ``stop_step``, the first step whose update is below
    ``stop_tol`` (None if none is). With a validation split, ``val_rel_l2`` per step and
    ``chosen_step``, the step of least validation error (the choice never sees the test
    set). The report says which samples were scored (``samples``, ``n_samples``,
    ``sample_indices``, ``excluded``, ``of``, ``scored``; see
    :meth:`~sciml.training.run.ScoredSamples.report`). With ``json_path``, writes the report
    and its plots.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The refinement run's folder (:func:`refine_run`).
    data : str, optional
        Another data file to score (default: the base run's test split of the refinement's
        data).
    extra_steps : int, optional
        E, steps beyond the K trained ones (default: the run's).
    json_path : str or os.PathLike, optional
        Write the report there, and its plots beside it as PNG.
    stop_tol : float, default 1e-3
        Relative update below which iterating would stop (``stop_step``).
    device : str, default "cpu"
        Torch device.
    allow_other_equation : bool, default False
        Score ``data`` of another equation or other fields (channels and spatial dims must
        still match).

    Returns
    -------
    dict
        ``per_step`` (for h_0 … h_{K+E}: ``rel_l2``, ``vrmse``, ``mse``, ``band_ratio``),
        ``q``, ``update_norm``, ``stop_step``, ``val_rel_l2``, ``chosen_step``, ``steps``,
        ``total_steps``, ``resolution``, ``data`` and the scored samples.

    Raises
    ------
    FileNotFoundError
        If ``run_dir`` is not a refinement run (no ``refine.json``).
    ValueError
        If its record or checkpoint is not a refinement's, or ``data`` does not fit the
        base model (channels, dims), holds another equation (unless
        ``allow_other_equation``), or holds only samples the run or its base trained or
        validated on.

    See Also
    --------
    sciml.training.run.evaluate_run : The same for a training run.

    Examples
    --------
    A base run and a refinement trained for one epoch each (see :func:`refine_run`); the
    contractive refiner keeps q below 1 − α(1 − L) = 0.9:

    >>> from sciml.data.pde.store import generate_dataset
    >>> from sciml.operators import OperatorConfig
    >>> from sciml.operators.refiner import RefinerConfig
    >>> from sciml.training.run import RunSpec, train_run
    >>> _ = generate_dataset("darcy", "darcy.h5", n=4, resolution=8, progress=False)
    >>> _ = train_run(RunSpec(data="darcy.h5", resolutions=(8,), test_fraction=0.25,
    ...                       batch_size=4), "base", train_config=TrainConfig(epochs=1),
    ...               model_config=OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4,
    ...                                           n_layers=1), progress=False)
    >>> spec = RefineSpec(base_run="base", steps=1, extra_steps=1, batch_size=4,
    ...                   refiner=RefinerConfig(kind="contractive", width=4, depth=1))
    >>> _ = refine_run(spec, "refined", TrainConfig(epochs=1), progress=False)
    >>> report = evaluate_refined("refined")
    >>> report["total_steps"], len(report["per_step"]), sorted(report["per_step"][0])
    (2, 3, ['band_ratio', 'mse', 'rel_l2', 'vrmse'])
    >>> len(report["q"]), all(q <= 0.9 for q in report["q"])
    (2, True)
    >>> report["scored"]
    "scored 1 of 4 samples of darcy.h5: the run's test split (the other 3 are its ..."
    """
    spec, _ = read_refine_run(run_dir)
    if extra_steps is not None:
        spec = replace(spec, extra_steps=extra_steps)
    total = spec.steps + spec.extra_steps
    prepared = refinement_data(
        spec,
        data=data,
        allow_other_equation=allow_other_equation or data is None,  # trained on its own
        refined_run=run_dir,
    )
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
        "data": prepared.path,
        **prepared.samples.report(prepared.path),
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

"""Iterative refinement (IRNO, Liu et al.) on next-step prediction of Kolmogorov flow.

Protocol (the same in every mode):

- Trajectories are split into disjoint train / validation / test sets (the JSON lists the
  trajectory indices of each side). Every choice (the base's stopping epoch, the reported
  "best step") is made on validation; the test set is evaluated once, at the end.
- The base FNO keeps few Fourier modes for its grid (the anchor's spectral bias; the JSON
  says how many of how many) and is trained in chunks until its validation error plateaus
  (less than ``plateau`` relative improvement over a chunk); its validation curve is kept.
- The refiner is trained on the frozen base with the unrolled K-step loss; test error,
  band ratios and the contraction factor q are reported at every step out to 2K.
- Three controls, each measured the same way (test relative L2, forward FLOPs with FFTs
  counted, inference seconds per sample):
  ``base_longer``: the base trained on for the refiner's wall time with a fresh schedule
  (cosine from the base's initial rate); ``wide_single_pass``: a wider FNO whose forward
  FLOPs match base + K refinement steps, trained like the base (to plateau);
  ``single_pass``: the same refiner U-Net used once, h = T_base(x) + Φ([x, T_base(x)]),
  trained with the same loss for the refiner's training time (the epochs that fit, timed on
  a one-epoch probe).

Modes: ``--quick`` (≤ 15 min on 2 CPU cores), standard (no flag, ≤ 45 min on 2 cores),
``--gpu`` (sized for ≤ 6 min on one H200: base ≤ 30 epochs, refiner 10, the wide control
≤ 15; data generated on the GPU). ``SCIML_IRNO_SMOKE=1`` shrinks any
mode to a seconds-long smoke test (``--gpu`` then also runs on a CPU).
"""

from __future__ import annotations

import math
import os
import shutil
import statistics
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from sciml.data.pde.store import generate_dataset
from sciml.operators.models import to_device
from sciml.operators.refiner import RefinerConfig
from sciml.training.losses import relative_l2_per_field
from sciml.training.refinement import (
    RefineSpec,
    evaluate_refined,
    load_refined_operator,
    refine_run,
)
from sciml.training.run import (
    RunSpec,
    build_model,
    default_operator_config,
    load_run_model,
    make_batches,
    open_run_data,
    read_run,
    run_split,
    sample_groups,
    target_scale,
    train_run,
)
from sciml.training.trainer import TrainConfig, Trainer

KOLMOGOROV = {"frame_dt": 0.25, "nu": 0.01}
SETTINGS: dict[str, dict[str, Any]] = {
    "quick": {
        "problem": {"native": 64, "resolution": 32, "n": 14, "params": KOLMOGOROV},
        "split": {"test_fraction": 0.15, "val_fraction": 0.15},
        "base": {
            "width": 32,
            "modes": 4,
            "batch_size": 16,
            "lr": 1e-3,
            "step_size": 10,
            "chunk": 10,
            "max_epochs": 60,
            "plateau": 0.02,
        },
        "refine": {
            "kind": "contractive",
            "alpha": 0.6,
            "lipschitz": 0.5,
            "steps": 6,
            "width": 16,
            "depth": 3,
            "output_gain": 0.01,
            "lr": 1e-3,  # irno-experiments.json: 24 epochs at 1e-3 reach 0.138 (val), at 3e-3 0.209
            "epochs": 48,
            "batch_size": 8,
            "contraction_weight": 0.0,
        },
    },
    "gpu": {
        "problem": {
            "native": 256,
            "resolution": 128,
            "n": 24,
            "params": KOLMOGOROV,
            "batch_size": 24,  # one solver batch on the GPU
        },
        "split": {"test_fraction": 0.125, "val_fraction": 0.125},
        "base": {
            "width": 32,
            "modes": 16,
            "batch_size": 16,
            "lr": 1e-3,
            "step_size": 10,
            "chunk": 10,
            "max_epochs": 30,
            "control_max_epochs": 15,
            "plateau": 0.01,
        },
        "refine": {
            "kind": "contractive",
            "alpha": 0.6,
            "lipschitz": 0.5,
            "steps": 6,
            "width": 16,
            "depth": 4,
            "output_gain": 0.01,
            "lr": 1e-3,
            "epochs": 10,
            "batch_size": 16,
            "contraction_weight": 0.0,
        },
    },
}
def _overridden(settings: dict[str, dict[str, Any]], **changes: dict[str, Any]) -> dict:
    """``settings`` with the entries of each section in ``changes`` replaced."""
    return {part: {**values, **changes.get(part, {})} for part, values in settings.items()}


# --standard: the quick problem with more trajectories and a base trained to a tighter plateau.
SETTINGS["standard"] = _overridden(
    SETTINGS["quick"],
    problem={"n": 24},
    split={"test_fraction": 0.125, "val_fraction": 0.125},
    base={"max_epochs": 80, "plateau": 0.01},
)

SMOKE = {
    "problem": {
        "native": 32,
        "resolution": 16,
        "n": 5,
        "batch_size": 5,
        "params": {**KOLMOGOROV, "n_times": 6, "t_burn": 1.0},
    },
    "split": {"test_fraction": 0.2, "val_fraction": 0.2},
    "base": {"width": 8, "modes": 4, "chunk": 1, "max_epochs": 2},
    "refine": {"width": 4, "depth": 2, "epochs": 1, "steps": 2, "batch_size": 4},
}
WORK_DIR = Path(os.environ.get("SCIML_BENCH_DIR", ".sciml-bench"))


# --------------------------------------------------------------------------- cost


def _fft_flops(real_shape, dims, complex_input: bool) -> int:
    """2.5·N·log2 N real FLOPs per real transform of N points (5·N·log2 N per complex one),
    times the number of transforms (batch × channels)."""
    n = math.prod(real_shape[d] for d in dims)
    transforms = math.prod(real_shape) // n
    per = (5.0 if complex_input else 2.5) * n * math.log2(n) if n > 1 else 0.0
    return int(per * transforms)


def _r2c(x_shape, dim, *args, out_shape=None, **kwargs) -> int:
    return _fft_flops(x_shape, dim, False)


def _c2r(x_shape, dim, *args, out_shape=None, **kwargs) -> int:
    return _fft_flops(out_shape, dim, False)


def _c2c(x_shape, dim, *args, out_shape=None, **kwargs) -> int:
    return _fft_flops(x_shape, dim, True)


FFT_FLOPS = {
    torch.ops.aten._fft_r2c: _r2c,
    torch.ops.aten._fft_c2r: _c2r,
    torch.ops.aten._fft_c2c: _c2c,
}


def forward_flops(model, x: torch.Tensor) -> int:
    """FLOPs of one forward pass on ``x``: torch's flop counter, with FFTs counted."""
    counter = FlopCounterMode(display=False, custom_mapping=FFT_FLOPS)
    with counter, torch.no_grad():
        model(x)
    return int(counter.get_total_flops())


def matched_width(config, x: torch.Tensor, budget: int, widths=range(16, 257, 8)) -> int:
    """The FNO width whose forward FLOPs on ``x`` come closest to ``budget`` (in log)."""
    costs = {w: forward_flops(build_model(replace(config, hidden_channels=w)), x) for w in widths}
    return min(costs, key=lambda w: abs(math.log(costs[w] / budget)))


def seconds_per_sample(model, x: torch.Tensor, device: str, repeats: int = 5) -> float:
    """Median wall time of a forward pass on the batch ``x``, divided by its size."""
    model = to_device(model, device).eval()
    x = x.to(device)
    times = []
    with torch.no_grad():
        for _ in range(repeats + 1):
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            tic = time.perf_counter()
            model(x)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - tic)
    return statistics.median(times[1:]) / len(x)


class _Iterated(torch.nn.Module):
    """Base + refinement to step ``steps`` as one module (for FLOPs and timing)."""

    def __init__(self, refined, steps: int):
        super().__init__()
        self.refined, self.steps = refined, steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.refined.iterates(x, self.steps)[-1]


# --------------------------------------------------------------------------- training


def _val_curve(run_dir: Path, key: str) -> list[float]:
    import json

    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    return [json.loads(s)["eval"][key]["rel_l2"] for s in lines if "eval" in json.loads(s)]


def training_seconds(run_dir: Path) -> float:
    """Seconds spent in a run's epochs (training and validation), from its metrics."""
    import json

    records = [json.loads(s) for s in (run_dir / "metrics.jsonl").read_text().splitlines()]
    return sum(r.get("seconds", 0.0) + r.get("eval_seconds", 0.0) for r in records)


def train_to_plateau(
    spec: RunSpec, run_dir: Path, config, b: dict[str, Any], device: str, progress: bool
) -> dict[str, Any]:
    """Train in chunks of ``b["chunk"]`` epochs (resuming) until the validation rel. L2
    improves by less than ``b["plateau"]`` (relative) over a chunk, or ``max_epochs``."""
    key = str(spec.resolutions[0])
    tic, epochs, best = time.perf_counter(), 0, math.inf
    while epochs < b["max_epochs"]:
        epochs = min(epochs + b["chunk"], b["max_epochs"])
        train = TrainConfig(
            epochs=epochs, lr=b["lr"], step_size=b["step_size"], eval_every=1, seed=0
        )
        train_run(spec, run_dir, model_config=config, train_config=train, device=device,
                  progress=progress)
        current = _val_curve(run_dir, key)[-1]
        if current > best * (1 - b["plateau"]):
            break
        best = min(best, current)
    return {
        "epochs": epochs,
        "seconds": time.perf_counter() - tic,
        "val_curve": _val_curve(run_dir, key),
        "stopped": "plateau" if epochs < b["max_epochs"] else "max_epochs",
    }


def train_on(
    spec: RunSpec, base_dir: Path, out: Path, epochs: int, lr: float, device: str, progress: bool
) -> dict[str, Any]:
    """The base's weights trained ``epochs`` more with a fresh optimiser and a cosine
    schedule from ``lr`` (a warm restart), tracked on validation."""
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(base_dir / "run.json", out / "run.json")
    dataset = open_run_data(spec)
    split = run_split(spec, dataset)
    model = load_run_model(base_dir).train()
    train = TrainConfig(epochs=epochs, lr=lr, schedule="cosine", min_lr=lr / 100, seed=1)
    batches = make_batches(spec, dataset, split["train"], train.seed, epochs)
    res = spec.resolutions[0]
    val = {str(res): dataset.at_resolution(res, spec.method).tensors(split["val"])}
    _, config, _ = read_run(base_dir)
    tic = time.perf_counter()
    trainer = Trainer(model, config.to_dict(), batches.to(device), val, train, out, device=device,
                      progress=progress, loss_scale=target_scale(model))
    history = trainer.fit()
    return {
        "epochs": epochs,
        "seconds": time.perf_counter() - tic,
        "final_val_rel_l2": history[-1]["eval"][str(res)]["rel_l2"],
        "schedule": f"fresh cosine from lr {lr:g} to {lr / 100:g}",
    }


def _refine_spec(base_dir: Path, r: dict[str, Any], kind: str | None = None, steps=None):
    kind = kind or r["kind"]
    steps = steps or r["steps"]
    refiner = RefinerConfig(
        kind=kind,
        alpha=r["alpha"] if kind == "contractive" else r.get("residual_alpha", 0.2),
        width=r["width"],
        depth=r["depth"],
        output_gain=r["output_gain"],
        lipschitz=r["lipschitz"],
    )
    return RefineSpec(
        base_run=str(base_dir),
        steps=steps,
        extra_steps=steps if steps > 1 else 0,
        refiner=refiner,
        batch_size=r["batch_size"],
        contraction_weight=r["contraction_weight"],
        spectral_weight=r.get("spectral_weight", 1.0),
    )


def _refine_train(r: dict[str, Any], epochs: int | None = None) -> TrainConfig:
    return TrainConfig(
        epochs=epochs or r["epochs"],
        lr=r["lr"],
        schedule="cosine",
        min_lr=r["lr"] / 30,
        grad_clip=1.0,
        seed=42,
    )


# --------------------------------------------------------------------------- one problem


def settings_for(mode: str) -> dict[str, Any]:
    settings = {k: dict(v) for k, v in SETTINGS[mode].items()}
    if os.environ.get("SCIML_IRNO_SMOKE"):
        for part, values in SMOKE.items():
            settings[part] = {**settings[part], **values}
    return settings


class _StageLog:
    """Each finished stage's seconds and figures, rewritten to ``path`` as it lands, so a run
    killed at a time limit still says how far it got and what it measured."""

    def __init__(self, path: Path):
        self.path, self.stages, self.tic = path, {}, time.perf_counter()

    def __call__(self, stage: str, **figures: Any) -> None:
        import json

        now = time.perf_counter()
        self.stages[stage] = {"seconds": now - self.tic, **figures}
        self.tic = now
        self.path.write_text(json.dumps(self.stages, indent=1, default=float))
        print(f"[irno] {stage}: {self.stages[stage]['seconds']:.1f} s", flush=True)


def run_problem(
    settings: dict[str, Any], out: Path, device: str, progress: bool
) -> dict[str, Any]:
    p, b, r = settings["problem"], settings["base"], settings["refine"]
    out.mkdir(parents=True, exist_ok=True)
    stage = _StageLog(out / "stages.json")
    data = out / f"kolmogorov-{p['native']}-{p['n']}.h5"
    tic = time.perf_counter()
    generate_dataset("kolmogorov", data, n=p["n"], resolution=p["native"], seed=0,
                     params=p["params"], progress=progress, device=device,
                     batch_size=p.get("batch_size"))
    data_seconds = time.perf_counter() - tic
    stage("data")
    res = p["resolution"]
    spec = RunSpec(data=str(data), resolutions=(res,), method="spectral",
                   batch_size=b["batch_size"], **settings["split"])
    dataset = open_run_data(spec)
    split = run_split(spec, dataset)
    groups = sample_groups(dataset)
    trajectories = {side: sorted(set(groups[idx].tolist())) for side, idx in split.items()}
    config = default_operator_config(dataset, (res,), modes=b["modes"], hidden_channels=b["width"])
    view = dataset.at_resolution(res, "spectral")
    x_test, y_test = view.tensors(split["test"])
    x_one = x_test[:1]

    base = train_to_plateau(spec, out / "base", config, b, device, progress)
    seconds_per_epoch = base["seconds"] / base["epochs"]
    stage("base", epochs=base["epochs"], val_curve=base["val_curve"])

    refine_spec = _refine_spec(out / "base", r)
    tic = time.perf_counter()
    refine_run(refine_spec, out / "irno", _refine_train(r), device=device, progress=progress)
    refine_seconds = time.perf_counter() - tic
    report = evaluate_refined(out / "irno", json_path=out / "irno" / "eval.json", device=device)
    k = r["steps"]
    stage("refiner", per_step=report["per_step"], q=report["q"])

    # control: the same refiner U-Net used once, same loss, as many epochs as fit in the
    # refiner's training time (an epoch's time measured on a one-epoch probe)
    single_spec = _refine_spec(out / "base", r, kind="unet", steps=1)
    refine_run(single_spec, out / "single-probe", _refine_train(r, 1), device=device,
               progress=False)
    single_epochs = max(
        r["epochs"], round(training_seconds(out / "irno") / training_seconds(out / "single-probe"))
    )
    tic = time.perf_counter()
    single_train = _refine_train(r, single_epochs)
    refine_run(single_spec, out / "single", single_train, device=device, progress=progress)
    single_seconds = time.perf_counter() - tic
    single = evaluate_refined(out / "single", device=device)
    stage("single_pass", epochs=single_epochs, rel_l2=single["per_step"][1]["rel_l2"])

    # control: the base trained on for the refiner's wall time, fresh schedule
    extra_epochs = max(1, round(refine_seconds / seconds_per_epoch))
    longer = train_on(
        spec, out / "base", out / "base-longer", extra_epochs, b["lr"], device, progress
    )
    stage("base_longer", epochs=extra_epochs, final_val_rel_l2=longer["final_val_rel_l2"])

    # control: a wider single-pass FNO with the FLOPs of base + K refinement steps
    base_model = load_run_model(out / "base")
    refined = load_refined_operator(out / "irno", base_model)
    single_model = load_refined_operator(out / "single", base_model)
    budget = forward_flops(_Iterated(refined, k), x_one)
    wide_config = replace(config, hidden_channels=matched_width(config, x_one, budget))
    wide_b = {**b, "max_epochs": b.get("control_max_epochs", b["max_epochs"])}
    wide = train_to_plateau(spec, out / "wide", wide_config, wide_b, device, progress)
    stage("wide", width=wide_config.hidden_channels, epochs=wide["epochs"])

    def test_error(model) -> float:
        with torch.no_grad():
            pred = torch.cat([to_device(model, "cpu").eval()(xb) for xb in x_test.split(32)])
        return float(relative_l2_per_field(pred, y_test).mean())

    timing_x = x_test[: min(len(x_test), 16)]

    def cost(model) -> dict[str, float]:
        return {
            "flops": forward_flops(to_device(model, "cpu"), x_one),
            "seconds_per_sample": seconds_per_sample(model, timing_x, device),
        }

    steps = report["per_step"]
    base_error = steps[0]["rel_l2"]
    chosen = report["chosen_step"]
    longer_model = load_run_model(out / "base-longer")
    wide_model = load_run_model(out / "wide")
    return {
        "equation": "kolmogorov",
        "resolution": res,
        "pairs": len(dataset),
        "trajectories": trajectories,
        "data_seconds": data_seconds,
        "base": {
            **base,
            "modes": b["modes"],
            "modes_allowed": res // 2,
            "test_rel_l2": base_error,
            **cost(base_model),
        },
        "base_rel_l2": base_error,
        "irno_rel_l2": [row["rel_l2"] for row in steps[1:]],
        "irno_val_rel_l2": report["val_rel_l2"],
        "chosen_step": chosen,
        "chosen_step_test_rel_l2": steps[chosen]["rel_l2"],
        "irno_vrmse": [row["vrmse"] for row in steps],
        "reduction": 1.0 - steps[k]["rel_l2"] / base_error,
        "band_ratio": steps[k]["band_ratio"],
        "band_ratio_per_step": [row["band_ratio"] for row in steps],
        "q": report["q"],
        "q_bound": refine_spec.refiner.contraction_bound(),
        "update_norm": report["update_norm"],
        "irno_cost_at_k": cost(_Iterated(refined, k)),
        "refine_seconds": refine_seconds,
        "refine_training_seconds": training_seconds(out / "irno"),
        "controls": {
            "base_longer": {**longer, "rel_l2": test_error(longer_model), **cost(longer_model)},
            "wide_single_pass": {
                **wide,
                "rel_l2": test_error(wide_model),
                "hidden_channels": wide_config.hidden_channels,
                "flops_budget": budget,
                **cost(wide_model),
            },
            "single_pass": {
                "rel_l2": single["per_step"][1]["rel_l2"],
                "epochs": single_epochs,
                "seconds": single_seconds,
                "training_seconds": training_seconds(out / "single"),
                **cost(_Iterated(single_model, 1)),
            },
        },
    }


def targets(result: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets on the test trajectories."""
    errors = result["irno_rel_l2"]
    k = len(errors) // 2
    at_k = errors[k - 1]
    controls = result["controls"]
    high = result["band_ratio"]["high"]
    return {
        "reduction": result["reduction"],
        "reduction_ge_0.45": result["reduction"] >= 0.45,
        "reduction_ge_0.25": result["reduction"] >= 0.25,
        "band_ratio_high": high,
        "band_ratio_high_le_0.30": high <= 0.30,
        "flat_k_to_2k": all(e <= at_k * 1.005 for e in errors[k - 1 :]),
        "q_below_1": all(q < 1 for q in result["q"]),
        **{f"beats_{name}": at_k < c["rel_l2"] for name, c in controls.items()},
    }


def run(
    quick: bool = False, progress: bool = True, standard: bool = False, gpu: bool = False
) -> dict[str, Any]:
    mode = "gpu" if gpu else "quick" if quick else "standard"
    device = "cpu"
    if gpu:
        if torch.cuda.is_available():
            device = "cuda"
        elif not os.environ.get("SCIML_IRNO_SMOKE"):
            raise ValueError("--gpu needs a CUDA device (SCIML_IRNO_SMOKE=1 runs it on the CPU)")
    start = time.perf_counter()
    settings = settings_for(mode)
    out = WORK_DIR / f"irno-{mode}-{time.strftime('%Y%m%d-%H%M%S')}"
    result = run_problem(settings, out, device, progress)
    return {
        "mode": mode,
        "smoke": bool(os.environ.get("SCIML_IRNO_SMOKE")),
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "torch": torch.__version__,
        "settings": settings,
        "problems": {"kolmogorov": result},
        "targets": {"kolmogorov": targets(result)},
        "seconds": time.perf_counter() - start,
    }


def plot(results: dict[str, Any], path) -> None:
    """Error per step (with the controls as horizontal lines) and band ratios per step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sciml.diagnostics.plots import save_figure

    problems = results["problems"]
    fig, axes = plt.subplots(len(problems), 2, figsize=(11, 3.8 * len(problems)), squeeze=False)
    for row, (name, result) in zip(axes, problems.items(), strict=True):
        errors = [result["base_rel_l2"], *result["irno_rel_l2"]]
        row[0].plot(range(len(errors)), errors, marker="o", label="IRNO (step 0 = base)")
        colors = ("C1", "C2", "C3")
        for color, (label, control) in zip(colors, result["controls"].items(), strict=True):
            row[0].axhline(
                control["rel_l2"], color=color, ls="--", lw=1, label=label.replace("_", " ")
            )
        row[0].set_ylabel(f"{name}: test relative L2")
        for band in ("low", "mid", "high"):
            ratios = [step[band] for step in result["band_ratio_per_step"]]
            row[1].plot(range(len(ratios)), ratios, marker="o", label=band)
        row[1].set_yscale("log")
        row[1].set_ylabel("band error / base's")
        k = len(result["irno_rel_l2"]) // 2
        for ax in row:
            ax.axvline(k, color="grey", ls=":", lw=0.8)
            ax.set_xlabel("refinement step")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)

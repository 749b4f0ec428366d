"""Multi-resolution training benchmark (Sakarvadia et al., "The False Promise of Zero-Shot
Super-Resolution in Machine-Learned Operators").

Darcy data generated at the finest grid and viewed (strided) at four resolutions, each a
factor 2 apart. FNOs (hidden 32, n_modes = finest/2, as in the anchor) are trained on the same
training split by: one resolution only (``single-R``), the uniform mix, 70% of the samples at
the lowest resolution and 10% at each other (``mix-70-lowest``), and neuraloperator's
coarse-to-fine curriculum (``incremental``). Every model is tested at every resolution.
Figures per run: MSE and relative L2 per test resolution, ``swing`` = max/min MSE, and cost =
average grid points per training sample. The trainer's throughput is compared with
neuraloperator's own ``Trainer`` on the same model and data in the same run.

``--quick`` (2 CPU cores, under 10 minutes): data at 64² viewed with the anchor's strides
1, 2, 4, 8 (64…8), n_modes 16 = finest/4, more samples for fewer epochs (1200 samples,
5 epochs, StepLR(2, ½)). Full (a GPU): data at 128² viewed at 16…128,
n_modes 64, 1100 samples, 150 epochs, StepLR(15, ½), batch 32.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.neuralop_baseline import neuralop_trainer_throughput
from sciml.data.pde.store import generate_dataset
from sciml.training.run import (
    RunSpec,
    build_model,
    default_operator_config,
    make_batches,
    open_run_data,
    split_indices,
    target_scale,
    train_run,
)
from sciml.training.trainer import TrainConfig, Trainer

SETTINGS = {  # per mode: the problems (data at `native`, strided views) and optimisation
    True: {
        "problems": {
            "darcy": {"native": 64, "resolutions": (8, 16, 32, 64), "modes": 16, "n": 1200},
        },
        "epochs": 5,
        "step_size": 2,
        "batch_size": 16,
    },
    False: {
        "problems": {
            "darcy": {"native": 128, "resolutions": (16, 32, 64, 128), "modes": 64, "n": 1100},
            "burgers": {
                "native": 1024,
                "resolutions": (128, 256, 512, 1024),
                "modes": 512,
                "n": 110,
            },
            "navier-stokes": {
                "native": 256,
                "resolutions": (32, 64, 128, 256),
                "modes": 128,
                "n": 220,
            },
        },
        "epochs": 150,
        "step_size": 15,
        "batch_size": 32,
    },
}
THROUGHPUT = {"samples": 320, "epochs": 2, "repeats": 3}
WORK_DIR = Path(os.environ.get("SCIML_BENCH_DIR", ".sciml-bench"))


def _runs(resolutions: tuple[int, ...]) -> dict[str, dict[str, Any]]:
    runs = {f"single-{r}": {"resolutions": (r,), "mix": (1.0,)} for r in resolutions}
    k = len(resolutions)
    runs["mix-uniform"] = {"resolutions": resolutions, "mix": (1.0 / k,) * k}
    runs["mix-70-lowest"] = {
        "resolutions": resolutions,
        "mix": (0.7,) + (0.3 / (k - 1),) * (k - 1),
    }
    runs["incremental"] = {"resolutions": resolutions, "curriculum": "incremental"}
    return runs


def _our_throughput(model, config, spec, dataset, train_idx, epochs: int) -> float:
    """Samples/s of our Trainer's training epochs (run directory set-up not timed)."""
    trainer = Trainer(
        model,
        config.to_dict(),
        make_batches(spec, dataset, train_idx, 1, epochs),
        {},
        TrainConfig(epochs=epochs, eval_every=epochs, seed=1),
        WORK_DIR / f"throughput-{time.time_ns()}",
        progress=False,
        loss_scale=target_scale(model),
    )
    history = trainer.fit()
    return sum(h["samples_per_s"] * h["seconds"] for h in history) / sum(
        h["seconds"] for h in history
    )


def trainer_throughput(
    data: str, native: int, modes: int, batch_size: int, resolution: int
) -> dict[str, Any]:
    """Samples/s of our Trainer and of neuraloperator's Trainer on the same FNO, samples and
    batch size, taken in turns (ours, theirs, ours, …) and summarised by the median of each,
    so that warm-up and machine noise fall on both alike."""
    spec = RunSpec(data=data, resolutions=(resolution,), batch_size=batch_size)
    dataset = open_run_data(spec)
    train_idx, _ = split_indices(len(dataset), spec.test_fraction)
    train_idx = train_idx[: THROUGHPUT["samples"]]
    x, y = dataset.at_resolution(resolution).tensors(train_idx)
    config = default_operator_config(dataset, (native,), modes=modes)
    epochs = THROUGHPUT["epochs"]
    ours, theirs = [], []
    for _ in range(THROUGHPUT["repeats"]):
        model = build_model(config).fit(x, y)
        ours.append(_our_throughput(model, config, spec, dataset, train_idx, epochs))
        reference = build_model(config).fit(x, y)
        theirs.append(
            neuralop_trainer_throughput(
                reference, x, y, batch_size=batch_size, epochs=epochs, lr=1e-3
            )["samples_per_s"]
        )
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    return {
        "resolution": resolution,
        "samples": len(train_idx),
        "epochs": epochs,
        "sciml_samples_per_s": ours_median,
        "neuralop_samples_per_s": theirs_median,
        "sciml_each": ours,
        "neuralop_each": theirs,
        "ratio": ours_median / theirs_median,
    }


def run_problem(
    equation: str,
    problem: dict[str, Any],
    train: TrainConfig,
    batch_size: int,
    out: Path,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate (or reuse) the data of one problem and train every protocol of :func:`_runs`
    on it; returns the data description, the model config and one record per run."""
    native, resolutions = problem["native"], tuple(problem["resolutions"])
    data = out / f"{equation}-{native}-{problem['n']}.h5"
    generate_dataset(
        equation,
        data,
        n=problem["n"],
        resolution=native,
        seed=0,
        params=problem.get("params"),
        progress=progress,
    )
    dataset = open_run_data(RunSpec(data=str(data), resolutions=resolutions))
    config = default_operator_config(dataset, (native,), modes=problem["modes"])
    records = []
    for name, options in _runs(resolutions).items():
        spec = RunSpec(data=str(data), batch_size=batch_size, **options)
        start = time.perf_counter()
        summary = train_run(
            spec,
            out / f"runs-{equation}" / name,
            model_config=config,
            train_config=train,
            eval_resolutions=resolutions,
            progress=progress,
        )
        errors = summary["eval"]
        mse = {r: errors[r]["mse"] for r in errors}
        records.append(
            {
                "equation": equation,
                "train": name,
                "mix": list(options.get("mix", [])),
                "cost_points_per_sample": summary["cost_points_per_sample"],
                "cost_fraction_of_highest": summary["cost_points_per_sample"]
                / native ** len(config.n_modes),
                "mse": mse,
                "rel_l2": {r: errors[r]["rel_l2"] for r in errors},
                "swing": max(mse.values()) / min(mse.values()),
                "train_seconds": time.perf_counter() - start,
            }
        )
    description = {
        "equation": equation,
        "native": native,
        "samples": len(dataset),
        "resolutions": list(resolutions),
        "view": "stride",
        "model": config.to_dict(),
    }
    return {"data": description, "runs": records, "path": str(data)}


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    bench_start = time.perf_counter()
    settings = SETTINGS[quick]
    train = TrainConfig(
        epochs=settings["epochs"], step_size=settings["step_size"], eval_every=settings["epochs"]
    )
    out = WORK_DIR / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    problems, runs, goals = [], [], {}
    for equation, problem in settings["problems"].items():
        result = run_problem(equation, problem, train, settings["batch_size"], out, progress)
        problems.append(result["data"])
        runs += result["runs"]
        goals[equation] = targets(result["runs"], problem["resolutions"])
    darcy = settings["problems"]["darcy"]
    throughput = trainer_throughput(
        str(out / f"darcy-{darcy['native']}-{darcy['n']}.h5"),
        darcy["native"],
        darcy["modes"],
        settings["batch_size"],
        darcy["resolutions"][-2],
    )
    goals["throughput_ratio"] = throughput["ratio"]
    goals["throughput_ratio_ge_1"] = throughput["ratio"] >= 1.0
    return {
        "quick": quick,
        "problems": problems,
        "train": train.to_dict(),
        "batch_size": settings["batch_size"],
        "runs": runs,
        "throughput": throughput,
        "targets": goals,
        "seconds": time.perf_counter() - bench_start,
    }


def targets(results: list[dict[str, Any]], resolutions: tuple[int, ...]) -> dict[str, Any]:
    """The issue's targets for one problem, from its runs (MSE per test resolution)."""
    by_name = {r["train"]: r for r in results}
    keys = [str(r) for r in resolutions]
    singles = [by_name[f"single-{r}"] for r in resolutions]
    best_single = {k: min(s["mse"][k] for s in singles) for k in keys}
    uniform, low = by_name["mix-uniform"], by_name["mix-70-lowest"]
    worst_ratio = max(uniform["mse"][k] / best_single[k] for k in keys)
    return {
        "single_lowest_swing": singles[0]["swing"],
        "single_lowest_swing_ge_3": singles[0]["swing"] >= 3,
        "uniform_swing": uniform["swing"],
        "uniform_swing_le_1.3": uniform["swing"] <= 1.3,
        "uniform_worst_mse_over_best_single": worst_ratio,
        "uniform_within_1.15_of_best_single": worst_ratio <= 1.15,
        "mix_70_lowest_swing": low["swing"],
        "mix_70_lowest_cost_fraction": low["cost_fraction_of_highest"],
        "mix_70_lowest_ok": low["swing"] <= 1.3 and low["cost_fraction_of_highest"] <= 0.15,
    }


def plot(results: dict[str, Any], path) -> None:
    """MSE against test resolution, one line per run: ``path`` for Darcy, ``path`` with the
    equation's name appended for the others."""
    from sciml.diagnostics.resolution import plot_error_vs_resolution

    path = Path(path)
    for problem in results["problems"]:
        equation = problem["equation"]
        curves = {
            r["train"]: {int(k): {"mse": v} for k, v in r["mse"].items()}
            for r in results["runs"]
            if r["equation"] == equation
        }
        target = path if equation == "darcy" else path.with_stem(f"{path.stem}-{equation}")
        plot_error_vs_resolution(curves, target, key="mse")

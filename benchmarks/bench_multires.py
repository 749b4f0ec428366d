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

``--quick``: data at 64² (views 8…64), 20 epochs, CPU-sized. Full: data at 128² (views
16…128), 150 epochs, StepLR(15, ½), for a GPU.
"""

from __future__ import annotations

import os
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

SETTINGS = {
    True: {"native": 64, "n": 560, "epochs": 20, "step_size": 7, "batch_size": 16},
    False: {"native": 128, "n": 1100, "epochs": 150, "step_size": 15, "batch_size": 32},
}
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


def trainer_throughput(spec: RunSpec, settings: dict[str, Any], resolution: int, epochs: int):
    """Samples/s of our Trainer and of neuraloperator's Trainer, same FNO, data and batches."""
    dataset = open_run_data(spec)
    train_idx, _ = split_indices(len(dataset), spec.test_fraction)
    x, y = dataset.at_resolution(resolution).tensors(train_idx)
    config = default_operator_config(dataset, (settings["native"],))
    ours_spec = RunSpec(
        data=spec.data, resolutions=(resolution,), batch_size=settings["batch_size"]
    )
    model = build_model(config).fit(x, y)
    train = TrainConfig(epochs=epochs, eval_every=epochs, seed=1)
    run_dir = WORK_DIR / f"throughput-{time.time_ns()}"
    trainer = Trainer(
        model,
        config.to_dict(),
        make_batches(ours_spec, dataset, train_idx, 1, epochs),
        {},
        train,
        run_dir,
        progress=False,
        loss_scale=target_scale(model),
    )
    history = trainer.fit()
    ours = sum(h["samples_per_s"] * h["seconds"] for h in history) / sum(
        h["seconds"] for h in history
    )
    reference = build_model(config).fit(x, y)
    theirs = neuralop_trainer_throughput(
        reference, x, y, batch_size=settings["batch_size"], epochs=epochs, lr=1e-3
    )["samples_per_s"]
    return {
        "resolution": resolution,
        "epochs": epochs,
        "sciml_samples_per_s": ours,
        "neuralop_samples_per_s": theirs,
        "ratio": ours / theirs,
    }


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    settings = SETTINGS[quick]
    native = settings["native"]
    resolutions = tuple(native // 2**i for i in (3, 2, 1, 0))
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    data = WORK_DIR / f"darcy-{native}-{settings['n']}.h5"
    generate_dataset("darcy", data, n=settings["n"], resolution=native, seed=0, progress=progress)
    train = TrainConfig(
        epochs=settings["epochs"], step_size=settings["step_size"], eval_every=settings["epochs"]
    )
    results = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for name, options in _runs(resolutions).items():
        spec = RunSpec(data=str(data), batch_size=settings["batch_size"], **options)
        config = default_operator_config(open_run_data(spec), (native,))
        start = time.perf_counter()
        summary = train_run(
            spec,
            WORK_DIR / f"runs-{stamp}" / name,
            model_config=config,
            train_config=train,
            eval_resolutions=resolutions,
            progress=progress,
        )
        errors = summary["eval"]
        mse = {r: errors[r]["mse"] for r in errors}
        results.append(
            {
                "train": name,
                "mix": list(options.get("mix", [])),
                "cost_points_per_sample": summary["cost_points_per_sample"],
                "cost_fraction_of_highest": summary["cost_points_per_sample"] / native**2,
                "mse": mse,
                "rel_l2": {r: errors[r]["rel_l2"] for r in errors},
                "swing": max(mse.values()) / min(mse.values()),
                "train_seconds": time.perf_counter() - start,
            }
        )
    throughput = trainer_throughput(
        RunSpec(data=str(data), resolutions=(resolutions[2],)), settings, resolutions[2], 3
    )
    return {
        "quick": quick,
        "data": {
            "equation": "darcy",
            "native": native,
            "samples": settings["n"],
            "resolutions": list(resolutions),
            "view": "stride",
        },
        "model": config.to_dict(),
        "train": train.to_dict(),
        "runs": results,
        "throughput": throughput,
        "targets": targets(results, resolutions, throughput),
    }


def targets(results: list[dict[str, Any]], resolutions, throughput) -> dict[str, Any]:
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
        "throughput_ratio": throughput["ratio"],
        "throughput_ratio_ge_1": throughput["ratio"] >= 1.0,
    }


def plot(results: dict[str, Any], path) -> None:
    from sciml.diagnostics.resolution import plot_error_vs_resolution

    curves = {
        r["train"]: {int(k): {"mse": v} for k, v in r["mse"].items()} for r in results["runs"]
    }
    plot_error_vs_resolution(curves, path, key="mse")

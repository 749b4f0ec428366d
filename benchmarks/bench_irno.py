"""Iterative refinement (IRNO, Liu et al.) on next-step prediction of turbulent flow.

Per problem: a base FNO is trained, frozen, and refined by a shared U-Net with the unrolled
K-step loss; its test error is reported at every step out to 2K, with the error per frequency
band as a ratio to the base's and the contraction factor per step. Two fair controls get the
same budget: the base trained on for as many extra seconds as the refiner took, and a wider
single-pass FNO whose forward FLOPs match base + K refinement steps, trained as long as the
base. Metric: relative L2 per field over space (mean over samples and fields).

The base FNOs keep few Fourier modes for their grid, as the anchor's base does (16 modes at
256²): the spectral bias that refinement is meant to remove.

``--quick`` (2 CPU cores): Kolmogorov flow (ν = 0.01, resolved at 64²; frames 0.25 apart),
seen at 32² (spectral view), 12 trajectories × 32 frames; base FNO with 8 modes, 20 epochs;
K = 6; U-Net width 12, depth 3, output gain 0.01 (with the anchor's 0.1 the refiner idles
for its first ~150 of only ~340 optimiser steps), constant lr 3e-3 (a cosine decay halves
what ~340 steps learn), batch 8, 8 epochs, no contraction penalty (with weight 1 the refiner
learned nothing in those steps; q is measured).
Full (a GPU): Kolmogorov and Navier–Stokes at 128², base FNO with 16 modes for 100 epochs,
K = 6, U-Net width 16 depth 4, refiner 150 epochs (the anchor's lr and cosine schedule),
contraction penalty 0.1.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from sciml.data.pde.store import generate_dataset
from sciml.operators.refiner import RefinerConfig
from sciml.training.refine_run import RefineSpec, evaluate_refined, refine_run
from sciml.training.run import (
    RunSpec,
    build_model,
    default_operator_config,
    evaluate_run,
    open_run_data,
    train_run,
)
from sciml.training.trainer import TrainConfig

SETTINGS = {
    True: {
        "problems": {
            "kolmogorov": {
                "native": 64,
                "resolution": 32,
                "n": 12,
                "params": {"frame_dt": 0.25, "nu": 0.01},
            },
        },
        "base": {"epochs": 20, "step_size": 5, "width": 32, "modes": 8, "batch_size": 16},
        "refine": {
            "epochs": 8,
            "steps": 6,
            "width": 12,
            "depth": 3,
            "output_gain": 0.01,
            "lr": 3e-3,
            "schedule": "constant",
            "batch_size": 8,
            "contraction_weight": 0.0,
        },
    },
    False: {
        "problems": {
            "kolmogorov": {
                "native": 256,
                "resolution": 128,
                "n": 40,
                "params": {"frame_dt": 0.25, "nu": 0.01},
            },
            "navier-stokes": {
                "native": 256,
                "resolution": 128,
                "n": 200,
                "params": {"nu": 1e-4, "t_final": 10.0},
            },
        },
        "base": {"epochs": 100, "step_size": 15, "width": 32, "modes": 16, "batch_size": 16},
        "refine": {
            "epochs": 150,
            "steps": 6,
            "width": 16,
            "depth": 4,
            "output_gain": 0.1,
            "lr": 3e-4,
            "schedule": "cosine",
            "batch_size": 16,
            "contraction_weight": 0.1,
        },
    },
}
WORK_DIR = Path(os.environ.get("SCIML_BENCH_DIR", ".sciml-bench"))


def forward_flops(model: torch.nn.Module, x: torch.Tensor) -> int:
    """FLOPs of one forward pass on ``x`` (torch's flop counter)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(x)
    return int(counter.get_total_flops())


def matched_width(config, x: torch.Tensor, budget: int, widths=range(16, 257, 8)) -> int:
    """The FNO width whose forward FLOPs on ``x`` come closest to ``budget``."""
    costs = {w: forward_flops(build_model(replace(config, hidden_channels=w)), x) for w in widths}
    return min(costs, key=lambda w: abs(math.log(costs[w] / budget)))


def _rel_l2(report: dict[str, Any]) -> float:
    (errors,) = report["errors"].values()
    return errors["rel_l2"]


def run_problem(
    equation: str, problem: dict[str, Any], settings: dict[str, Any], out: Path, progress: bool
) -> dict[str, Any]:
    data = out / f"{equation}-{problem['native']}-{problem['n']}.h5"
    generate_dataset(
        equation,
        data,
        n=problem["n"],
        resolution=problem["native"],
        seed=0,
        params=problem["params"],
        progress=progress,
    )
    res, b, r = problem["resolution"], settings["base"], settings["refine"]
    spec = RunSpec(
        data=str(data), resolutions=(res,), method="spectral", batch_size=b["batch_size"]
    )
    config = default_operator_config(
        open_run_data(spec), (res,), modes=b["modes"], hidden_channels=b["width"]
    )
    base_train = TrainConfig(
        epochs=b["epochs"], step_size=b["step_size"], eval_every=b["epochs"], seed=0
    )
    tic = time.perf_counter()
    train_run(spec, out / "base", model_config=config, train_config=base_train, progress=progress)
    base_seconds = time.perf_counter() - tic

    refine_spec = RefineSpec(
        base_run=str(out / "base"),
        steps=r["steps"],
        extra_steps=r["steps"],
        refiner=RefinerConfig(width=r["width"], depth=r["depth"], output_gain=r["output_gain"]),
        batch_size=r["batch_size"],
        contraction_weight=r["contraction_weight"],
    )
    schedule = {"schedule": "cosine", "min_lr": 1e-6}
    if r["schedule"] == "constant":
        schedule = {"schedule": "step", "step_size": r["epochs"]}  # no decay within the run
    refine_train = TrainConfig(epochs=r["epochs"], lr=r["lr"], grad_clip=1.0, seed=42, **schedule)
    tic = time.perf_counter()
    refine_run(refine_spec, out / "irno", refine_train, progress=progress)
    refine_seconds = time.perf_counter() - tic
    report = evaluate_refined(out / "irno", json_path=out / "irno" / "eval.json")

    # control 1: the base trained on for the refiner's wall time
    extra_epochs = max(1, round(refine_seconds / (base_seconds / b["epochs"])))
    shutil.copytree(out / "base", out / "base-longer", dirs_exist_ok=True)
    total = b["epochs"] + extra_epochs
    longer = replace(base_train, epochs=total, eval_every=total)
    train_run(
        spec, out / "base-longer", model_config=config, train_config=longer, progress=progress
    )
    # control 2: a wider single-pass FNO with the FLOPs of base + K refinement steps
    x = open_run_data(spec).at_resolution(res, "spectral").tensors([0])[0]
    base_flops = forward_flops(build_model(config), x)
    refiner = refine_spec.refiner.build(x.shape[1], x.shape[1])
    step_flops = forward_flops(refiner, torch.cat([x, x], dim=1))
    budget = base_flops + r["steps"] * step_flops
    wide = replace(config, hidden_channels=matched_width(config, x, budget))
    train_run(spec, out / "wide", model_config=wide, train_config=base_train, progress=progress)

    steps = report["per_step"]
    k = r["steps"]
    base_error = steps[0]["rel_l2"]
    return {
        "equation": equation,
        "resolution": res,
        "pairs": len(open_run_data(spec)),
        "base_rel_l2": base_error,
        "irno_rel_l2": [row["rel_l2"] for row in steps[1:]],
        "irno_vrmse": [row["vrmse"] for row in steps],
        "reduction": 1.0 - steps[k]["rel_l2"] / base_error,
        "band_ratio": steps[k]["band_ratio"],
        "band_ratio_per_step": [row["band_ratio"] for row in steps],
        "q": report["q"],
        "update_norm": report["update_norm"],
        "controls": {
            "base_longer": {
                "rel_l2": _rel_l2(evaluate_run(out / "base-longer")),
                "extra_epochs": extra_epochs,
            },
            "wide_single_pass": {
                "rel_l2": _rel_l2(evaluate_run(out / "wide")),
                "hidden_channels": wide.hidden_channels,
                "flops": forward_flops(build_model(wide), x),
                "flops_budget": budget,
            },
        },
        "seconds": {"base": base_seconds, "refine": refine_seconds},
    }


def targets(result: dict[str, Any]) -> dict[str, Any]:
    k = len(result["irno_rel_l2"]) // 2
    at_k, at_2k = result["irno_rel_l2"][k - 1], result["irno_rel_l2"][-1]
    controls = result["controls"]
    return {
        "reduction": result["reduction"],
        "reduction_ge_0.45": result["reduction"] >= 0.45,
        "band_ratio_high": result["band_ratio"]["high"],
        "band_ratio_high_le_0.10": result["band_ratio"]["high"] <= 0.10,
        "error_2k_le_k": at_2k <= at_k,
        "beats_base_longer": at_k < controls["base_longer"]["rel_l2"],
        "beats_wide_single_pass": at_k < controls["wide_single_pass"]["rel_l2"],
    }


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    start = time.perf_counter()
    settings = SETTINGS[quick]
    stamp = WORK_DIR / f"irno-{time.strftime('%Y%m%d-%H%M%S')}"
    problems = {}
    for equation, problem in settings["problems"].items():
        problems[equation] = run_problem(equation, problem, settings, stamp / equation, progress)
    return {
        "quick": quick,
        "settings": settings,
        "problems": problems,
        "targets": {name: targets(result) for name, result in problems.items()},
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
        for color, (label, control) in zip(("C1", "C2"), result["controls"].items(), strict=True):
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

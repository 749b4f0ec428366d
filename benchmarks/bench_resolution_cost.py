"""What one training step costs at each resolution of the multi-resolution Darcy problem.

The quick problem's FNO (hidden 32, 16 modes, data at 64²) takes AdamW steps on batches of 16
at 8², 16², 32², 64², the resolutions taken in turn (7 timed turns after one warm-up step
each, medians). Figures: seconds per batch at each resolution, the share of the optimiser step
in a step at the lowest resolution, and the 70%-lowest mix's time per sample as a fraction of
all-64² against its fraction in grid points. ``--quick`` is the same run (about a minute).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np
import torch

from benchmarks.bench_multires import SETTINGS, WORK_DIR
from sciml.data.pde.store import generate_dataset
from sciml.training.run import RunSpec, build_model, default_operator_config, open_run_data

TURNS = 7
BATCH = 16


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    start = time.perf_counter()
    problem = SETTINGS[True]["problems"]["darcy"]
    native, resolutions = problem["native"], tuple(problem["resolutions"])
    data = WORK_DIR / f"resolution-cost-darcy-{native}.h5"
    if not data.exists():
        generate_dataset("darcy", data, n=BATCH, resolution=native, seed=0, progress=progress)
    dataset = open_run_data(RunSpec(data=str(data), resolutions=(native,)))
    config = default_operator_config(dataset, (native,), modes=problem["modes"])
    torch.manual_seed(0)
    model = build_model(config).fit(*dataset.at_resolution(native).tensors(np.arange(BATCH)))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    batches = {r: dataset.at_resolution(r).tensors(np.arange(BATCH)) for r in resolutions}
    step_times = {r: [] for r in resolutions}
    optimizer_times = {r: [] for r in resolutions}
    for turn in range(TURNS + 1):
        for r, (x, y) in batches.items():
            tic = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(model(x), y).backward()
            mid = time.perf_counter()
            optimizer.step()
            toc = time.perf_counter()
            if turn > 0:
                step_times[r].append(toc - tic)
                optimizer_times[r].append(toc - mid)
    per_batch = {str(r): statistics.median(v) for r, v in step_times.items()}
    optimizer_share = {
        str(r): statistics.median(optimizer_times[r]) / per_batch[str(r)] for r in resolutions
    }
    mix = {resolutions[0]: 0.7, **{r: 0.3 / (len(resolutions) - 1) for r in resolutions[1:]}}
    highest = per_batch[str(native)]
    return {
        "resolutions": list(resolutions),
        "batch_size": BATCH,
        "model": config.to_dict(),
        "seconds_per_batch": per_batch,
        "optimizer_share_of_step": optimizer_share,
        "mix_70_lowest_time_fraction": sum(s * per_batch[str(r)] for r, s in mix.items())
        / highest,
        "mix_70_lowest_points_fraction": sum(s * r**2 for r, s in mix.items()) / native**2,
        "machine": "2 CPU cores shared with other jobs",
        "seconds": time.perf_counter() - start,
    }

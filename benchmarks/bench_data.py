"""Data-layer benchmark: generator throughput, Darcy AMG vs a direct solve, Navier–Stokes cost
per step against the grid size.

Figures: samples/s per generator at two resolutions (``--quick`` shortens the time-dependent
runs); for Darcy at 128², 256² and 512², the time of ``solve_darcy`` (pyamg smoothed
aggregation + CG, setup included, the generator's tolerance) and of
``scipy.sparse.linalg.spsolve`` on the same systems, and their ratio; seconds per
Navier–Stokes time step (batch of 8) at 32² … 256².
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from tqdm.auto import tqdm

from sciml.data.pde import draw, get_generator, sample_rng
from sciml.data.pde.darcy import DARCY, darcy_coefficient, darcy_operator, solve_darcy
from sciml.data.pde.grf import gaussian_random_field
from sciml.data.pde.navier_stokes import solve_vorticity

THROUGHPUT = {  # generator: (resolutions, samples timed, quick-mode parameter overrides)
    "darcy": ((64, 128), 4, {}),
    "burgers": ((256, 1024), 8, {}),
    "navier-stokes": ((64, 128), 2, {"t_final": 1.0}),
    "kolmogorov": ((64, 128), 2, {"t_burn": 1.0, "n_times": 2}),
}


def _best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def generator_throughput(quick: bool, progress: bool) -> list[dict[str, Any]]:
    rows = []
    jobs = [(name, res) for name, (resolutions, _, _) in THROUGHPUT.items() for res in resolutions]
    for name, resolution in tqdm(jobs, desc="generators", disable=not progress):
        _, count, overrides = THROUGHPUT[name]
        params = overrides if quick else {}
        start = time.perf_counter()
        draw(get_generator(name), range(count), resolution, 0, params)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "generator": name,
                "resolution": resolution,
                "samples": count,
                "params": params,
                "seconds": seconds,
                "samples_per_s": count / seconds,
            }
        )
    return rows


def darcy_solver_ratio(resolutions: tuple[int, ...], systems: int) -> list[dict[str, Any]]:
    rows = []
    for resolution in resolutions:
        amg, direct, agreement = [], [], []
        for s in range(systems):
            a = darcy_coefficient(sample_rng(0, s), resolution)
            start = time.perf_counter()
            u_amg = solve_darcy(a, 1.0, rtol=DARCY.defaults["rtol"])
            amg.append(time.perf_counter() - start)
            start = time.perf_counter()
            u_direct = spla.spsolve(darcy_operator(a).tocsc(), np.ones(resolution**2))
            direct.append(time.perf_counter() - start)
            agreement.append(
                float(np.linalg.norm(u_amg.ravel() - u_direct) / np.linalg.norm(u_direct))
            )
        rows.append(
            {
                "resolution": resolution,
                "systems": systems,
                "pyamg_s": float(np.median(amg)),
                "spsolve_s": float(np.median(direct)),
                "speedup": float(np.median(direct) / np.median(amg)),
                "max_rel_difference": max(agreement),
            }
        )
    return rows


def navier_stokes_step_cost(resolutions: tuple[int, ...], steps: int) -> list[dict[str, Any]]:
    rows = []
    for resolution in resolutions:
        w0 = np.stack(
            [gaussian_random_field(sample_rng(0, i), (resolution,) * 2, 2.5, 7.0) for i in range(8)]
        )
        dt = 1e-4

        def run(w0=w0, dt=dt):
            solve_vorticity(w0, nu=1e-3, forcing=None, t_final=steps * dt, n_times=2, dt=dt)

        run()  # warm-up (FFT plans)
        seconds = _best_of(2, run)
        rows.append({"resolution": resolution, "batch": 8, "s_per_step": seconds / steps})
    return rows


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    return {
        "quick": quick,
        "generators": generator_throughput(quick, progress),
        "darcy_amg_vs_spsolve": darcy_solver_ratio((128, 256, 512), 2 if quick else 5),
        "navier_stokes_step": navier_stokes_step_cost((32, 64, 128, 256), 10 if quick else 50),
    }


def plot(results: dict[str, Any], path) -> None:
    import matplotlib.pyplot as plt

    from sciml.diagnostics.plots import save_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    darcy = results["darcy_amg_vs_spsolve"]
    res = [f"{r['resolution']}²" for r in darcy]
    x = np.arange(len(res))
    left.bar(x - 0.2, [r["pyamg_s"] for r in darcy], 0.4, label="pyamg SA + CG")
    left.bar(x + 0.2, [r["spsolve_s"] for r in darcy], 0.4, label="scipy spsolve")
    left.set_xticks(x, res)
    left.set_ylabel("seconds per solve")
    left.set_title("Darcy solve")
    left.legend()
    ns = results["navier_stokes_step"]
    grids = [r["resolution"] for r in ns]
    right.loglog(grids, [r["s_per_step"] for r in ns], "o-")
    right.set_xticks(grids, [str(g) for g in grids])
    right.minorticks_off()
    right.set_xlabel("grid points per axis")
    right.set_ylabel("seconds per step (batch 8)")
    right.set_title("Navier–Stokes step cost")
    right.grid(True, which="both", alpha=0.3)
    save_figure(fig, path)

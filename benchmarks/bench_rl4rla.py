"""RL4RLA benchmark: rediscovery of every curriculum stage by MCGS, MCTS and random search, and
the exported sketch-and-precondition solver against LAPACK least squares and LSQR.

For every stage (all paths) and seeds 42, 43, 44, per search: ``found`` (the committed program
equals the stage's target in canonical form, and the target's numbers are re-verified through
the exported NumPy function on a fresh problem), ``simulations``, ``seconds``, ``nodes``,
``merged_nodes``. Problems are 1000×20 (the PSD stage 5×5). Search jobs run in a pool of 2
processes; each job is single-threaded and seeded, so the figures do not depend on the pool.

Solver: the program found by MCGS for ``sketched-krylov`` (seed 42; R from QR of a CountSketch
S·A, then per iteration the residual Ax − b and CG steps on the normal equations
right-preconditioned by R, i.e. Blendenpik/LSRN with restarts), exported, on a 20000×200
consistent problem with κ = 1e6: seconds to relative residual 1e-10 (checked every iteration),
with the stage's settings (d = 12n, 10 CG steps per iteration) and others (d = 16n, 8 steps),
against ``numpy.linalg.lstsq``, ``scipy.sparse.linalg.lsqr`` (atol = btol = 1e-10, at most 1000
iterations) and SciPy's LSQR on AR⁻¹ with the same kind of sketched R. Median of 5 rounds (9 in
full mode; plain LSQR 1 or 3), the methods timed in turn each round. Run it with
OMP_NUM_THREADS=1 for single-threaded BLAS (the JSON records the setting).

Property check: random legal environment steps and random programs through the interpreter
(2000 steps and 2000 programs in ``--quick``, 10⁵ steps and 10⁴ programs in full mode).
Full mode also raises the random-search budget from 1000 to 20000 programs per stage.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import scipy.sparse.linalg as spla
from tqdm.auto import tqdm

SEEDS = (42, 43, 44)
SEARCHES = ("mcgs", "mcts", "random")
M, N = 1000, 20
MID_CONDITION_STAGE = "midcond-preconditioner"
SOLVER_STAGE = "sketched-krylov"
OTHER_SETTINGS = {"sketch_factor": 16, "lsqr_steps": 8}


def _search_job(job: tuple[str, str, int, int]) -> dict[str, Any]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from linalg_discovery.curriculum import stages
    from linalg_discovery.export import verify
    from linalg_discovery.search import SearchConfig, search_stage
    from linalg_discovery.task import Task

    name, search, seed, random_budget = job
    stage = stages(M, N)[name]
    budget = random_budget if search == "random" else 20_000
    result = search_stage(Task(stage, seed), SearchConfig(search=search, budget=budget), seed)
    row = {"stage": name, "search": search, "seed": seed, **result.to_dict()}
    if result.found:
        check = verify(result.program, stage, seeds=(seed + 1000,))
        row["verified"] = check["agrees"]
        row["found"] = bool(check["agrees"])
    return row


def search_table(quick: bool, progress: bool) -> list[dict[str, Any]]:
    from linalg_discovery.curriculum import stages

    budget = 1000 if quick else 20_000
    jobs = [(name, s, seed, budget) for name in stages(M, N) for s in SEARCHES for seed in SEEDS]
    with ProcessPoolExecutor(2) as pool:
        rows = list(
            tqdm(
                pool.map(_search_job, jobs),
                total=len(jobs),
                desc="rl4rla searches",
                disable=not progress,
            )
        )
    return rows


def _median_times(methods: dict[str, Any], repeats: int) -> dict[str, tuple[float, Any]]:
    """Median seconds and last output of each method, the methods taken in turn each round
    (so that load from other processes falls on all of them alike)."""
    times: dict[str, list[float]] = {k: [] for k in methods}
    outputs: dict[str, Any] = {}
    for _ in range(repeats):
        for label, fn in methods.items():
            start = time.perf_counter()
            outputs[label] = fn()
            times[label].append(time.perf_counter() - start)
    return {k: (float(np.median(times[k])), outputs[k]) for k in methods}


def _lsqr_with_sketched_r(a: np.ndarray, b: np.ndarray, tol: float, seed: int) -> np.ndarray:
    """Blendenpik with SciPy's LSQR: R from QR of a CountSketch (8n rows) of A, LSQR on AR⁻¹."""
    import scipy.linalg as sla

    from linalg_discovery.primitives import countsketch, qr_r

    m, n = a.shape
    r = qr_r(countsketch(8 * n, m, np.random.default_rng(seed))(a))
    op = spla.LinearOperator(
        (m, n),
        matvec=lambda y: a @ sla.solve_triangular(r, y, check_finite=False),
        rmatvec=lambda u: sla.solve_triangular(r, a.T @ u, trans="T", check_finite=False),
        dtype=np.float64,
    )
    y = spla.lsqr(op, b, atol=tol / 10, btol=tol / 10, iter_lim=1000)[0]
    return sla.solve_triangular(r, y, check_finite=False)


def solver_comparison(program_text: str, quick: bool = True) -> dict[str, Any]:
    from linalg_discovery.curriculum import stages
    from linalg_discovery.export import to_callable, to_source
    from linalg_discovery.problems import least_squares_problem
    from linalg_discovery.search import SearchConfig, search_stage
    from linalg_discovery.task import Task

    stage = stages(M, N)[SOLVER_STAGE]
    found = search_stage(Task(stage, 42), SearchConfig(), 42)
    assert str(found.program) == program_text
    solve = to_callable(found.program, stage.settings)
    problem = least_squares_problem(20_000, 200, cond=1e6, seed=0)
    a, b = problem.A, problem.b
    tol = 1e-10
    settings = stage.settings
    variants = {
        "exported": {"sketch_factor": settings.sketch_factor, "lsqr_steps": settings.lsqr_steps},
        "exported-d16-k8": OTHER_SETTINGS,
    }
    methods: dict[str, Any] = {
        label: lambda kw=kw: solve(a, b, iterations=100, tol=tol, **kw)
        for label, kw in variants.items()
    }
    methods["numpy.lstsq"] = lambda: np.linalg.lstsq(a, b, rcond=None)[0]
    methods["scipy.lsqr+sketched-R"] = lambda: _lsqr_with_sketched_r(a, b, tol, 0)
    timed = _median_times(methods, 5 if quick else 9)
    plain = _median_times(
        {"scipy.lsqr": lambda: spla.lsqr(a, b, atol=tol, btol=tol, iter_lim=1000)[0]},
        1 if quick else 3,
    )
    timed.update(plain)
    out: dict[str, Any] = {
        "problem": "20000×200, κ = 1e6",
        "tolerance": tol,
        "stage": SOLVER_STAGE,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "repeats": 5 if quick else 9,
    }
    for label, (seconds, x) in timed.items():
        out[label] = {"seconds": seconds, "residual": problem.residual(x)}
    for label, kw in variants.items():
        out[label].update(kw)
    out["scipy.lsqr"]["iter_lim"] = 1000
    lstsq_seconds = out["numpy.lstsq"]["seconds"]
    for label in (*variants, "scipy.lsqr+sketched-R", "scipy.lsqr"):
        out[label]["speedup_vs_lstsq"] = lstsq_seconds / out[label]["seconds"]
    out["source"] = to_source(found.program, stage.settings)
    return out


def property_check(quick: bool) -> dict[str, Any]:
    from linalg_discovery.fuzz import random_legal_steps, random_programs

    start = time.perf_counter()
    steps = random_legal_steps(2000 if quick else 100_000, seed=0)
    programs = random_programs(2000 if quick else 10_000, seed=0)
    return {**steps, **programs, "seconds": time.perf_counter() - start, "exceptions": 0}


UNSEEN_SEEDS = tuple(range(100, 120))


def _path_job(job: tuple[str, int]) -> dict[str, Any]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from linalg_discovery.discover import discover

    path, seed = job
    result = discover(path, "mcgs", seed, m=M, n=N)
    return {
        "path": path,
        "seed": seed,
        "found": result.found,
        "stages": [
            {
                "stage": name,
                "found": r.found,
                "simulations": r.simulations,
                "evaluations": r.evaluations,
                "seconds": r.seconds,
            }
            for name, r in result.stages
        ],
    }


def robustness(seeds: tuple[int, ...] = UNSEEN_SEEDS, progress: bool = True) -> dict[str, Any]:
    """MCGS on every path for seeds the search table never uses: how many find every stage,
    and each stage's simulations against its budget (20000 per inserted instruction)."""
    from linalg_discovery.curriculum import PATH_NAMES, stages

    start = time.perf_counter()
    jobs = [(path, seed) for seed in seeds for path in PATH_NAMES]
    with ProcessPoolExecutor(2) as pool:
        rows = list(tqdm(pool.map(_path_job, jobs), total=len(jobs), disable=not progress))
    table = stages(M, N)
    per_stage: dict[str, dict[str, Any]] = {}
    for row in rows:
        for r in row["stages"]:
            entry = per_stage.setdefault(
                r["stage"], {"budget": 20_000 * table[r["stage"]].steps, "simulations": []}
            )
            entry["simulations"].append(r["simulations"])
    for entry in per_stage.values():
        sims = entry.pop("simulations")
        entry.update(
            median=float(np.median(sims)),
            max=int(max(sims)),
            max_fraction_of_budget=max(sims) / entry["budget"],
        )
    every = [all(r["found"] for r in rows if r["seed"] == seed) for seed in seeds]
    return {
        "seeds": list(seeds),
        "problem_size": [M, N],
        "seeds_finding_every_stage_of_every_path": int(sum(every)),
        "failures": [
            f"{r['path']}/{r['seed']}/{s['stage']}"
            for r in rows
            for s in r["stages"]
            if not s["found"]
        ],
        "per_stage_budget_used": per_stage,
        "runs": rows,
        "seconds": time.perf_counter() - start,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(r["stage"] for r in rows))
    by = {(r["stage"], r["search"], r["seed"]): r for r in rows}
    found = {s: sum(r["found"] for r in rows if r["search"] == s) for s in SEARCHES}
    total = {s: sum(r["simulations"] for r in rows if r["search"] == s) for s in SEARCHES}
    per_stage = {}
    for name in names:
        ratios = [
            by[name, "mcts", seed]["simulations"] / by[name, "mcgs", seed]["simulations"]
            for seed in SEEDS
        ]
        per_stage[name] = float(np.median(ratios))
    missed = [f"{r['stage']}/{r['seed']}" for r in rows if r["search"] == "mcgs" and not r["found"]]
    mid = max(by[MID_CONDITION_STAGE, "mcgs", seed]["seconds"] for seed in SEEDS)
    ratio = total["mcts"] / total["mcgs"]
    return {
        "runs_per_search": len(names) * len(SEEDS),
        "found": found,
        "simulations_total": total,
        "mcts_over_mcgs_simulations": ratio,
        "mcts_over_mcgs_by_stage_median": per_stage,
        "mcgs_missed": missed,
        "mid_condition_stage_seconds_max": mid,
    }


def run(quick: bool = True, progress: bool = True) -> dict[str, Any]:
    start = time.perf_counter()
    rows = search_table(quick, progress)
    summary = summarise(rows)
    mcgs_seed42 = next(
        r for r in rows if r["stage"] == SOLVER_STAGE and r["search"] == "mcgs" and r["seed"] == 42
    )
    solver = solver_comparison(mcgs_seed42["program"], quick)
    prop = property_check(quick)
    speedup = solver["exported"]["speedup_vs_lstsq"]
    targets = {
        "every_stage_found_by_mcgs": {
            "value": f"{summary['found']['mcgs']}/{summary['runs_per_search']}",
            "met": not summary["mcgs_missed"],
        },
        "mcgs_fewer_simulations_than_mcts": {
            "value": summary["mcts_over_mcgs_simulations"],
            "target": 2.5,
            "met": summary["mcts_over_mcgs_simulations"] >= 2.5,
        },
        "mid_condition_stage_seconds": {
            "value": summary["mid_condition_stage_seconds_max"],
            "target": 60.0,
            "met": summary["mid_condition_stage_seconds_max"] <= 60.0,
        },
        "exported_solver_speedup_vs_lstsq": {
            "value": speedup,
            "target": 2.0,
            "met": speedup >= 2.0 and solver["exported"]["residual"] <= 1e-10,
            "value_d16_k8": solver["exported-d16-k8"]["speedup_vs_lstsq"],
        },
    }
    return {
        "quick": quick,
        "problem_size": [M, N],
        "seeds": list(SEEDS),
        "stages": rows,
        "summary": summary,
        "solver": solver,
        "property": prop,
        "targets": targets,
        "seconds": time.perf_counter() - start,
    }


def plot(results: dict[str, Any], path) -> None:
    from linalg_discovery.plots import plot_benchmark

    plot_benchmark(results, path)


if __name__ == "__main__":
    import argparse

    from sciml.files import write_json

    parser = argparse.ArgumentParser(description="RL4RLA checks run on their own")
    parser.add_argument("check", choices=("robustness", "property"))
    parser.add_argument("--json", required=True)
    parser.add_argument("--steps", type=int, default=100_000, help="property: env steps")
    parser.add_argument("--programs", type=int, default=10_000, help="property: programs")
    args = parser.parse_args()
    if args.check == "robustness":
        write_json(args.json, robustness())
    else:
        from linalg_discovery.fuzz import random_legal_steps, random_programs

        t0 = time.perf_counter()
        out = {**random_legal_steps(args.steps, seed=0), **random_programs(args.programs, seed=0)}
        write_json(
            args.json,
            {
                **out,
                "exceptions": 0,
                "seconds": time.perf_counter() - t0,
                "command": f"python -m benchmarks.bench_rl4rla property "
                f"--steps {args.steps} --programs {args.programs}",
            },
        )

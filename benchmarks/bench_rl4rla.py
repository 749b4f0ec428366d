"""RL4RLA benchmark: rediscovery of every curriculum stage by MCGS, MCTS and random search, and
the exported sketch-and-precondition solver against LAPACK least squares and LSQR.

For every stage (all paths) and seeds 42, 43, 44, per search: ``found`` (the committed program
equals the stage's target in canonical form, and the target's numbers are re-verified through
the exported NumPy function on a fresh problem), ``simulations``, ``evaluations`` (unique
interpreter runs; every search caches rewards by canonical key alike), ``eval_seconds``
(interpreter time), ``seconds``, the simulations/evaluations/seconds when the target was first
run, ``nodes``, ``merged_nodes``. MCGS and MCTS use the same selection rule and c = 0.5.
Problems are 1000×20 (the PSD stage 5×5). Search jobs run in a pool of 2 processes; each job is
single-threaded and seeded, so the counts do not depend on the pool (the seconds do, on load).

Solver: the program found by MCGS for ``sketched-krylov`` (seed 42; R from QR of a CountSketch
S·A, then per iteration the residual Ax − b and CG steps on the normal equations
right-preconditioned by R, i.e. Blendenpik/LSRN with restarts), exported, on a 20000×200
problem with κ = 1e6 and b = Ax* + r, r ⊥ range(A), ‖r‖ = 1e-3‖Ax*‖, at equal accuracy with
the LAPACK paths ``numpy.linalg.lstsq`` (gelsd), ``scipy.linalg.lstsq(lapack_driver="gelsy")``
and a Householder-QR solve: forward error ‖x − x*‖/‖x*‖ and normal-equations residual
‖Aᵀr‖/(‖A‖‖r‖) both within 10× of the most accurate LAPACK path's (outer iterations chosen on a
validation problem), with memory traffic (passes over A) and the bandwidth-bound floor; also
SciPy's LSQR, plain and on AR⁻¹ with a sketched R. Median of 5 rounds (9 in full mode; plain
LSQR 1 or 3), the methods timed in turn each round. Run it with OMP_NUM_THREADS=1 for
single-threaded BLAS (the JSON records the setting).

Checks run on their own (``python -m benchmarks.bench_rl4rla CHECK --json FILE``):
``robustness`` (MCGS on every path for seeds 100–119), ``hard`` (the hard stages with MCGS,
MCTS and random search at MCGS's evaluation count, and each target's landscape), ``solver``
(``solvers.lstsq`` against the LAPACK paths on 100000×500, 20000×200 and a sparse
200000×1000 matrix) and ``property``.

Property check: random legal environment steps and random programs through the interpreter
(2000 steps and 2000 programs in ``--quick``, 10⁵ steps and 10⁴ programs in full mode).
Full mode also raises the random-search budget from 1000 to 20000 programs per stage.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial
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
    from linalg_discovery.curriculum import HARD_STAGES, stages

    budget = 1000 if quick else 20_000
    names = [name for name in stages(M, N) if name not in HARD_STAGES]
    jobs = [(name, s, seed, budget) for name in names for s in SEARCHES for seed in SEEDS]
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


LS_RESIDUAL = 1e-3


def _inconsistent_problem(m: int, n: int, cond: float, residual: float, seed: int):
    """A = UΣVᵀ with κ = ``cond``, b = Ax* + r, r ⊥ range(A): x* is the exact LS solution."""
    from linalg_discovery.problems import Problem
    from sciml.data.matrices import least_squares

    p = least_squares(m, n, cond=cond, residual=residual, seed=seed)
    return Problem(p.A, p.b, x_star=p.x)


def _householder_qr_solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """x = R⁻¹Qᵀb from the economic Householder QR of A (LAPACK geqrf/orgqr)."""
    import scipy.linalg as sla

    q, r = sla.qr(a, mode="economic", check_finite=False)
    return sla.solve_triangular(r, q.T @ b, check_finite=False)


def _baselines(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    import scipy.linalg as sla

    return {
        "numpy.lstsq(gelsd)": lambda: np.linalg.lstsq(a, b, rcond=None)[0],
        "scipy.lstsq(gelsy)": lambda: sla.lstsq(a, b, lapack_driver="gelsy", check_finite=False)[0],
        "householder-qr": lambda: _householder_qr_solve(a, b),
    }


def accuracy(problem, x: np.ndarray, norm_a: float) -> dict[str, float]:
    """Forward error ‖x − x*‖/‖x*‖ (x* the generator's solution; b = Ax*) and the
    normal-equations residual ‖Aᵀr‖/(‖A‖₂‖r‖), r = b − Ax."""
    r = problem.b - problem.A @ x
    return {
        "forward_error": float(np.linalg.norm(x - problem.x_star) / np.linalg.norm(problem.x_star)),
        "normal_residual": float(
            np.linalg.norm(problem.A.T @ r) / (norm_a * max(np.linalg.norm(r), 1e-300))
        ),
        "residual": problem.residual(x),
    }


def _within(acc: dict[str, float], best: dict[str, float], factor: float = 10.0) -> bool:
    return all(acc[k] <= factor * best[k] for k in ("forward_error", "normal_residual"))


def _best_accuracy(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    return {k: min(r[k] for r in rows.values()) for k in ("forward_error", "normal_residual")}


def solver_comparison(program_text: str, quick: bool = True) -> dict[str, Any]:
    """The exported solver against the LAPACK least-squares paths at equal accuracy.

    The number of outer iterations of each exported variant is the smallest whose forward
    error and normal-equations residual are both within 10× of the most accurate LAPACK path's,
    chosen on a validation problem (seed 1); times and accuracies are then measured on the
    test problem (seed 0), all methods in turn each round. Memory traffic: one pass reads A
    (8mn bytes); the exported solver makes 1 + T·(2 + k) passes (sketch; per outer iteration
    the residual, Aᵀv and k blocked Aᵀ(Aw) products), and its bandwidth-bound floor is that
    many times the measured time of one pass (the median A @ x)."""
    from linalg_discovery.curriculum import stages
    from linalg_discovery.export import to_callable, to_source
    from linalg_discovery.search import SearchConfig, search_stage
    from linalg_discovery.task import Task

    stage = stages(M, N)[SOLVER_STAGE]
    found = search_stage(Task(stage, 42), SearchConfig(), 42)
    assert str(found.program) == program_text
    solve = to_callable(found.program, stage.settings)
    m, n, cond = 20_000, 200, 1e6
    settings = stage.settings
    variants = {
        "exported": {"sketch_factor": settings.sketch_factor, "lsqr_steps": settings.lsqr_steps},
        "exported-d16-k8": OTHER_SETTINGS,
    }

    validation = _inconsistent_problem(m, n, cond, LS_RESIDUAL, seed=1)
    va, vb = validation.A, validation.b
    v_norm = float(np.linalg.norm(va, 2))
    v_base = {k: accuracy(validation, f(), v_norm) for k, f in _baselines(va, vb).items()}
    v_best = _best_accuracy(v_base)
    chosen: dict[str, int | None] = {}
    for label, kw in variants.items():
        chosen[label] = None
        for iterations in range(1, 31):
            if _within(
                accuracy(validation, solve(va, vb, iterations=iterations, **kw), v_norm), v_best
            ):
                chosen[label] = iterations
                break

    problem = _inconsistent_problem(m, n, cond, LS_RESIDUAL, seed=0)
    a, b = problem.A, problem.b
    norm_a = float(np.linalg.norm(a, 2))
    methods: dict[str, Any] = dict(_baselines(a, b))
    for label, kw in variants.items():
        iterations = chosen[label] or 30
        methods[label] = lambda kw=kw, it=iterations: solve(a, b, iterations=it, **kw)
    methods["scipy.lsqr+sketched-R"] = lambda: _lsqr_with_sketched_r(a, b, 1e-12, 0)
    x_probe = np.ones(n)
    methods["one pass (A @ x)"] = lambda: a @ x_probe
    repeats = 5 if quick else 9
    timed = _median_times(methods, repeats)
    plain = _median_times(
        {"scipy.lsqr": lambda: spla.lsqr(a, b, atol=1e-12, btol=1e-12, iter_lim=1000)[0]},
        1 if quick else 3,
    )
    timed.update(plain)
    pass_seconds = timed.pop("one pass (A @ x)")[0]
    out: dict[str, Any] = {
        "problem": f"{m}×{n}, κ = {cond:g}, b = Ax* + r, r ⊥ range(A), ‖r‖ = {LS_RESIDUAL:g}‖Ax*‖",
        "selection": "outer iterations: fewest within 10× of the best LAPACK accuracy on a "
        "validation problem (seed 1); reported on seed 0",
        "stage": SOLVER_STAGE,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "repeats": repeats,
        "bytes_per_pass": 8 * m * n,
        "one_pass_seconds": pass_seconds,
        "bandwidth_gb_per_s": 8 * m * n / pass_seconds / 1e9,
    }
    for label, (seconds, x) in timed.items():
        out[label] = {"seconds": seconds, **accuracy(problem, x, norm_a)}
    baselines = list(_baselines(a, b))
    best = _best_accuracy({k: out[k] for k in baselines})
    fastest = min(baselines, key=lambda k: out[k]["seconds"])
    out["best_lapack_accuracy"] = best
    out["fastest_lapack"] = fastest
    for label, kw in variants.items():
        iterations = chosen[label] or 30
        passes = 1 + iterations * (2 + kw["lsqr_steps"])
        out[label].update(
            kw,
            iterations=iterations,
            chosen_on_validation=chosen[label] is not None,
            passes_over_A=passes,
            bandwidth_floor_seconds=passes * pass_seconds,
        )
    out["scipy.lsqr"]["iter_lim"] = 1000
    for label in (*variants, "scipy.lsqr+sketched-R", "scipy.lsqr", *baselines):
        out[label]["equal_accuracy"] = _within(out[label], best)
        out[label]["speedup_vs_fastest_lapack"] = out[fastest]["seconds"] / out[label]["seconds"]
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
    from linalg_discovery.discovery import discover

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


def _median_ratio(by: dict, name: str, key: str) -> float:
    return float(
        np.median(
            [
                by[name, "mcts", seed][key] / max(by[name, "mcgs", seed][key], 1e-12)
                for seed in SEEDS
            ]
        )
    )


def _hard_job(job: tuple[str, int, int]) -> list[dict[str, Any]]:
    """MCGS and MCTS with ``budget`` simulations per insertion, then random search drawing as
    many programs as MCGS evaluated, each search on a fresh task (no shared caches); per run
    the transposition rate (share of the links made by expansions that reach a program already
    in the graph), the share of evaluated programs with a nonzero reward and the evaluations
    per simulation."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from linalg_discovery.curriculum import stages
    from linalg_discovery.search import SearchConfig, search_stage
    from linalg_discovery.task import Task

    name, seed, budget = job
    stage = stages(M, N)[name]
    rows = []
    for search in ("mcgs", "mcts", "random"):
        if search == "random":
            budget = max(rows[0]["evaluations"], 1)
        task = Task(stage, seed)
        result = search_stage(task, SearchConfig(search=search, budget=budget), seed)
        rewards = task.recorded_rewards()
        row = {
            "stage": name,
            "search": search,
            "seed": seed,
            "budget": budget,
            "depth": stage.steps,
        }
        row.update(
            result.to_dict(),
            transposition_rate=result.transpositions / max(result.links, 1),
            nonzero_reward_share=float(np.mean([r > 0 for r in rewards])) if rewards else 0.0,
            best_reward_seen=max(rewards, default=0.0),
            evaluations_per_simulation=result.evaluations / max(result.simulations, 1),
        )
        rows.append(row)
    return rows


def _landscape_job(job: tuple[str, int]) -> dict[str, Any]:
    from linalg_discovery.curriculum import stages
    from linalg_discovery.landscape import target_landscape
    from linalg_discovery.task import Task

    name, seed = job
    return {"stage": name, "seed": seed, **target_landscape(Task(stages(M, N)[name], seed))}


HARD_SEEDS = (42, 43, 44, 200, 201, 202)


def hard_stages(
    seeds: tuple[int, ...] = HARD_SEEDS,
    budget: int = 100,
    workers: int = 1,
    progress: bool = True,
) -> dict[str, Any]:
    """Every hard stage with MCGS, MCTS (``budget`` simulations per insertion) and random
    search at MCGS's evaluation count, per seed, the jobs on ``workers`` processes (1: in this
    process); medians of the MCTS/MCGS ratios; and each stage's target landscape
    (:func:`linalg_discovery.landscape.target_landscape`: the chance that one uniform rollout
    reaches the target along direct paths, and the best reward on them at each depth)."""
    from linalg_discovery.curriculum import HARD_STAGES

    start = time.perf_counter()
    jobs = [(name, seed, budget) for name in HARD_STAGES for seed in seeds]
    bar = partial(tqdm, total=len(jobs), disable=not progress, desc="hard stages")
    if workers == 1:
        nested = list(bar(map(_hard_job, jobs)))
    else:
        with ProcessPoolExecutor(workers) as pool:
            nested = list(bar(pool.map(_hard_job, jobs)))
    rows = [r for rs in nested for r in rs]
    landscapes = [_landscape_job((name, seed)) for name in HARD_STAGES for seed in seeds]
    by = {(r["stage"], r["search"], r["seed"]): r for r in rows}
    keys = [(name, seed) for name in HARD_STAGES for seed in seeds]

    def ratio(key: str) -> float:
        return float(
            np.median([by[n, "mcts", s][key] / max(by[n, "mcgs", s][key], 1e-12) for n, s in keys])
        )

    per_stage = {}
    for name in HARD_STAGES:
        lands = [x for x in landscapes if x["stage"] == name]
        mcgs = [by[name, "mcgs", s] for s in seeds]
        per_stage[name] = {
            "depth": lands[0]["depth"],
            "rollouts_per_hit": lands[0]["rollouts_per_hit"],
            "best_reward_on_direct_paths_by_depth": [
                float(np.median([x["levels"][d]["best_reward"] for x in lands]))
                for d in range(lands[0]["depth"] + 1)
            ],
            "found": {s: sum(by[name, s, sd]["found"] for sd in seeds) for s in SEARCHES},
            "mcgs_transposition_rate_median": float(
                np.median([r["transposition_rate"] for r in mcgs])
            ),
            "mcgs_simulations_median": float(np.median([r["simulations"] for r in mcgs])),
            "nonzero_reward_share_median": {
                s: float(np.median([by[name, s, sd]["nonzero_reward_share"] for sd in seeds]))
                for s in SEARCHES
            },
        }
    return {
        "command": f"python -m benchmarks.bench_rl4rla hard --seeds "
        f"{','.join(map(str, seeds))} --budget {budget} --workers {workers}",
        "seeds": list(seeds),
        "budget_per_insertion": budget,
        "workers": workers,
        "found": {s: sum(by[n, s, sd]["found"] for n, sd in keys) for s in SEARCHES},
        "runs_per_search": len(keys),
        "mcts_over_mcgs_median": {k: ratio(k) for k in ("evaluations", "seconds", "simulations")},
        "per_stage": per_stage,
        "landscapes": landscapes,
        "runs": rows,
        "seconds": time.perf_counter() - start,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }


def _sparse_tall(m: int, n: int, density: float, seed: int):
    """Random sparse m×n (uniform entries at ``density``) plus an identity block on top (full
    column rank), b Gaussian: an inconsistent sparse problem."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    a = sp.random(m, n, density=density, random_state=rng, format="csr")
    a = (a + sp.vstack([sp.identity(n), sp.csr_matrix((m - n, n))])).tocsr()
    return a, rng.standard_normal(m)


def callable_solver(repeats: int = 3, progress: bool = True) -> dict[str, Any]:
    """``linalg_discovery.solvers.lstsq`` (rtol 1e-13) against the LAPACK paths at equal
    accuracy, side by side (methods in turn each round, median seconds): dense 100000×500 and
    20000×200 with κ = 1e6 (b = Ax* + r, r ⊥ range(A), ‖r‖ = 1e-3‖Ax*‖), and a sparse
    200000×1000 matrix of 1% density, where the LAPACK path densifies A (gelsy, one round)
    and SciPy's sparse LSQR is the sparse path (atol = btol = 1e-13). Forward errors of the
    sparse case are against gelsy's solution."""
    import scipy.linalg as sla

    from linalg_discovery.solvers import lstsq

    out: dict[str, Any] = {"omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "repeats": repeats}
    for m, n in ((100_000, 500), (20_000, 200)):
        problem = _inconsistent_problem(m, n, 1e6, LS_RESIDUAL, seed=0)
        a, b = problem.A, problem.b
        norm_a = float(np.linalg.norm(a, 2))
        methods = dict(_baselines(a, b))
        info: dict[str, Any] = {}

        def ours(a=a, b=b, info=info):
            x, i = lstsq(a, b, rtol=1e-13)
            info.update(i)
            return x

        methods["solvers.lstsq"] = ours
        x_probe = np.ones(n)
        methods["one pass (A @ x)"] = lambda a=a, x_probe=x_probe: a @ x_probe
        timed = _median_times(methods, repeats)
        pass_seconds = timed.pop("one pass (A @ x)")[0]
        rows = {k: {"seconds": t, **accuracy(problem, x, norm_a)} for k, (t, x) in timed.items()}
        lapack = [k for k in rows if k != "solvers.lstsq"]
        best = _best_accuracy({k: rows[k] for k in lapack})
        fastest = min(lapack, key=lambda k: rows[k]["seconds"])
        for k in rows:
            rows[k]["equal_accuracy"] = _within(rows[k], best)
            rows[k]["speedup_vs_fastest_lapack"] = rows[fastest]["seconds"] / rows[k]["seconds"]
        rows["solvers.lstsq"].update(
            iterations=info["iterations"],
            passes_over_A=info["passes_over_A"],
            bandwidth_floor_seconds=info["passes_over_A"] * pass_seconds,
        )
        out[f"{m}x{n}"] = {
            "methods": rows,
            "fastest_lapack": fastest,
            "best_lapack": best,
            "one_pass_seconds": pass_seconds,
            "bytes_per_pass": 8 * m * n,
        }
    a, b = _sparse_tall(200_000, 1_000, 0.01, seed=0)
    info = {}

    def ours_sparse():
        x, i = lstsq(a, b, rtol=1e-13)
        info.update(i)
        return x

    sparse_methods = {
        "solvers.lstsq": ours_sparse,
        "scipy.sparse.lsqr": lambda: spla.lsqr(a, b, atol=1e-13, btol=1e-13, iter_lim=5000)[0],
    }
    timed = _median_times(sparse_methods, repeats)
    dense = _median_times(
        {
            "scipy.lstsq(gelsy) on dense A": lambda: sla.lstsq(
                a.toarray(), b, lapack_driver="gelsy", check_finite=False
            )[0]
        },
        1,
    )
    timed.update(dense)
    x_ref = timed["scipy.lstsq(gelsy) on dense A"][1]
    norm_a = float(spla.svds(a, k=1, return_singular_vectors=False)[0])
    rows = {}
    for k, (t, x) in timed.items():
        r = b - a @ x
        rows[k] = {
            "seconds": t,
            "forward_error_vs_gelsy": float(np.linalg.norm(x - x_ref) / np.linalg.norm(x_ref)),
            "normal_residual": float(np.linalg.norm(a.T @ r) / (norm_a * np.linalg.norm(r))),
        }
    ref = rows["scipy.lstsq(gelsy) on dense A"]
    for k in rows:
        rows[k]["speedup_vs_gelsy"] = ref["seconds"] / rows[k]["seconds"]
        rows[k]["equal_accuracy"] = rows[k]["normal_residual"] <= 10 * ref["normal_residual"]
    rows["solvers.lstsq"].update(iterations=info["iterations"], passes_over_A=info["passes_over_A"])
    out["200000x1000 sparse 1%"] = {"methods": rows, "nnz": int(a.nnz)}
    return out


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(r["stage"] for r in rows))
    by = {(r["stage"], r["search"], r["seed"]): r for r in rows}
    found = {s: sum(r["found"] for r in rows if r["search"] == s) for s in SEARCHES}
    totals = {
        key: {s: sum(r[key] for r in rows if r["search"] == s) for s in SEARCHES}
        for key in ("simulations", "evaluations", "eval_seconds", "seconds")
    }
    per_stage = {
        name: {
            key: _median_ratio(by, name, key) for key in ("simulations", "evaluations", "seconds")
        }
        for name in names
    }
    missed = [f"{r['stage']}/{r['seed']}" for r in rows if r["search"] == "mcgs" and not r["found"]]
    mid = max(by[MID_CONDITION_STAGE, "mcgs", seed]["seconds"] for seed in SEEDS)
    return {
        "runs_per_search": len(names) * len(SEEDS),
        "found": found,
        "totals": totals,
        "mcts_over_mcgs_total": {key: totals[key]["mcts"] / totals[key]["mcgs"] for key in totals},
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
    speedup = solver["exported"]["speedup_vs_fastest_lapack"]
    targets = {
        "every_stage_found_by_mcgs": {
            "value": f"{summary['found']['mcgs']}/{summary['runs_per_search']}",
            "met": not summary["mcgs_missed"],
        },
        "mcgs_fewer_evaluations_than_mcts": {
            "value": summary["mcts_over_mcgs_total"]["evaluations"],
            "target": 2.0,
            "met": summary["mcts_over_mcgs_total"]["evaluations"] >= 2.0,
        },
        "mcgs_less_wall_time_than_mcts": {
            "value": summary["mcts_over_mcgs_total"]["seconds"],
            "target": 2.0,
            "met": summary["mcts_over_mcgs_total"]["seconds"] >= 2.0,
        },
        "mid_condition_stage_seconds": {
            "value": summary["mid_condition_stage_seconds_max"],
            "target": 60.0,
            "met": summary["mid_condition_stage_seconds_max"] <= 60.0,
        },
        "exported_solver_speedup_vs_fastest_lapack_at_equal_accuracy": {
            "value": speedup,
            "target": 2.0,
            "met": speedup >= 2.0 and solver["exported"]["equal_accuracy"],
            "value_d16_k8": solver["exported-d16-k8"]["speedup_vs_fastest_lapack"],
            "fastest_lapack": solver["fastest_lapack"],
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

    from sciml.core.files import write_json

    parser = argparse.ArgumentParser(description="RL4RLA checks run on their own")
    parser.add_argument("check", choices=("robustness", "property", "hard", "solver"))
    parser.add_argument(
        "--seeds", default=",".join(map(str, HARD_SEEDS)), help="hard: comma-separated seeds"
    )
    parser.add_argument("--budget", type=int, default=100, help="hard: simulations per insertion")
    parser.add_argument("--workers", type=int, default=1, help="hard: processes for the jobs")
    parser.add_argument("--json", required=True)
    parser.add_argument("--steps", type=int, default=100_000, help="property: env steps")
    parser.add_argument("--programs", type=int, default=10_000, help="property: programs")
    args = parser.parse_args()
    if args.check == "robustness":
        write_json(args.json, robustness())
    elif args.check == "solver":
        write_json(args.json, callable_solver())
    elif args.check == "hard":
        seeds = tuple(int(s) for s in args.seeds.split(","))
        write_json(args.json, hard_stages(seeds, args.budget, args.workers))
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

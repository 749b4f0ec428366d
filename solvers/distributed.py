"""Conjugate gradients across processes with ``torch.distributed`` (gloo on CPU): the rows of A
are split evenly between the ranks; a matvec all-gathers the vector and multiplies the rank's
rows (scipy SpMV), an inner product sums the local parts with ``all_reduce``. The preconditioner
is a polynomial p of the Jacobi-scaled operator applied by its recurrence with these matvecs
(degree 0: Jacobi), so the polynomial trades CG's 2 reductions per iteration (⟨r, z⟩ and
⟨p, Ap⟩; the residual norm is read from ⟨r, r⟩ summed with ⟨r, z⟩ in one call) for matvecs.
Every collective is timed; the cost model is time ≈ matvecs·t_mv + reductions·t_red plus the
local work per CG iteration and per polynomial step (:func:`predicted_seconds`), each unit
measured apart in back-to-back calls, alternating with the solves.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from solvers.linear_operators import check_operator, jacobi_scaling, scaled_operator


class RowBlock:
    """This rank's rows of A; ``matvec`` and ``dot`` count and time their collectives."""

    def __init__(self, a: sp.csr_matrix, rank: int, world: int):
        bounds = np.linspace(0, a.shape[0], world + 1).astype(int)
        self.lo, self.hi = int(bounds[rank]), int(bounds[rank + 1])
        self.sizes = np.diff(bounds).tolist()
        self.rows = sp.csr_matrix(a[self.lo : self.hi])
        self.matvecs = self.reductions = 0
        self.gather_seconds = self.reduce_seconds = 0.0

    def matvec(self, x: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        parts = [torch.empty(s, dtype=torch.float64) for s in self.sizes]
        dist.all_gather(parts, torch.from_numpy(np.ascontiguousarray(x)))
        full = torch.cat(parts).numpy()
        self.gather_seconds += time.perf_counter() - start
        self.matvecs += 1
        return self.rows @ full

    def dots(self, *pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Σ over ranks of uᵀv for each pair, in one ``all_reduce``."""
        local = torch.tensor([float(u @ v) for u, v in pairs], dtype=torch.float64)
        start = time.perf_counter()
        dist.all_reduce(local)
        self.reduce_seconds += time.perf_counter() - start
        self.reductions += 1
        return local.numpy()


def cg(block: RowBlock, b: np.ndarray, apply_m, rtol: float, maxiter: int) -> tuple:
    """Preconditioned CG on this rank's part ``b`` of the Jacobi-scaled system (2 reductions
    per iteration, stops at ‖r‖ ≤ rtol‖b‖ of that system); returns (x part, iterations,
    converged)."""
    x = np.zeros_like(b)
    r = b.copy()
    z = apply_m(r)
    rz, rr = block.dots((r, z), (r, r))
    norm_b = np.sqrt(rr)
    p = z.copy()
    for it in range(1, maxiter + 1):
        ap = block.matvec(p)
        (pap,) = block.dots((p, ap))
        alpha = rz / pap
        x += alpha * p
        r -= alpha * ap
        z = apply_m(r)
        rz_new, rr = block.dots((r, z), (r, r))
        if np.sqrt(rr) <= rtol * norm_b:
            return x, it, True
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x, maxiter, False


class _LocalBlock:
    """A :class:`RowBlock` stand-in without communication: ``matvec`` returns a fixed local
    vector and ``dots`` computes the local inner products but returns ones (so the CG scalars
    stay tame), so a CG run on it times the local work alone."""

    def __init__(self, y: np.ndarray):
        self.y = y
        self.matvecs = self.reductions = 0

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.y

    def dots(self, *pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        local = torch.tensor([float(u @ v) for u, v in pairs], dtype=torch.float64)
        return torch.ones_like(local).numpy()


def _unit_costs(block: RowBlock, v: np.ndarray, count: int, polynomial) -> dict[str, float]:
    """The cost model's unit times from ``count`` back-to-back rounds of one matvec and two
    all_reduce calls, interleaved as in a CG iteration with no barrier between them (so waits
    on the other rank are included): t_mv one matvec (all_gather + local SpMV), t_red one
    all_reduce of one or two inner products, t_cg the local
    vector work and interpreter overhead of one CG iteration, t_step that of one step of the
    polynomial's recurrence (``polynomial`` of degree ≥ 1, or None: 0)."""
    dist.barrier()
    t_mv = t_red = 0.0
    for _ in range(count):  # interleaved as in CG: one matvec, then two all_reduce calls
        start = time.perf_counter()
        block.matvec(v)
        middle = time.perf_counter()
        block.dots((v, v), (v, v))
        block.dots((v, v))
        t_mv += middle - start
        t_red += time.perf_counter() - middle
    t_mv, t_red = t_mv / count, t_red / (2 * count)
    local = _LocalBlock(0.5 * v)
    start = time.perf_counter()
    cg(local, v, lambda r: r, 0.0, count)
    t_cg = (time.perf_counter() - start) / count
    t_step = 0.0
    if polynomial is not None and polynomial.degree >= 1:
        start = time.perf_counter()
        for _ in range(max(count // polynomial.degree, 1)):
            polynomial._run(local.matvec, v)
        t_step = (time.perf_counter() - start) / (
            max(count // polynomial.degree, 1) * polynomial.degree
        )
    return {"t_matvec": t_mv, "t_reduction": t_red, "t_cg_iteration": t_cg, "t_poly_step": t_step}


def _worker(rank: int, world: int, store: str, job: dict, out: dict) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        scaled, scale = job["scaled"], job["scale"]
        block = RowBlock(scaled, rank, world)
        b = job["b"][block.lo : block.hi] * scale[block.lo : block.hi]
        polynomials = job["polynomials"]
        times: dict[str, list] = {label: [] for label in polynomials}
        units: dict[str, list] = {label: [] for label in polynomials}
        solved = {}
        for _ in range(job["repeats"]):  # calibration and solves alternate, turn by turn
            for label, polynomial in polynomials.items():
                units[label].append(_unit_costs(block, b, job["calibration"], polynomial))
                apply_m = (
                    (lambda r: r)
                    if polynomial is None
                    else (lambda r, q=polynomial: q._run(block.matvec, r))
                )
                block.matvecs = block.reductions = 0
                block.gather_seconds = block.reduce_seconds = 0.0
                dist.barrier()
                start = time.perf_counter()
                x, iterations, converged = cg(block, b, apply_m, job["rtol"], job["maxiter"])
                times[label].append(
                    (time.perf_counter() - start, block.gather_seconds, block.reduce_seconds)
                )
                solved[label] = (x, iterations, converged, block.matvecs, block.reductions)
        results = {}
        for label in polynomials:
            x, iterations, converged, matvecs, reductions = solved[label]
            seconds, gather, reduce_ = np.median(np.array(times[label]), axis=0)
            parts = [None] * world
            dist.all_gather_object(parts, (block.lo, x * scale[block.lo : block.hi]))
            # communication and CG units pooled over every turn of every method (one machine,
            # one matrix); the polynomial step's own unit over this method's turns
            pooled = [u for turns in units.values() for u in turns]
            unit = {
                key: float(np.median([u[key] for u in pooled]))
                for key in ("t_matvec", "t_reduction", "t_cg_iteration")
            }
            unit["t_poly_step"] = float(np.median([u["t_poly_step"] for u in units[label]]))
            results[label] = {
                "iterations": iterations,
                "matvecs": matvecs,
                "reductions": reductions,
                "converged": converged,
                "seconds": float(seconds),
                "gather_seconds": float(gather),
                "all_reduce_seconds": float(reduce_),
                "unit_costs": unit,
                "x": np.concatenate([p for _, p in sorted(parts, key=lambda t: t[0])]),
            }
        if rank == 0:
            out.update(results)
    finally:
        dist.destroy_process_group()


def distributed_cg(
    a,
    b: np.ndarray,
    polynomials: dict[str, Any],
    *,
    world: int = 2,
    rtol: float = 1e-8,
    maxiter: int = 20_000,
    repeats: int = 3,
    calibration: int = 50,
) -> dict[str, dict[str, Any]]:
    """CG on ``world`` gloo processes for each preconditioner of ``polynomials`` ({label:
    polynomial of S A S with ``_run``, or None for Jacobi}); per label the iterations, matvecs
    and reductions of one solve, and the median over ``repeats`` of its wall time and of the
    time spent in all_gather (matvecs) and all_reduce (reductions); ``unit_costs`` the medians
    of :func:`_unit_costs` (``calibration`` back-to-back calls each, measured just before each
    solve; t_mv, t_red and t_cg pooled over all methods' turns, t_step over the method's),
    ``predicted_seconds`` by :func:`predicted_seconds` and
    ``predicted_seconds_communication_only`` = matvecs·t_mv + reductions·t_red; ``x`` the
    solution."""
    a = check_operator(a)
    if not sp.issparse(a):
        raise ValueError("a must be an explicit sparse matrix (its rows are distributed)")
    if not isinstance(world, int) or world < 1:
        raise ValueError(f"world must be an integer >= 1, got {world!r}")
    scale = jacobi_scaling(a)
    job = {
        "scaled": scaled_operator(a, scale),
        "scale": scale,
        "b": np.asarray(b, dtype=np.float64),
        "polynomials": polynomials,
        "rtol": rtol,
        "maxiter": maxiter,
        "repeats": repeats,
        "calibration": calibration,
    }
    with tempfile.TemporaryDirectory() as tmp, mp.Manager() as manager:
        out = manager.dict()
        mp.spawn(_worker, args=(world, os.path.join(tmp, "store"), job, out), nprocs=world)
        results = dict(out)
    for label in polynomials:
        row = results[label]
        unit = row["unit_costs"]
        row["predicted_seconds"] = predicted_seconds(
            row["matvecs"], row["reductions"], row["iterations"], unit
        )
        row["predicted_seconds_communication_only"] = (
            row["matvecs"] * unit["t_matvec"] + row["reductions"] * unit["t_reduction"]
        )
    return results


def predicted_seconds(matvecs: int, reductions: int, iterations: int, unit: dict) -> float:
    """time ≈ matvecs·t_mv + reductions·t_red + iterations·t_cg + (matvecs − iterations)·t_step:
    communication (matvecs with their SpMV, reductions) plus the local work of the CG
    iterations and of the polynomial's recurrence steps (one per matvec inside M)."""
    return (
        matvecs * unit["t_matvec"]
        + reductions * unit["t_reduction"]
        + iterations * unit["t_cg_iteration"]
        + (matvecs - iterations) * unit["t_poly_step"]
    )

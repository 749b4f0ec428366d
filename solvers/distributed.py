"""Conjugate gradients across processes with ``torch.distributed`` (gloo on CPU): the rows of A
are split evenly between the ranks; a matvec all-gathers the vector and multiplies the rank's
rows (scipy SpMV), an inner product sums the local parts with ``all_reduce``. The preconditioner
is a polynomial p of the Jacobi-scaled operator applied by its recurrence with these matvecs
(degree 0: Jacobi), so the polynomial trades CG's 2 reductions per iteration (⟨r, z⟩ and
⟨p, Ap⟩; the residual norm is read from ⟨r, r⟩ summed with ⟨r, z⟩ in one call) for matvecs.
Every collective is timed: time ≈ matvecs·t_mv + reductions·t_red is the cost model.
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


def _unit_costs(block: RowBlock, v: np.ndarray, count: int) -> dict[str, float]:
    """Median over ``count`` calls of the wall time of one matvec (all_gather + local SpMV) and
    of one all_reduce of two inner products: t_mv and t_red of the cost model."""
    mv, red = [], []
    for _ in range(count):
        dist.barrier()
        start = time.perf_counter()
        block.matvec(v)
        mv.append(time.perf_counter() - start)
        dist.barrier()
        start = time.perf_counter()
        block.dots((v, v), (v, v))
        red.append(time.perf_counter() - start)
    return {"t_matvec": float(np.median(mv)), "t_reduction": float(np.median(red))}


def _worker(rank: int, world: int, store: str, job: dict, out: dict) -> None:
    dist.init_process_group("gloo", init_method=f"file://{store}", rank=rank, world_size=world)
    try:
        torch.set_num_threads(1)
        scaled, scale = job["scaled"], job["scale"]
        block = RowBlock(scaled, rank, world)
        b = job["b"][block.lo : block.hi] * scale[block.lo : block.hi]
        results = {"cost_model": _unit_costs(block, b, job["calibration"])}
        for label, polynomial in job["polynomials"].items():
            apply_m = (
                (lambda r: r)
                if polynomial is None
                else (lambda r, q=polynomial: q._run(block.matvec, r))
            )
            times = []
            for _ in range(job["repeats"]):
                block.matvecs = block.reductions = 0
                block.gather_seconds = block.reduce_seconds = 0.0
                dist.barrier()
                start = time.perf_counter()
                x, iterations, converged = cg(block, b, apply_m, job["rtol"], job["maxiter"])
                times.append(
                    (time.perf_counter() - start, block.gather_seconds, block.reduce_seconds)
                )
            seconds, gather, reduce_ = np.median(np.array(times), axis=0)
            parts = [None] * world
            dist.all_gather_object(parts, (block.lo, x * scale[block.lo : block.hi]))
            results[label] = {
                "iterations": iterations,
                "matvecs": block.matvecs,
                "reductions": block.reductions,
                "converged": converged,
                "seconds": float(seconds),
                "gather_seconds": float(gather),
                "all_reduce_seconds": float(reduce_),
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
    time spent in all_gather (matvecs) and all_reduce (reductions), ``predicted_seconds`` =
    matvecs·t_mv + reductions·t_red with t_mv, t_red measured apart (``cost_model``, medians
    of ``calibration`` calls); ``x`` the solution."""
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
    unit = results["cost_model"]
    for label in polynomials:
        row = results[label]
        row["predicted_seconds"] = (
            row["matvecs"] * unit["t_matvec"] + row["reductions"] * unit["t_reduction"]
        )
    return results

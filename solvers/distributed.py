"""Conjugate gradients across processes with ``torch.distributed`` (gloo on CPU): the rows of A
are split evenly between the ranks; a matvec all-gathers the vector and multiplies the rank's
rows (scipy SpMV), an inner product sums the local parts with ``all_reduce``. The preconditioner
is a polynomial p of the Jacobi-scaled operator applied by its recurrence with these matvecs
(degree 0: Jacobi), so the polynomial trades CG's 2 reductions per iteration (⟨r, z⟩ and
⟨p, Ap⟩; the residual norm is read from ⟨r, r⟩ summed with ⟨r, z⟩ in one call) for matvecs.
Every collective is timed; the cost model is time ≈ matvecs·t_mv + reductions·t_red plus the
local work per CG iteration and per polynomial step (:func:`predicted_seconds`), each unit
measured apart in back-to-back calls, alternating with the solves.

``device="cuda"`` runs the same CG on torch tensors: each rank holds its rows as a sparse CSR
tensor on ``cuda:{rank}``, the vectors are float64 tensors there, the backend is NCCL, a matvec
all-gathers on the device and multiplies with ``@`` (cuSPARSE), and the CG scalars stay on the
device; only the convergence check reads one on the host, one synchronisation per iteration
(counted and timed). On a GPU that synchronisation drains the queue of launched kernels, so
every CG iteration costs a round trip: a polynomial preconditioner, which needs far fewer
iterations, pays exactly there. The same torch path runs on the CPU with gloo
(``arrays="torch"``), which is how it is tested without a GPU.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from solvers.linear_operators import check_operator, jacobi_scaling, scaled_operator


class RowBlock:
    """This rank's rows of A with NumPy vectors and SciPy SpMV (gloo); ``matvec`` and ``dots``
    count and time their collectives."""

    def __init__(self, a: sp.csr_matrix, rank: int, world: int):
        bounds = np.linspace(0, a.shape[0], world + 1).astype(int)
        self.lo, self.hi = int(bounds[rank]), int(bounds[rank + 1])
        self.sizes = np.diff(bounds).tolist()
        self.rows = sp.csr_matrix(a[self.lo : self.hi])
        self.reset()

    def reset(self) -> None:
        """Zero the counters and timers."""
        self.matvecs = self.reductions = self.host_syncs = 0
        self.gather_seconds = self.reduce_seconds = self.sync_seconds = 0.0

    def vector(self, v: np.ndarray) -> np.ndarray:
        """A local vector in this block's array type."""
        return np.array(v, dtype=np.float64)

    def to_host(self, v) -> np.ndarray:
        return np.asarray(v)

    def synchronize(self) -> None:
        """Wait for queued device work (nothing to wait for on this path)."""

    def mark(self) -> float:
        """A point in time for :meth:`seconds`."""
        return time.perf_counter()

    def seconds(self, start, end) -> float:
        """Seconds between two marks (after :meth:`synchronize`)."""
        return end - start

    def timings(self) -> tuple[float, float, float]:
        """Seconds spent in all_gather, in all_reduce and in host synchronisations."""
        return self.gather_seconds, self.reduce_seconds, self.sync_seconds

    def host_bool(self, flag) -> bool:
        return bool(flag)

    def matvec(self, x: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        parts = [torch.empty(s, dtype=torch.float64) for s in self.sizes]
        dist.all_gather(parts, torch.from_numpy(np.ascontiguousarray(x)))
        full = torch.cat(parts).numpy()
        self.gather_seconds += time.perf_counter() - start
        self.matvecs += 1
        return self.rows @ full

    def local_dots(self, *pairs: tuple[np.ndarray, np.ndarray]) -> torch.Tensor:
        """This rank's uᵀv for each pair, as the tensor ``dots`` reduces."""
        return torch.tensor([float(u @ v) for u, v in pairs], dtype=torch.float64)

    def from_tensor(self, t: torch.Tensor) -> np.ndarray:
        return t.numpy()

    def dots(self, *pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Σ over ranks of uᵀv for each pair, in one ``all_reduce``."""
        local = self.local_dots(*pairs)
        start = time.perf_counter()
        dist.all_reduce(local)
        self.reduce_seconds += time.perf_counter() - start
        self.reductions += 1
        return local.numpy()


class TorchRowBlock(RowBlock):
    """This rank's rows of A as a torch sparse CSR tensor on ``device`` with float64 tensor
    vectors (gloo on the CPU, NCCL on ``cuda:{rank}``). ``dots`` returns the reduced inner
    products as a device tensor; ``host_bool`` reads a device flag on the host, the one
    synchronisation of a CG iteration. On CUDA the collectives are timed by CUDA events on the
    current stream (no synchronisation), read by :meth:`timings` after :meth:`synchronize`."""

    def __init__(self, a: sp.csr_matrix, rank: int, world: int, device: torch.device):
        super().__init__(a, rank, world)
        rows = self.rows.copy()
        rows.sort_indices()
        self.device = torch.device(device)
        self.cuda = self.device.type == "cuda"
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            self.rows = torch.sparse_csr_tensor(
                torch.from_numpy(rows.indptr.astype(np.int64)),
                torch.from_numpy(rows.indices.astype(np.int64)),
                torch.from_numpy(rows.data.astype(np.float64)),
                size=rows.shape,
                dtype=torch.float64,
                check_invariants=True,
            ).to(self.device)
        self.parts = [torch.empty(s, dtype=torch.float64, device=self.device) for s in self.sizes]

    def reset(self) -> None:
        super().reset()
        self.intervals: dict[str, list] = {"gather": [], "reduce": []}

    def vector(self, v: np.ndarray) -> torch.Tensor:
        return torch.tensor(np.asarray(v, dtype=np.float64), device=self.device)

    def to_host(self, v: torch.Tensor) -> np.ndarray:
        return v.cpu().numpy()

    def synchronize(self) -> None:
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def mark(self):
        if not self.cuda:
            return time.perf_counter()
        event = torch.cuda.Event(enable_timing=True)
        event.record()
        return event

    def seconds(self, start, end) -> float:
        return start.elapsed_time(end) / 1e3 if self.cuda else end - start

    def timings(self) -> tuple[float, float, float]:
        self.synchronize()
        gather, reduce_ = (
            sum(self.seconds(*pair) for pair in self.intervals[kind])
            for kind in ("gather", "reduce")
        )
        return gather, reduce_, self.sync_seconds

    def host_bool(self, flag: torch.Tensor) -> bool:
        start = time.perf_counter()
        value = bool(flag)
        self.sync_seconds += time.perf_counter() - start
        self.host_syncs += 1
        return value

    def matvec(self, x: torch.Tensor) -> torch.Tensor:
        start = self.mark()
        dist.all_gather(self.parts, x)
        full = torch.cat(self.parts)
        self.intervals["gather"].append((start, self.mark()))
        self.matvecs += 1
        return self.rows @ full

    def local_dots(self, *pairs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return torch.stack([u @ v for u, v in pairs])

    def from_tensor(self, t: torch.Tensor) -> torch.Tensor:
        return t

    def dots(self, *pairs: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """Σ over ranks of uᵀv for each pair, in one ``all_reduce``, left on the device."""
        local = self.local_dots(*pairs)
        start = self.mark()
        dist.all_reduce(local)
        self.intervals["reduce"].append((start, self.mark()))
        self.reductions += 1
        return local


def _zeros_like(v):
    return torch.zeros_like(v) if isinstance(v, torch.Tensor) else np.zeros_like(v)


def _copy(v):
    return v.clone() if isinstance(v, torch.Tensor) else v.copy()


def _sqrt(s):
    return torch.sqrt(s) if isinstance(s, torch.Tensor) else np.sqrt(s)


def cg(block: RowBlock, b: np.ndarray, apply_m, rtol: float, maxiter: int) -> tuple:
    """Preconditioned CG on this rank's part ``b`` of the Jacobi-scaled system (2 reductions
    per iteration, stops at ‖r‖ ≤ rtol‖b‖ of that system); returns (x part, iterations,
    converged). NumPy arrays or torch tensors alike: with tensors the scalars stay on their
    device and only the stopping test is read on the host (``block.host_bool``)."""
    x = _zeros_like(b)
    r = _copy(b)
    z = apply_m(r)
    rz, rr = block.dots((r, z), (r, r))
    norm_b = _sqrt(rr)
    p = _copy(z)
    for it in range(1, maxiter + 1):
        ap = block.matvec(p)
        (pap,) = block.dots((p, ap))
        alpha = rz / pap
        x += alpha * p
        r -= alpha * ap
        z = apply_m(r)
        rz_new, rr = block.dots((r, z), (r, r))
        if block.host_bool(_sqrt(rr) <= rtol * norm_b):
            return x, it, True
        p = z + (rz_new / rz) * p
        rz = rz_new
    return x, maxiter, False


class _LocalBlock:
    """A stand-in for ``block`` without communication: ``matvec`` returns a fixed local
    vector and ``dots`` computes the local inner products but returns ones (so the CG scalars
    stay tame), so a CG run on it times the local work alone (the stopping test's host
    synchronisation included)."""

    def __init__(self, block: RowBlock, y):
        self.block, self.y = block, y
        self.matvecs = self.reductions = 0

    def matvec(self, x):
        return self.y

    def dots(self, *pairs):
        return self.block.from_tensor(torch.ones_like(self.block.local_dots(*pairs)))

    def host_bool(self, flag) -> bool:
        return self.block.host_bool(flag)


def _unit_costs(block: RowBlock, v, count: int, polynomial) -> dict[str, float]:
    """The cost model's unit times from ``count`` back-to-back rounds of one matvec and two
    all_reduce calls, interleaved as in a CG iteration with no barrier between them (so waits
    on the other rank are included): t_mv one matvec (all_gather + local SpMV), t_red one
    all_reduce of one or two inner products, t_cg the local
    vector work and interpreter overhead of one CG iteration, t_step that of one step of the
    polynomial's recurrence (``polynomial`` of degree ≥ 1, or None: 0). On CUDA each timed
    loop starts and ends with ``torch.cuda.synchronize()`` and the rounds are split by CUDA
    events, so no synchronisation is added between the calls that a solve does not make."""
    dist.barrier()
    block.synchronize()
    marks = []
    for _ in range(count):  # interleaved as in CG: one matvec, then two all_reduce calls
        start = block.mark()
        block.matvec(v)
        middle = block.mark()
        block.dots((v, v), (v, v))
        block.dots((v, v))
        marks.append((start, middle, block.mark()))
    block.synchronize()
    t_mv = sum(block.seconds(start, middle) for start, middle, _ in marks) / count
    t_red = sum(block.seconds(middle, end) for _, middle, end in marks) / (2 * count)
    local = _LocalBlock(block, 0.5 * v)
    block.synchronize()
    start = time.perf_counter()
    cg(local, v, lambda r: r, 0.0, count)
    block.synchronize()
    t_cg = (time.perf_counter() - start) / count
    t_step = 0.0
    if polynomial is not None and polynomial.degree >= 1:
        rounds = max(count // polynomial.degree, 1)
        block.synchronize()
        start = time.perf_counter()
        for _ in range(rounds):
            polynomial._run(local.matvec, v)
        block.synchronize()
        t_step = (time.perf_counter() - start) / (rounds * polynomial.degree)
    return {"t_matvec": t_mv, "t_reduction": t_red, "t_cg_iteration": t_cg, "t_poly_step": t_step}


def _block(job: dict, rank: int, world: int) -> RowBlock:
    if job["arrays"] == "numpy":
        return RowBlock(job["scaled"], rank, world)
    device = torch.device("cuda", rank) if job["device"] == "cuda" else torch.device("cpu")
    return TorchRowBlock(job["scaled"], rank, world, device)


def _worker(rank: int, world: int, store: str, job: dict, out: dict) -> None:
    cuda = job["device"] == "cuda"
    if cuda:
        torch.cuda.set_device(rank)
    dist.init_process_group(
        "nccl" if cuda else "gloo",
        init_method=f"file://{store}",
        rank=rank,
        world_size=world,
        device_id=torch.device("cuda", rank) if cuda else None,
    )
    try:
        torch.set_num_threads(1)
        scale = job["scale"]
        block = _block(job, rank, world)
        b = block.vector(job["b"][block.lo : block.hi] * scale[block.lo : block.hi])
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
                block.reset()
                dist.barrier()
                block.synchronize()
                start = time.perf_counter()
                x, iterations, converged = cg(block, b, apply_m, job["rtol"], job["maxiter"])
                block.synchronize()
                seconds = time.perf_counter() - start
                times[label].append((seconds, *block.timings()))
                solved[label] = (
                    block.to_host(x),
                    iterations,
                    converged,
                    block.matvecs,
                    block.reductions,
                    block.host_syncs,
                )
        results = {}
        for label in polynomials:
            x, iterations, converged, matvecs, reductions, syncs = solved[label]
            seconds, gather, reduce_, sync = np.median(np.array(times[label]), axis=0)
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
                "host_syncs": syncs,
                "converged": converged,
                "seconds": float(seconds),
                "gather_seconds": float(gather),
                "all_reduce_seconds": float(reduce_),
                "host_sync_seconds": float(sync),
                "unit_costs": unit,
                "x": np.concatenate([p for _, p in sorted(parts, key=lambda t: t[0])]),
            }
        if rank == 0:
            out.update(results)
    finally:
        dist.destroy_process_group()


DEVICES = ("cpu", "cuda")
ARRAYS = ("auto", "numpy", "torch")


def _check_device(device: str, arrays: str, world: int) -> str:
    """The array type for ``device``/``arrays``, after checking that the device exists."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    if arrays not in ARRAYS:
        raise ValueError(f"arrays must be one of {', '.join(ARRAYS)}, got {arrays!r}")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                "device='cuda' needs a CUDA GPU, but torch.cuda.is_available() is False"
            )
        if arrays == "numpy":
            raise ValueError("arrays='numpy' runs on the CPU only; device='cuda' needs 'torch'")
        if world > torch.cuda.device_count():
            raise ValueError(
                f"world must be at most the {torch.cuda.device_count()} visible GPU(s) for "
                f"device='cuda' (one rank per GPU), got {world}"
            )
        return "torch"
    return "numpy" if arrays == "auto" else arrays


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
    device: str = "cpu",
    arrays: str = "auto",
) -> dict[str, dict[str, Any]]:
    """Preconditioned CG across ``world`` ``torch.distributed`` processes, timed and counted.

    CG on ``world`` processes for each preconditioner of ``polynomials`` ({label:
    polynomial of S A S with ``_run``, or None for Jacobi}); per label the iterations, matvecs,
    reductions and host synchronisations of one solve, and the median over ``repeats`` of its
    wall time and of the time spent in all_gather (matvecs), all_reduce (reductions) and host
    synchronisations (the stopping test; none on the NumPy path); ``unit_costs`` the medians
    of :func:`_unit_costs` (``calibration`` back-to-back calls each, measured just before each
    solve; t_mv, t_red and t_cg pooled over all methods' turns, t_step over the method's),
    ``predicted_seconds`` by :func:`predicted_seconds` and
    ``predicted_seconds_communication_only`` = matvecs·t_mv + reductions·t_red; ``x`` the
    solution. A solve that stops at ``maxiter`` is reported ``converged: False`` with a
    ``RuntimeWarning``.

    ``device``: "cpu" (gloo) or "cuda" (NCCL, rank r on ``cuda:r``, so ``world`` ≤ the
    visible GPUs). ``arrays``: the local vectors: "numpy" (SciPy SpMV; CPU only), "torch"
    (float64 tensors on the device, sparse CSR SpMV, CG scalars left on the device: one host
    synchronisation per iteration) or "auto" (numpy on the CPU, torch on CUDA).

    Parameters
    ----------
    a : sparse matrix or ndarray
        Symmetric positive definite, explicit (its rows are split between the ranks), with
        a nonzero diagonal (Jacobi scaling S = D^{-1/2}).
    b : ndarray
        Right-hand side, shape (n,). Its length is not checked here: a longer ``b`` is cut
        to n, a shorter one fails in the workers.
    polynomials : dict
        {label: polynomial or None}: a polynomial of the Jacobi-scaled S A S with ``_run``
        and ``degree``, e.g. ``polynomial_preconditioner(a, d, method).polynomial``, or None
        for Jacobi (degree 0). One solve per label.
    world : int, default 2
        Number of processes (ranks), >= 1; on CUDA at most the visible GPUs.
    rtol : float, default 1e-8
        CG stops at ‖r‖ ≤ rtol·‖Sb‖ of the scaled system S A S y = S b.
    maxiter : int, default 20000
        CG iterations before a solve is reported ``converged: False``.
    repeats : int, default 3
        Solves per label (alternating with the calibration); times are their medians.
    calibration : int, default 50
        Back-to-back rounds per measurement of the unit costs.
    device : {"cpu", "cuda"}, default "cpu"
        gloo on the CPU, or NCCL with rank r on ``cuda:r``.
    arrays : {"auto", "numpy", "torch"}, default "auto"
        The local vectors: NumPy with SciPy SpMV (CPU only), float64 torch tensors with
        sparse CSR SpMV, or "auto" (numpy on the CPU, torch on CUDA).

    Returns
    -------
    dict
        {label: row}, each row with ``iterations``, ``matvecs``, ``reductions``,
        ``host_syncs``, ``converged``, ``seconds``, ``gather_seconds``,
        ``all_reduce_seconds``, ``host_sync_seconds``, ``unit_costs`` (``t_matvec``,
        ``t_reduction``, ``t_cg_iteration``, ``t_poly_step``), ``predicted_seconds``,
        ``predicted_seconds_communication_only`` and ``x``, the solution of A x = b, shape
        (n,). ``reductions`` = 1 + 2·iterations and ``matvecs`` = iterations + d·(iterations
        + 1) for a degree-d polynomial.

    Raises
    ------
    ValueError
        If ``a`` is a ``LinearOperator`` or not a square real finite matrix, has a zero
        diagonal entry, ``world`` is not an integer >= 1, ``device`` or ``arrays`` is
        unknown, or ``device="cuda"`` without a GPU, with ``arrays="numpy"`` or with more
        ranks than GPUs.
    TypeError
        If ``a`` is no matrix at all.
    torch.multiprocessing.ProcessRaisedException
        If a worker fails (e.g. a ``b`` shorter than n).

    Warns
    -----
    RuntimeWarning
        For each label whose solve stops at ``maxiter``.

    See Also
    --------
    polynomial_preconditioner : Makes the polynomials (its ``polynomial`` attribute).
    predicted_seconds : The cost model.

    Examples
    --------
    Each call spawns ``world`` fresh Python processes (torch imported in each, several
    seconds even for ``world=1``), so the solve is not run as a doctest:

    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> from solvers import polynomial_preconditioner
    >>> a = poisson2d(8)
    >>> b = np.ones(64)
    >>> chebyshev = polynomial_preconditioner(a, 4, "chebyshev").polynomial
    >>> polys = {"jacobi": None, "chebyshev": chebyshev}
    >>> out = distributed_cg(a, b, polys, world=2, repeats=1)  # doctest: +SKIP
    >>> [(k, r["converged"], r["iterations"], r["matvecs"], r["reductions"])
    ...  for k, r in out.items()]  # doctest: +SKIP
    [('jacobi', True, 10, 10, 21), ('chebyshev', True, 9, 49, 19)]
    >>> bool(np.allclose(a @ out["chebyshev"]["x"], b))  # doctest: +SKIP
    True

    Arguments are checked before any process starts:

    >>> distributed_cg(a, b, polys, world=0)
    Traceback (most recent call last):
    ...
    ValueError: world must be an integer >= 1, got 0
    """
    a = check_operator(a)
    if not sp.issparse(a):
        raise ValueError("a must be an explicit sparse matrix (its rows are distributed)")
    if not isinstance(world, int) or world < 1:
        raise ValueError(f"world must be an integer >= 1, got {world!r}")
    arrays = _check_device(device, arrays, world)
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
        "device": device,
        "arrays": arrays,
    }
    with tempfile.TemporaryDirectory() as tmp, mp.Manager() as manager:
        out = manager.dict()
        mp.spawn(_worker, args=(world, os.path.join(tmp, "store"), job, out), nprocs=world)
        results = dict(out)
    for label in polynomials:
        row = results[label]
        if not row["converged"]:
            warnings.warn(
                f"distributed CG ({label}) did not reach rtol={rtol:g} in {maxiter} iterations",
                RuntimeWarning,
                stacklevel=2,
            )
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

"""Least squares by the discovered sketch-and-precondition iteration, called like NumPy's.

min_x ‖Ax − b‖₂ for a real A (m×n, dense or ``scipy.sparse``), the program MCGS finds for the
``sketched-krylov`` stage (Blendenpik/LSRN with restarts), for a tall A whose sketch is smaller
than A (m > ``sketch_factor``·n):

1. R from the Householder QR of a CountSketch S·A with d = ``sketch_factor``·n rows, so that
   AR⁻¹ is well conditioned (κ(AR⁻¹) ≤ (1 + ε)/(1 − ε) for an ε-subspace embedding S);
2. restarts x ← x + R⁻¹y, with y from ``steps`` CG iterations on the right-preconditioned
   normal equations (AR⁻¹)ᵀ(AR⁻¹)y = (AR⁻¹)ᵀ(b − Ax) (CGLS on AR⁻¹);
3. stop once ‖Aᵀr‖ ≤ rtol·‖A‖_F·‖r‖ (LSQR's test for an inconsistent system),
   ‖r‖ ≤ atol·‖b‖, or ‖r‖ ≤ n·ε·(‖A‖_F‖x‖ + ‖b‖) (a consistent system solved to round-off),
   r = b − Ax checked before every restart.

Every other A is solved directly by LAPACK (``numpy.linalg.lstsq``, the minimum-norm
solution): a wide, square or nearly square A (the sketch would not be smaller than A, so it
saves nothing), and an A whose sketched R is numerically singular (its estimated reciprocal
condition number ≤ max(m, n)·ε, NumPy's rank cut-off: a rank-deficient A, or an unlucky
sketch of a coherent one). A sparse A is made dense for the direct solve.

One restart reads A 2 + ``steps`` times (r, Aᵀr and one blocked Aᵀ(Aw) per CG step).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg.lapack as lapack
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from linalg_discovery.lowrank.problems import check_real
from linalg_discovery.lowrank.solver import randomized_svd
from linalg_discovery.primitives import countsketch, preconditioned_cgls, qr_r
from sciml.core.checks import check_integer, check_nonnegative

__all__ = ["lstsq", "randomized_svd"]


def _check_inputs(a: Any, b: Any) -> tuple[np.ndarray | sp.csr_matrix, np.ndarray]:
    if isinstance(a, spla.LinearOperator):
        raise TypeError(
            "A must be a dense array or a scipy.sparse matrix, got a LinearOperator "
            "(lstsq sketches the entries of A)"
        )
    if sp.issparse(a):
        check_real(a.dtype, "A")
        a = sp.csr_matrix(a, dtype=np.float64)
        values = a.data
    else:
        a = np.asarray(a)
        if a.ndim != 2:
            raise ValueError(f"A must be a 2-D matrix, got shape {a.shape}")
        check_real(a.dtype, "A")
        a = values = a.astype(np.float64, copy=False)
    if not np.all(np.isfinite(values)):
        raise ValueError("A must be finite (found NaN or Inf)")
    b = np.asarray(b)
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError(
            f"b must have shape (m,) or (m, k) with m = {a.shape[0]} (the rows of A), "
            f"got shape {b.shape}"
        )
    check_real(b.dtype, "b")
    b = b.astype(np.float64, copy=False)
    if not np.all(np.isfinite(b)):
        raise ValueError("b must be finite (found NaN or Inf)")
    return a, b


def _power_of_two_scale(values: np.ndarray) -> float:
    """1, or for entries whose squares or products would under- or overflow (largest |entry|
    outside [2⁻¹⁰⁰, 2¹⁰⁰]) the power of two 2^e that brings it into [1/2, 1): dividing by it
    is exact, and ‖·‖ of the scaled vectors neither underflows to 0 nor overflows."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    if peak == 0.0 or 2.0**-100 <= peak <= 2.0**100:
        return 1.0
    return float(np.ldexp(1.0, np.frexp(peak)[1]))


def _residual(
    a: np.ndarray | sp.csr_matrix, x: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """r = b − Ax, ‖r‖ and ‖Aᵀr‖."""
    r = b - a @ x
    return r, float(np.linalg.norm(r)), float(np.linalg.norm(a.T @ r))


def _restarts(
    a: np.ndarray | sp.csr_matrix,
    r_factor: np.ndarray,
    b: np.ndarray,
    norm_a: float,
    rtol: float,
    atol: float,
    steps: int,
    max_restarts: int,
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """The restarted preconditioned CGLS on one right-hand side (``None`` if it broke down)."""
    n = a.shape[1]
    norm_b = float(np.linalg.norm(b))
    x = np.zeros(n)
    residuals: list[float] = []
    normal_residuals: list[float] = []
    converged = False
    restarts = 0
    passes = 0
    while True:
        r, norm_r, norm_g = _residual(a, x, b)
        passes += 2
        if not np.isfinite(norm_r + norm_g):
            return None
        residuals.append(norm_r / norm_b if norm_b > 0 else norm_r)
        normal_residuals.append(norm_g / (norm_a * norm_r) if norm_g > 0 else 0.0)
        roundoff = n * np.finfo(np.float64).eps * (norm_a * float(np.linalg.norm(x)) + norm_b)
        if norm_r <= max(atol * norm_b, roundoff) or norm_g <= rtol * norm_a * norm_r:
            converged = True
            break
        if restarts == max_restarts:
            break
        x = x + preconditioned_cgls(a, r_factor, r, steps)
        restarts += 1
        passes += 1 + steps
    return x, {
        "converged": converged,
        "iterations": restarts,
        "residuals": residuals,
        "normal_residuals": normal_residuals,
        "passes": passes,
    }


def _direct(
    a: np.ndarray | sp.csr_matrix, b: np.ndarray, norm_a: float
) -> tuple[np.ndarray, dict[str, Any]]:
    """NumPy's (LAPACK's) minimum-norm solution and the same ``info`` keys."""
    x, _, rank, _ = np.linalg.lstsq(a.toarray() if sp.issparse(a) else a, b, rcond=None)
    residuals, normal_residuals = [], []
    for j in range(x.shape[1] if x.ndim == 2 else 1):
        column, rhs = (x[:, j], b[:, j]) if x.ndim == 2 else (x, b)
        _, norm_r, norm_g = _residual(a, column, rhs)
        norm_b = float(np.linalg.norm(rhs))
        residuals.append([norm_r / norm_b if norm_b > 0 else norm_r])
        normal_residuals.append([norm_g / (norm_a * norm_r) if norm_g > 0 else 0.0])
    info = {
        "method": "lapack",
        "rank": int(rank),
        "converged": True,
        "iterations": 0,
        "cg_steps": 0,
        "residuals": residuals if b.ndim == 2 else residuals[0],
        "normal_residuals": normal_residuals if b.ndim == 2 else normal_residuals[0],
        "sketch": None,
        "sketch_rows": 0,
        "passes_over_A": None,
    }
    return x, info


def lstsq(
    A: np.ndarray | sp.spmatrix,
    b: np.ndarray,
    *,
    rtol: float = 1e-12,
    atol: float = 0.0,
    seed: int = 0,
    sketch_factor: int = 12,
    steps: int = 10,
    max_restarts: int = 50,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Solve min_x ‖Ax − b‖₂ by sketch-and-precondition, or by LAPACK where that cannot help.

    For a tall A (m > ``sketch_factor``·n) the triangular factor R of a CountSketch S·A
    preconditions restarted CGLS on AR⁻¹; a wide, square or nearly square A, or one whose
    sketched R is numerically singular, is solved by ``numpy.linalg.lstsq`` (the
    minimum-norm solution). See the module docstring for the stopping tests.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (m, n)
        Real, finite matrix, any shape ``numpy.linalg.lstsq`` takes. Complex A and
        ``LinearOperator`` are refused (the sketch needs the entries of A).
    b : array_like, shape (m,) or (m, k)
        Real, finite right-hand side(s).
    rtol : float, default 1e-12
        Stop when ‖Aᵀr‖ ≤ rtol·‖A‖_F·‖r‖ (r = b − Ax); finite, ≥ 0.
    atol : float, default 0.0
        Stop when ‖r‖ ≤ atol·‖b‖; finite, ≥ 0.
    seed : int, default 0
        Seed of the sketch, ≥ 0; the same seed gives the same bytes.
    sketch_factor : int, default 12
        Sketch rows d = sketch_factor·n, ≥ 1; A is solved directly when d ≥ m.
    steps : int, default 10
        CG steps per restart, ≥ 1.
    max_restarts : int, default 50
        Restarts before giving up with a ``RuntimeWarning``, ≥ 0.

    Returns
    -------
    x : ndarray, shape (n,) or (n, k)
        The least-squares solution (float64), one column per column of b.
    info : dict
        ``method`` (``"sketch-and-precondition"`` or ``"lapack"``), ``rank``
        (n on the iterative path, LAPACK's effective rank on the direct one), ``converged``,
        ``iterations`` (restarts, the most any column of b took), ``cg_steps``, ``residuals``
        (‖r‖/‖b‖ before each restart and at the end), ``normal_residuals``
        (‖Aᵀr‖/(‖A‖_F‖r‖), 0 where Aᵀr = 0, same points), ``sketch`` and ``sketch_rows``
        (``None`` and 0 on the direct path), ``passes_over_A`` (``None`` on the direct path).
        For a 2-D b, ``residuals`` and ``normal_residuals`` hold one list per column.

    Raises
    ------
    ValueError
        For a non-2-D or non-finite A, a b whose rows do not match A's or that is not 1-D or
        2-D or is non-finite, or an invalid tolerance, seed, sketch factor, number of steps
        or restarts.
    TypeError
        For a complex (or non-numeric) A or b, or A given as a ``LinearOperator``.

    Warns
    -----
    RuntimeWarning
        When a column of b has not converged after ``max_restarts`` restarts.

    See Also
    --------
    numpy.linalg.lstsq : The direct (LAPACK) least-squares solver.
    scipy.sparse.linalg.lsqr : Unpreconditioned Krylov least squares.
    linalg_discovery.solvers.randomized_svd : The discovered randomized SVD.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A, b = rng.standard_normal((2000, 10)), rng.standard_normal(2000)
    >>> x, info = lstsq(A, b)
    >>> info["method"], bool(np.allclose(x, np.linalg.lstsq(A, b)[0], rtol=1e-10))
    ('sketch-and-precondition', True)
    >>> info["converged"], info["sketch_rows"]   # d = 12·n
    (True, 120)
    >>> B = rng.standard_normal((2000, 3))   # several right-hand sides
    >>> X, _ = lstsq(A, B)
    >>> X.shape, bool(np.allclose(X, np.linalg.lstsq(A, B)[0], rtol=1e-10))
    ((10, 3), True)
    >>> lstsq(np.eye(3), [1.0, 2.0, 3.0])[1]["method"]   # a sketch would not be smaller
    'lapack'
    """
    a, b = _check_inputs(A, b)
    rtol = check_nonnegative(rtol, "rtol")
    atol = check_nonnegative(atol, "atol")
    seed = check_integer(seed, "seed", minimum=0)
    sketch_factor = check_integer(sketch_factor, "sketch_factor", minimum=1)
    steps = check_integer(steps, "steps", minimum=1)
    max_restarts = check_integer(max_restarts, "max_restarts", minimum=0)
    scale_a = _power_of_two_scale(a.data if sp.issparse(a) else a)
    scale_b = _power_of_two_scale(b)
    if scale_a != 1.0 or scale_b != 1.0:  # solve A/sa · y = b/sb exactly scaled, x = y·sb/sa
        options = {"rtol": rtol, "atol": atol, "seed": seed, "sketch_factor": sketch_factor}
        options.update(steps=steps, max_restarts=max_restarts)
        y, info = lstsq(a / scale_a, b / scale_b, **options)
        return y * (scale_b / scale_a), info
    m, n = a.shape
    d = sketch_factor * n
    norm_a = float(spla.norm(a) if sp.issparse(a) else np.linalg.norm(a))
    if n == 0 or d >= m:
        return _direct(a, b, norm_a)
    sketched = countsketch(d, m, np.random.default_rng([seed, 7]))(a)
    r_factor = qr_r(sketched.toarray() if sp.issparse(sketched) else sketched)
    if lapack.dtrcon(r_factor, norm="1")[0] <= m * np.finfo(np.float64).eps:
        return _direct(a, b, norm_a)
    columns = b.reshape(m, -1)
    runs = [
        _restarts(a, r_factor, columns[:, j], norm_a, rtol, atol, steps, max_restarts)
        for j in range(columns.shape[1])
    ]
    if any(run is None for run in runs):
        return _direct(a, b, norm_a)
    for j, (_, run) in enumerate(runs):
        if not run["converged"]:
            which = f" (column {j} of b)" if b.ndim == 2 else ""
            warnings.warn(
                f"lstsq did not converge in {max_restarts} restarts{which}: "
                f"‖Aᵀr‖/(‖A‖‖r‖) = {run['normal_residuals'][-1]:.2e} > rtol = {rtol:g}, "
                f"‖r‖/‖b‖ = {run['residuals'][-1]:.2e}",
                RuntimeWarning,
                stacklevel=2,
            )
            break
    x = np.column_stack([x for x, _ in runs]) if runs else np.zeros((n, 0))
    stats = [run for _, run in runs]
    iterations = [run["iterations"] for run in stats]
    info = {
        "method": "sketch-and-precondition",
        "rank": n,
        "converged": all(run["converged"] for run in stats),
        "iterations": max(iterations, default=0),
        "cg_steps": sum(iterations) * steps,
        "residuals": [run["residuals"] for run in stats],
        "normal_residuals": [run["normal_residuals"] for run in stats],
        "sketch": "countsketch",
        "sketch_rows": d,
        "passes_over_A": 1 + sum(run["passes"] for run in stats),
    }
    if b.ndim == 1:
        x = x[:, 0]
        info["residuals"] = stats[0]["residuals"]
        info["normal_residuals"] = stats[0]["normal_residuals"]
    return x, info

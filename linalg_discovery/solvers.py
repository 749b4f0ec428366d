"""Least squares by the discovered sketch-and-precondition iteration, called like SciPy's.

min_x ‖Ax − b‖₂ for a tall A (m ≥ n, full column rank; dense or ``scipy.sparse``), the program
MCGS finds for the ``sketched-krylov`` stage (Blendenpik/LSRN with restarts):

1. R from the Householder QR of a CountSketch S·A with d = ``sketch_factor``·n rows, so that
   AR⁻¹ is well conditioned (κ(AR⁻¹) ≤ (1 + ε)/(1 − ε) for an ε-subspace embedding S);
2. restarts x ← x + R⁻¹y, with y from ``steps`` CG iterations on the right-preconditioned
   normal equations (AR⁻¹)ᵀ(AR⁻¹)y = (AR⁻¹)ᵀ(b − Ax) (CGLS on AR⁻¹);
3. stop once ‖Aᵀr‖ ≤ rtol·‖A‖_F·‖r‖ (LSQR's test for an inconsistent system) or
   ‖r‖ ≤ atol·‖b‖ (consistent), r = b − Ax checked before every restart.

One restart reads A 2 + ``steps`` times (r, Aᵀr and one blocked Aᵀ(Aw) per CG step).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from linalg_discovery.lowrank.solver import randomized_svd
from linalg_discovery.primitives import countsketch, preconditioned_cgls, qr_r

__all__ = ["lstsq", "randomized_svd"]


def _check_int(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_inputs(a: Any, b: Any) -> tuple[Any, np.ndarray]:
    if sp.issparse(a):
        a = sp.csr_matrix(a, dtype=np.float64)
        values = a.data
    else:
        a = np.asarray(a, dtype=np.float64)
        values = a
    if a.ndim != 2 or a.shape[0] < a.shape[1] or a.shape[1] == 0:
        raise ValueError(f"A must be a tall 2-D matrix (m >= n >= 1), got shape {a.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError("A must be finite (found NaN or Inf)")
    b = np.asarray(b, dtype=np.float64)
    if b.shape != (a.shape[0],):
        raise ValueError(f"b must be a vector of length m = {a.shape[0]}, got shape {b.shape}")
    if not np.all(np.isfinite(b)):
        raise ValueError("b must be finite (found NaN or Inf)")
    return a, b


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
    """Solve min_x ‖Ax − b‖₂ by sketch-and-precondition (see the module docstring).

    Parameters
    ----------
    A : (m, n) array or scipy.sparse matrix, m >= n, full column rank.
    b : (m,) array.
    rtol : stop when ‖Aᵀr‖ ≤ rtol·‖A‖_F·‖r‖.
    atol : stop when ‖r‖ ≤ atol·‖b‖.
    seed : seed of the sketch; the same seed gives the same bytes.
    sketch_factor : sketch rows d = min(sketch_factor·n, m).
    steps : CG steps per restart.
    max_restarts : restarts before giving up (then a ``RuntimeWarning``).

    Returns
    -------
    x : (n,) array.
    info : dict with ``converged``, ``iterations`` (restarts), ``cg_steps``, ``residuals``
        (‖r‖/‖b‖ before each restart and at the end), ``normal_residuals``
        (‖Aᵀr‖/(‖A‖_F‖r‖), same points), ``sketch`` and ``sketch_rows``, ``passes_over_A``.
    """
    a, b = _check_inputs(A, b)
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    seed = _check_int("seed", seed, 0)
    sketch_factor = _check_int("sketch_factor", sketch_factor, 1)
    steps = _check_int("steps", steps, 1)
    max_restarts = _check_int("max_restarts", max_restarts, 0)
    m, n = a.shape
    d = min(sketch_factor * n, m)
    sketched = countsketch(d, m, np.random.default_rng([seed, 7]))(a)
    r_factor = qr_r(sketched.toarray() if sp.issparse(sketched) else sketched)
    diagonal = np.abs(np.diag(r_factor))
    if diagonal.min() <= n * np.finfo(float).eps * diagonal.max():
        raise ValueError("A must have full column rank (the sketched R is singular)")
    norm_a = float(spla.norm(a) if sp.issparse(a) else np.linalg.norm(a))
    norm_b = float(np.linalg.norm(b))
    x = np.zeros(n)
    residuals: list[float] = []
    normal_residuals: list[float] = []
    converged = False
    restarts = 0
    passes = 1
    while True:
        r = b - a @ x
        norm_r = float(np.linalg.norm(r))
        norm_g = float(np.linalg.norm(a.T @ r))
        passes += 2
        residuals.append(norm_r / norm_b if norm_b > 0 else norm_r)
        normal_residuals.append(norm_g / (norm_a * norm_r) if norm_r > 0 else 0.0)
        if norm_r <= atol * norm_b or norm_g <= rtol * norm_a * norm_r:
            converged = True
            break
        if restarts == max_restarts:
            break
        x = x + preconditioned_cgls(a, r_factor, r, steps)
        restarts += 1
        passes += 1 + steps
    if not converged:
        warnings.warn(
            f"lstsq did not converge in {max_restarts} restarts: ‖Aᵀr‖/(‖A‖‖r‖) = "
            f"{normal_residuals[-1]:.2e} > rtol = {rtol:g}, ‖r‖/‖b‖ = {residuals[-1]:.2e}",
            RuntimeWarning,
            stacklevel=2,
        )
    info = {
        "converged": converged,
        "iterations": restarts,
        "cg_steps": restarts * steps,
        "residuals": residuals,
        "normal_residuals": normal_residuals,
        "sketch": "countsketch",
        "sketch_rows": d,
        "passes_over_A": passes,
    }
    return x, info

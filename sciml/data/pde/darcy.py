"""Darcy flow −∇·(a∇u) = f on the unit square with u = 0 on the boundary.

Cell-centred finite volumes on an R×R grid, solved by pyamg smoothed aggregation + CG. The
coefficient is the thresholded Gaussian random field of the FNO Darcy benchmark.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyamg
import scipy.sparse as sp

from sciml.data.pde.base import PDEGenerator
from sciml.data.pde.grf import gaussian_random_field


def _check_coefficient(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError(f"a must be a real array, got dtype {a.dtype}")
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError(f"a must be a square 2D array (R, R), got shape {a.shape}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("a must be finite, got NaN or inf entries")
    if np.any(a <= 0):
        raise ValueError(f"a must be positive, got minimum {a.min()}")
    return a


def darcy_operator(a: np.ndarray) -> sp.csr_matrix:
    """SPD matrix of −∇·(a∇u) with u = 0 on the boundary of [0,1]², cell-centred on R×R cells.

    Flux through an interior face is t (u_P − u_N)/h² with t the harmonic mean of the two cell
    values; through a boundary face it is 2 a_P u_P/h² (half-cell distance to the wall). Rows and
    columns follow the C order of ``a``: cell (i, j), i along x, is index i·R + j.
    """
    a = _check_coefficient(a)
    r = a.shape[0]
    idx = np.arange(r * r).reshape(r, r)
    tx = 2.0 * a[:-1] * a[1:] / (a[:-1] + a[1:])  # faces between cells (i, j) and (i+1, j)
    ty = 2.0 * a[:, :-1] * a[:, 1:] / (a[:, :-1] + a[:, 1:])  # between (i, j) and (i, j+1)
    diag = np.zeros_like(a)
    diag[:-1] += tx
    diag[1:] += tx
    diag[:, :-1] += ty
    diag[:, 1:] += ty
    diag[0] += 2.0 * a[0]
    diag[-1] += 2.0 * a[-1]
    diag[:, 0] += 2.0 * a[:, 0]
    diag[:, -1] += 2.0 * a[:, -1]
    rows = np.concatenate(
        [idx.ravel(), idx[:-1].ravel(), idx[1:].ravel(), idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    )
    cols = np.concatenate(
        [idx.ravel(), idx[1:].ravel(), idx[:-1].ravel(), idx[:, 1:].ravel(), idx[:, :-1].ravel()]
    )
    vals = np.concatenate([diag.ravel(), -tx.ravel(), -tx.ravel(), -ty.ravel(), -ty.ravel()])
    return sp.csr_matrix((vals * r**2, (rows, cols)), shape=(r * r, r * r))


def darcy_coefficient(
    rng: np.random.Generator,
    resolution: int,
    *,
    alpha: float = 2.0,
    tau: float = 3.0,
    a_high: float = 12.0,
    a_low: float = 3.0,
) -> np.ndarray:
    """Piecewise-constant coefficient a = a_high where g ≥ 0, a_low elsewhere.

    g ~ N(0, (−Δ + τ²I)^(−α)) is a periodic Gaussian random field on the R×R grid.
    """
    if not isinstance(resolution, int | np.integer) or resolution < 1:
        raise ValueError(f"resolution must be a positive integer, got {resolution!r}")
    if not (a_high > 0 and a_low > 0):
        raise ValueError(f"a_high and a_low must be positive, got {a_high}, {a_low}")
    g = gaussian_random_field(rng, (int(resolution), int(resolution)), alpha, tau)
    return np.where(g >= 0.0, float(a_high), float(a_low))


def solve_darcy(a: np.ndarray, f: float | np.ndarray = 1.0, *, rtol: float = 1e-10) -> np.ndarray:
    """Solve −∇·(a∇u) = f, u = 0 on the boundary, for u at the R×R cell centres.

    CG preconditioned by smoothed-aggregation AMG; raises ``RuntimeError`` when the true
    relative residual ‖f − Au‖/‖f‖ ends above ``rtol``. Nothing draws random numbers, so the
    same ``a`` gives the same bytes whatever the state of ``np.random``.
    """
    matrix = darcy_operator(a)
    r = int(np.sqrt(matrix.shape[0]))
    if not 0.0 < rtol < 1.0:
        raise ValueError(f"rtol must lie in (0, 1), got {rtol}")
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 0 and f.shape != (r, r):
        raise ValueError(f"f must be a scalar or an array of shape {(r, r)}, got shape {f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("f must be finite, got NaN or inf entries")
    b = np.broadcast_to(f, (r, r)).ravel().copy()
    norm_b = np.linalg.norm(b)
    if norm_b == 0.0:
        return np.zeros((r, r))
    # pyamg's default Jacobi prolongation smoother scales by a spectral radius estimated from a
    # draw of the global np.random; the Gershgorin row weights ("local") draw nothing.
    solver = pyamg.smoothed_aggregation_solver(matrix, smooth=("jacobi", {"weighting": "local"}))
    u = np.zeros_like(b)
    # CG stops on its recursive residual; restart from the iterate if the true one lags behind.
    for _ in range(3):
        u = solver.solve(b, x0=u, tol=rtol, accel="cg", maxiter=500)
        residual = np.linalg.norm(b - matrix @ u) / norm_b
        if residual <= rtol:
            return u.reshape(r, r)
    raise RuntimeError(
        f"Darcy solve did not converge: relative residual {residual:.3e} > rtol {rtol:.1e}"
    )


def generate_darcy(
    rngs: list[np.random.Generator],
    resolution: int,
    *,
    alpha: float,
    tau: float,
    a_high: float,
    a_low: float,
    forcing: float,
    rtol: float,
) -> dict[str, np.ndarray]:
    """One (a, u) pair per generator: ``{"a": (B, R, R), "u": (B, R, R)}`` in float32."""
    a = np.stack(
        [darcy_coefficient(rng, resolution, alpha=alpha, tau=tau, a_high=a_high, a_low=a_low)
         for rng in rngs]
    )
    u = np.stack([solve_darcy(sample, forcing, rtol=rtol) for sample in a])
    return {"a": a.astype(np.float32), "u": u.astype(np.float32)}


def darcy_coordinates(resolution: int, **params: Any) -> dict[str, np.ndarray]:
    """Cell centres x_i = (i + ½)/R, the same along both axes."""
    return {"x": (np.arange(resolution) + 0.5) / resolution}


DARCY = PDEGenerator(
    name="darcy",
    equation="-div(a grad u) = f, u=0 on the boundary of [0,1]^2",
    generate=generate_darcy,
    coordinates=darcy_coordinates,
    defaults={
        "alpha": 2.0,
        "tau": 3.0,
        "a_high": 12.0,
        "a_low": 3.0,
        "forcing": 1.0,
        "rtol": 1e-8,  # below float32 resolution of the stored u
    },
    input_fields=("a",),
    target_fields=("u",),
    spatial_dims=2,
    time_dependent=False,
    periodic=False,
    batch_size=16,
    version="2",  # 2: AMG setup draws nothing (same bytes across processes)
    min_resolution=4,
)

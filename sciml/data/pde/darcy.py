"""Darcy flow −∇·(a∇u) = f on the unit square with u = 0 on the boundary.

Five-point finite volumes with harmonic face means, solved by pyamg smoothed aggregation + CG,
on one of two grids: ``cells`` (R×R cell centres (i + ½)/R) or ``nodes`` (the R×R nodes i/R,
i < R, of the grid whose nodes at 0 and 1 hold u = 0; the nodes at 1 are not stored, the layout
of the neuraloperator Darcy files). The coefficient is a thresholded Gaussian random field.
Named presets (``DARCY_PRESETS``) fix the conventions of the standard benchmarks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyamg
import scipy.sparse as sp

from sciml.data.pde.base import PDEGenerator
from sciml.data.pde.grf import cosine_random_field, gaussian_random_field


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


def darcy_operator(a: np.ndarray, grid: str = "cells") -> sp.csr_matrix:
    """SPD matrix of −∇·(a∇u) with u = 0 on the boundary of [0,1]², cell-centred on R×R cells.

    Flux through an interior face is t (u_P − u_N)/h² with t the harmonic mean of the two cell
    values; through a boundary face it is 2 a_P u_P/h² (half-cell distance to the wall). Rows and
    columns follow the C order of ``a``: cell (i, j), i along x, is index i·R + j.

    With ``grid="nodes"``, ``a`` holds the (R+1)×(R+1) nodes i/R including the boundary, the
    unknowns are the (R−1)² interior nodes, and a boundary face has the harmonic mean of the
    interior and the boundary node at the full distance 1/R.
    """
    a = _check_coefficient(a)
    if grid == "nodes":
        return _node_operator(a)
    if grid != "cells":
        raise ValueError(f"grid must be 'cells' or 'nodes', got {grid!r}")
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


def _node_operator(a: np.ndarray) -> sp.csr_matrix:
    if a.shape[0] < 3:
        raise ValueError(f"a on nodes needs at least 3×3 nodes, got shape {a.shape}")
    h_inv2 = (a.shape[0] - 1) ** 2
    tx = 2.0 * a[:-1] * a[1:] / (a[:-1] + a[1:])  # (R, R+1): face between nodes i and i+1
    ty = 2.0 * a[:, :-1] * a[:, 1:] / (a[:, :-1] + a[:, 1:])
    n = a.shape[0] - 2
    idx = np.arange(n * n).reshape(n, n)
    diag = tx[:-1, 1:-1] + tx[1:, 1:-1] + ty[1:-1, :-1] + ty[1:-1, 1:]
    inner_x = tx[1:-1, 1:-1]  # between interior nodes (i, j) and (i+1, j)
    inner_y = ty[1:-1, 1:-1]
    rows = np.concatenate(
        [idx.ravel(), idx[:-1].ravel(), idx[1:].ravel(), idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    )
    cols = np.concatenate(
        [idx.ravel(), idx[1:].ravel(), idx[:-1].ravel(), idx[:, 1:].ravel(), idx[:, :-1].ravel()]
    )
    vals = np.concatenate(
        [diag.ravel(), -inner_x.ravel(), -inner_x.ravel(), -inner_y.ravel(), -inner_y.ravel()]
    )
    return sp.csr_matrix((vals * h_inv2, (rows, cols)), shape=(n * n, n * n))


def darcy_coefficient(
    rng: np.random.Generator,
    resolution: int,
    *,
    alpha: float = 2.0,
    tau: float = 3.0,
    a_high: float = 12.0,
    a_low: float = 3.0,
    field: str = "periodic",
) -> np.ndarray:
    """Piecewise-constant coefficient a = a_high where g ≥ 0, a_low elsewhere.

    g ~ N(0, (−Δ + τ²I)^(−α)) on the R×R grid: periodic (``field="periodic"``) or with zero
    Neumann conditions as in the FNO Darcy scripts (``field="cosine"``).
    """
    if not isinstance(resolution, int | np.integer) or resolution < 1:
        raise ValueError(f"resolution must be a positive integer, got {resolution!r}")
    if not (a_high > 0 and a_low > 0):
        raise ValueError(f"a_high and a_low must be positive, got {a_high}, {a_low}")
    shape = (int(resolution), int(resolution))
    if field == "periodic":
        g = gaussian_random_field(rng, shape, alpha, tau)
    elif field == "cosine":
        g = cosine_random_field(rng, shape, alpha, tau)
    else:
        raise ValueError(f"field must be 'periodic' or 'cosine', got {field!r}")
    return np.where(g >= 0.0, float(a_high), float(a_low))


def solve_darcy(
    a: np.ndarray, f: float | np.ndarray = 1.0, *, rtol: float = 1e-10, grid: str = "cells"
) -> np.ndarray:
    """Solve −∇·(a∇u) = f, u = 0 on the boundary, for u at the R×R cell centres.

    With ``grid="nodes"``, ``a`` (and an array ``f``) hold the (R+1)×(R+1) nodes i/R including
    the boundary and the returned u does too, zero on the boundary nodes.

    CG preconditioned by smoothed-aggregation AMG; raises ``RuntimeError`` when the true
    relative residual ‖f − Au‖/‖f‖ ends above ``rtol``. Nothing draws random numbers, so the
    same ``a`` gives the same bytes whatever the state of ``np.random``.
    """
    matrix = darcy_operator(a, grid)
    if grid == "nodes":
        f_nodes = np.asarray(f, dtype=np.float64)
        u = np.zeros(np.shape(a))
        interior = f_nodes if f_nodes.ndim == 0 else f_nodes[1:-1, 1:-1]
        u[1:-1, 1:-1] = solve_darcy_system(matrix, interior, rtol=rtol)
        return u
    return solve_darcy_system(matrix, f, rtol=rtol)


def solve_darcy_system(
    matrix: sp.csr_matrix, f: float | np.ndarray, *, rtol: float = 1e-10
) -> np.ndarray:
    """Solve ``matrix`` u = f (f broadcast to the R×R unknowns) by AMG-preconditioned CG."""
    r = int(round(np.sqrt(matrix.shape[0])))
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


def check_darcy_params(params: dict[str, Any]) -> None:
    """Refuse parameters outside their meaning, naming the parameter (before any disk write)."""
    for key in ("alpha", "tau", "a_high", "a_low"):
        value = params[key]
        if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
            raise ValueError(f"Darcy parameter {key} must be a finite number > 0, got {value!r}")
    if not np.isfinite(params["forcing"]):
        raise ValueError(f"Darcy parameter forcing must be finite, got {params['forcing']!r}")
    if not 0.0 < params["rtol"] < 1.0:
        raise ValueError(f"Darcy parameter rtol must lie in (0, 1), got {params['rtol']!r}")
    if params["grid"] not in ("cells", "nodes"):
        raise ValueError(f"Darcy parameter grid must be 'cells' or 'nodes', got {params['grid']!r}")
    if params["field"] not in ("periodic", "cosine"):
        raise ValueError(
            f"Darcy parameter field must be 'periodic' or 'cosine', got {params['field']!r}"
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
    grid: str = "cells",
    field: str = "periodic",
    indicator: bool = False,
) -> dict[str, np.ndarray]:
    """One (a, u) pair per generator: ``{"a": (B, R, R), "u": (B, R, R)}`` in float32.

    ``indicator`` stores a as 1[a = a_high] (the neuraloperator files' x).
    """
    check_darcy_params({"alpha": alpha, "tau": tau, "a_high": a_high, "a_low": a_low,
                        "forcing": forcing, "rtol": rtol, "grid": grid, "field": field})
    size = resolution + 1 if grid == "nodes" else resolution
    a = np.stack(
        [darcy_coefficient(rng, size, alpha=alpha, tau=tau, a_high=a_high, a_low=a_low,
                           field=field) for rng in rngs]
    )
    u = np.stack([solve_darcy(sample, forcing, rtol=rtol, grid=grid) for sample in a])
    if grid == "nodes":  # keep the nodes i/R, i < R
        a, u = a[:, :-1, :-1], u[:, :-1, :-1]
    if indicator:
        a = (a == a_high).astype(np.float64)
    return {"a": a.astype(np.float32), "u": u.astype(np.float32)}


def darcy_coordinates(resolution: int, **params: Any) -> dict[str, np.ndarray]:
    """Cell centres x_i = (i + ½)/R, or nodes x_i = i/R with ``grid="nodes"``; both axes alike."""
    if params.get("grid", "cells") == "nodes":
        return {"x": np.arange(resolution) / resolution}
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
        "grid": "cells",
        "field": "periodic",
        "indicator": False,
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

# Conventions of the standard Darcy benchmarks; ``--param`` overrides apply on top.
DARCY_PRESETS: dict[str, dict[str, Any]] = {
    # This package's generator: cell centres, periodic field, a ∈ {12, 3} as the FNO paper states.
    "sciml": {},
    # The neuraloperator Darcy files (darcy_{train,test}_16/32.pt): nodes i/R with u = 0 at 0 and
    # 1, a stored as the indicator 1[g ≥ 0] of the periodic field α = 2, τ = 3 (whose two-point
    # statistics are closer to the files' than the Neumann field of demo.m). The contrast and
    # units are fitted to darcy_test_32.pt (least squares over its 50 samples): the files match
    # a ∈ {0.38, 0.02} with f = 1 (contrast 19), not the paper's 12/3 or demo.m's 12/4.
    "fno-darcy": {
        "grid": "nodes", "a_high": 0.38, "a_low": 0.02, "forcing": 1.0, "indicator": True,
    },
    # PDEBench 2D_DarcyFlow_beta*.hdf5 as its paper describes it: a ∈ {1, 0.1}, f = β (1.0 here,
    # set --param forcing=β), 128² cell centres, u = 0 on the boundary. Not checked against the
    # files themselves.
    "pdebench-darcy": {"a_high": 1.0, "a_low": 0.1, "forcing": 1.0},
}



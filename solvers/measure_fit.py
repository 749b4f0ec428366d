"""A polynomial fitted to the spectral measure the probe sees: the probe's Lanczos steps give
the Gauss quadrature rule (Ritz values θ_i, weights w_i) of the start vector's spectral
measure, so for a random right-hand side b, E‖(p − f)(A)b‖² ∝ Σ_λ (p − f)(λ)² ≈ Σ_i w_i (p −
f)(θ_i)². Minimising that (plus a small multiple of the uniform error on [a, u], which keeps p
bounded where the probe saw nothing) lets the polynomial ignore gaps, put roots on isolated
eigenvalues and spend its degree on the clusters, where an interpolant on the whole interval
spreads it evenly.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from solvers.probes import SpectralProbe, lanczos
from solvers.recurrences import RecurrencePolynomial

GRID_POINTS = 200
GRID_WEIGHT = 1e-6


def measure_fit(
    result: SpectralProbe, scalar, degree: int, n: int, lower: float, upper: float
) -> RecurrencePolynomial:
    """Degree-d p minimising Σ_i max(w_i, 1/n)(p − f)²(θ_i) + η·mean_grid (p − f)² over a
    Chebyshev grid of [lower, upper] (η = 1e-6; the floor 1/n: a resolved Ritz value stands for
    at least one eigenvalue, which a random b weights 1/n on average).

    Computed in the orthonormal polynomials of that discrete measure (discrete Stieltjes: a
    Lanczos run on diag(x) from √weights), whose three-term recurrence applies p(A)b with d
    matvecs; coefficients c_k = Σ_j W_j f(x_j) q_k(x_j), the weighted projection of f.
    """
    if result.weights is None:
        raise ValueError("measure_fit needs a symmetric (Lanczos) probe with quadrature weights")
    grid = 0.5 * (lower + upper) - 0.5 * (upper - lower) * np.cos(
        np.linspace(0.0, np.pi, GRID_POINTS)
    )
    nodes = np.clip(result.ritz, lower, upper)
    points = np.concatenate([nodes, grid])
    weights = np.concatenate(
        [np.maximum(result.weights, 1.0 / n), np.full(grid.size, GRID_WEIGHT / grid.size)]
    )
    weights /= weights.sum()
    root = np.sqrt(weights)
    basis = lanczos(sp.diags(points), root, degree + 1)  # columns q_k(x_j)·√W_j
    alpha, beta = basis.alpha, basis.beta
    coeffs = basis.q.T @ (root * scalar(points))
    return RecurrencePolynomial(
        1.0 / beta[:degree],
        -alpha[:degree] / beta[:degree],
        np.concatenate([[0.0], -beta[: degree - 1] / beta[1:degree]]),
        coeffs[: degree + 1],
    )


def band_error_estimate(result: SpectralProbe, polynomial, scalar, lower: float) -> float:
    """max|p − f| / max|f| over the residual bands [θ_i − r_i, θ_i + r_i] ∩ [lower, u] (some
    eigenvalue lies within r_i of each Ritz value θ_i; gaps between the bands are not checked,
    which is the point of the fit)."""
    offsets = np.linspace(-1.0, 1.0, 33)
    points = (result.ritz[:, None] + result.residuals[:, None] * offsets[None, :]).ravel()
    points = np.clip(points, lower, result.upper)
    values = scalar(points)
    scale = np.abs(values).max()
    deviation = np.abs(polynomial.evaluate(points) - values).max()
    if scale == 0.0:
        return 0.0 if deviation == 0.0 else float("inf")
    error = deviation / scale
    return float(error) if np.isfinite(error) else float("inf")

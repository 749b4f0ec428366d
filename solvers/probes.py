"""Coarse spectral probes: a few seeded Lanczos (symmetric) or Arnoldi steps give Ritz values,
their residual norms and an upper bound of the spectrum with a safety margin.

Global reductions (inner products that need every entry of a vector, one all-reduce each; a
block Qᵀw counts one) are counted like those of the Krylov solvers: a Lanczos or Arnoldi step
with twice-repeated Gram–Schmidt makes 3 (Qᵀw twice, ‖w‖), plus 1 for normalising the start.

For a Ritz pair (θ, Qy) of a symmetric A, ‖A Qy − θ Qy‖ = β_m |e_mᵀ y| and some eigenvalue
lies within that distance of θ, so u = θ_max + r_max + (margin − 1)·max|θ| bounds λ_max in
practice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from solvers.linear_operators import CountingOperator

REDUCTIONS_PER_STEP = 3


def krylov_reductions(steps: int) -> int:
    """Global reductions of ``steps`` Lanczos/Arnoldi steps: 3 per step + 1 (start norm)."""
    return REDUCTIONS_PER_STEP * int(steps) + 1


@dataclass(frozen=True)
class Lanczos:
    """A Q_m = Q_m T_m + β_m q_{m+1} e_mᵀ: orthonormal basis ``q`` (n×m), diagonal ``alpha``
    and off-diagonal ``beta`` (β_1..β_m, the last one couples to q_{m+1})."""

    q: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray

    @property
    def reductions(self) -> int:
        """Global reductions spent (see the module docstring)."""
        return krylov_reductions(self.alpha.size)

    @property
    def tridiagonal(self) -> np.ndarray:
        m = self.alpha.size
        return (
            np.diag(self.alpha) + np.diag(self.beta[: m - 1], 1) + np.diag(self.beta[: m - 1], -1)
        )


def lanczos(a: spla.LinearOperator, v: np.ndarray, steps: int) -> Lanczos:
    """``steps`` Lanczos steps from v with full reorthogonalisation (``steps`` matvecs); stops
    early on an invariant subspace (β < 1e-14‖T‖)."""
    n = v.size
    steps = min(steps, n)
    q = np.zeros((n, steps))
    alpha, beta = np.zeros(steps), np.zeros(steps)
    q[:, 0] = v / np.linalg.norm(v)
    for j in range(steps):
        w = a @ q[:, j]
        c = q[:, : j + 1].T @ w
        alpha[j] = c[j]
        w -= q[:, : j + 1] @ c
        w -= q[:, : j + 1] @ (q[:, : j + 1].T @ w)
        beta[j] = np.linalg.norm(w)
        if beta[j] <= 1e-14 * max(np.abs(alpha[: j + 1]).max(), beta[:j].max(initial=0.0)):
            return Lanczos(q[:, : j + 1], alpha[: j + 1], beta[: j + 1])
        if j + 1 < steps:
            q[:, j + 1] = w / beta[j]
    return Lanczos(q, alpha, beta)


@dataclass(frozen=True)
class SpectralProbe:
    """Result of :func:`probe`. ``ritz`` ascending (real parts for a nonsymmetric A),
    ``residuals`` the matching Ritz residual norms, ``upper`` = θ_max + r_max + margin term, an
    upper bound of the spectrum (of its real parts), ``lower`` = θ_min (an overestimate of λ_min
    for SPD A), ``matvecs`` and ``reductions`` what the probe cost; ``weights`` (symmetric
    probe) the Gauss quadrature weights (y_1i)² of the Ritz values θ_i for the start vector's
    spectral measure, Σ_i w_i g(θ_i) ≈ vᵀg(A)v/‖v‖² (exact for polynomials of degree
    < 2·steps)."""

    ritz: np.ndarray
    residuals: np.ndarray
    upper: float
    lower: float
    matvecs: int
    symmetric: bool
    reductions: int = 0
    weights: np.ndarray | None = None

    def features(self, count: int) -> np.ndarray:
        """Scale-free network input: log10(θ_i/upper) and log10(r_i/upper + 1e-16) of ``count``
        Ritz pairs (the available ones repeated by interpolation when fewer), 2·count values."""
        t = np.clip(self.ritz / self.upper, 1e-12, 1.0)
        r = self.residuals / self.upper
        grid = np.linspace(0.0, 1.0, count)
        pos = np.linspace(0.0, 1.0, t.size) if t.size > 1 else np.zeros(1)
        log_t = np.interp(grid, pos, np.log10(t))
        log_r = np.interp(grid, pos, np.log10(r + 1e-16))
        return np.concatenate([log_t, log_r])

    def shifted_features(self, count: int) -> np.ndarray:
        """Shift- and scale-free input for spectra of any sign (the eigenvalue filter):
        (θ_i − θ_min)/(u − θ_min) and log10(r_i/(u − θ_min) + 1e-16), interpolated to ``count``
        positions as in :meth:`features`."""
        width = max(self.upper - self.lower, np.finfo(float).tiny)
        t = (self.ritz - self.lower) / width
        r = self.residuals / width
        grid = np.linspace(0.0, 1.0, count)
        pos = np.linspace(0.0, 1.0, t.size) if t.size > 1 else np.zeros(1)
        return np.concatenate([np.interp(grid, pos, t), np.interp(grid, pos, np.log10(r + 1e-16))])


def probe(
    a: spla.LinearOperator,
    *,
    steps: int = 20,
    seed: int = 0,
    margin: float = 1.05,
    symmetric: bool = True,
) -> SpectralProbe:
    """Ritz values and residual norms from ``steps`` Lanczos (or Arnoldi) steps on a seeded
    Gaussian start vector; ``steps`` matvecs and 3·steps + 1 global reductions. ``margin``
    widens the upper bound by (margin − 1)·max|θ|."""
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 2:
        raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
    if not margin >= 1.0:
        raise ValueError(f"margin must be >= 1, got {margin!r}")
    counter = CountingOperator(a)
    v = np.random.default_rng(seed).standard_normal(a.shape[0])
    weights = None
    if symmetric:
        lz = lanczos(counter, v, steps)
        theta, y = scipy.linalg.eigh(lz.tridiagonal)
        residuals = np.abs(lz.beta[-1] * y[-1, :])
        weights = y[0, :] ** 2
        reductions = lz.reductions
    else:
        theta, residuals = _arnoldi_ritz(counter, v, steps)
        reductions = krylov_reductions(counter.matvecs)
    order = np.argsort(theta)
    theta, residuals = theta[order], residuals[order]
    weights = None if weights is None else weights[order]
    upper = float(theta[-1] + residuals[-1] + (margin - 1.0) * np.abs(theta).max())
    return SpectralProbe(
        theta, residuals, upper, float(theta[0]), counter.matvecs, symmetric, reductions, weights
    )


def arnoldi(a, v: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``steps`` Arnoldi steps from v with twice-repeated Gram–Schmidt: A Q_m = Q_{m+1} H̄_m.
    Returns (Q, H̄, m), m < steps after a (numerical) breakdown; one matvec and 3 global
    reductions per step (:func:`krylov_reductions`)."""
    n = v.size
    steps = min(steps, n)
    q = np.zeros((n, steps + 1))
    h = np.zeros((steps + 1, steps))
    q[:, 0] = v / np.linalg.norm(v)
    m = steps
    for j in range(steps):
        w = a @ q[:, j]
        for _ in range(2):
            c = q[:, : j + 1].T @ w
            w -= q[:, : j + 1] @ c
            h[: j + 1, j] += c
        h[j + 1, j] = np.linalg.norm(w)
        if h[j + 1, j] <= 1e-14 * np.abs(h[: j + 1, : j + 1]).max():
            m = j + 1
            break
        q[:, j + 1] = w / h[j + 1, j]
    return q, h, m


def _arnoldi_ritz(a: spla.LinearOperator, v: np.ndarray, steps: int) -> tuple[np.ndarray, ...]:
    """Real parts of the Arnoldi Ritz values and their residual norms h_{m+1,m}|e_mᵀ y|."""
    _, h, m = arnoldi(a, v, steps)
    theta, y = scipy.linalg.eig(h[:m, :m])
    y /= np.linalg.norm(y, axis=0)
    return theta.real, np.abs(h[m, m - 1] * y[-1, :])

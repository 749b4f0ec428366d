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
    """Result of :func:`probe`: Ritz values, their residuals and a bound of the spectrum.

    ``ritz`` ascending (real parts for a nonsymmetric A), ``residuals`` the matching Ritz
    residual norms, ``upper`` = θ_max + r_max + margin term, an upper bound of the spectrum (of
    its real parts), ``lower`` = θ_min (an overestimate of λ_min for SPD A), ``matvecs`` and
    ``reductions`` what the probe cost; ``weights`` (symmetric probe) the Gauss quadrature
    weights (y_1i)² of the Ritz values θ_i for the start vector's spectral measure,
    Σ_i w_i g(θ_i) ≈ vᵀg(A)v/‖v‖² (exact for polynomials of degree < 2·steps).

    Parameters
    ----------
    ritz : ndarray
        Ritz values θ_i, ascending, shape (m,) with m ≤ ``steps`` (fewer after an invariant
        subspace).
    residuals : ndarray
        Ritz residual norms r_i = ‖A Qy_i − θ_i Qy_i‖, shape (m,), in the order of ``ritz``.
    upper : float
        Upper bound u = θ_max + r_max + (margin − 1)·max|θ| of the spectrum.
    lower : float
        θ_min, the smallest Ritz value.
    matvecs : int
        Products with A the probe made.
    symmetric : bool
        Whether the probe ran Lanczos (True) or Arnoldi (False).
    reductions : int, default 0
        Global reductions the probe made (3·steps + 1).
    weights : ndarray or None, default None
        Gauss quadrature weights of the Ritz values, shape (m,), summing to 1 (Lanczos
        only; None after Arnoldi).

    See Also
    --------
    probe : Computes it.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> result = probe(a, steps=10)
    >>> result.ritz.shape, result.matvecs, result.reductions, result.symmetric
    ((10,), 10, 31, True)
    >>> lam = np.linalg.eigvalsh(a.toarray())
    >>> bool(lam[0] <= result.lower), bool(lam[-1] <= result.upper)
    (True, True)
    >>> round(float(result.weights.sum()), 12)
    1.0
    >>> result.features(4).shape  # log10 θ/u and log10 r/u at 4 positions
    (8,)
    """

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
    """Ritz values and residual norms of A from a few seeded Lanczos (or Arnoldi) steps.

    ``steps`` steps on a seeded Gaussian start vector cost ``steps`` matvecs and 3·steps + 1
    global reductions (fewer when Lanczos stops on an invariant subspace). ``margin`` widens
    the upper bound by (margin − 1)·max|θ|: u = θ_max + r_max + (margin − 1)·max|θ|.

    Parameters
    ----------
    a : sparse matrix, ndarray or LinearOperator
        Square operator of shape (n, n); symmetric for ``symmetric=True``.
    steps : int, default 20
        Lanczos/Arnoldi steps (at most n are taken), at least 2.
    seed : int, default 0
        Seed of the Gaussian start vector.
    margin : float, default 1.05
        Safety factor of the upper bound, at least 1.
    symmetric : bool, default True
        Lanczos with full reorthogonalisation (True; Ritz values, residuals and quadrature
        weights) or Arnoldi (False; real parts of the Ritz values, no weights).

    Returns
    -------
    SpectralProbe
        Ritz values ascending, their residual norms, the bounds ``lower`` = θ_min and
        ``upper`` = u, and the cost in ``matvecs`` and ``reductions``.

    Raises
    ------
    ValueError
        If ``steps`` is not an integer ≥ 2 or ``margin`` is not ≥ 1.

    See Also
    --------
    SpectralProbe : The result.
    polynomial_preconditioner : Fits its polynomial to such a probe.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> result = probe(a, steps=10, seed=0)
    >>> result.matvecs, result.reductions
    (10, 31)
    >>> lam = np.linalg.eigvalsh(a.toarray())  # θ_min ≥ λ_min and u ≥ λ_max
    >>> bool(lam[0] <= result.lower <= result.upper), bool(lam[-1] <= result.upper)
    (True, True)
    >>> probe(a, steps=1)
    Traceback (most recent call last):
    ...
    ValueError: steps must be an integer >= 2, got 1
    """
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

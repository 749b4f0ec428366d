"""Problem instances the programs are run on: least squares and logistic regression.

Matrices come from :mod:`sciml.data.matrices` generators (``least_squares``, ``synthetic``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sciml.data.matrices import least_squares, synthetic

KINDS = ("least_squares", "logistic")

SINGULAR_FLOOR = 1e-300
"""σ_min below this counts as this in κ = σ_max/σ_min."""
LOG10_KAPPA_MAX = float(np.log10(np.finfo(np.float64).max) - np.log10(SINGULAR_FLOOR))
"""Largest log10 κ a problem can report (≈ 608.3)."""
LOG10_SIZE_MAX = float(np.log10(2.0**63))
"""Largest log10 of a matrix dimension (int64 indices), and of a coherence μ ≤ m/n."""


@dataclass(frozen=True, eq=False)
class Problem:
    """min ‖Ax − b‖₂ (``least_squares``) or the ridge-regularised logistic loss
    f(x) = Σ log(1 + e^{a_iᵀx}) − y_i a_iᵀx + ridge‖x‖²/2 (``logistic``, labels ``y``)."""

    A: np.ndarray
    b: np.ndarray
    kind: str = "least_squares"
    y: np.ndarray | None = None
    ridge: float = 0.0
    x_star: np.ndarray | None = None
    scale: float = field(default=1.0)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        a, b = np.asarray(self.A), np.asarray(self.b)
        if a.ndim != 2 or b.ndim != 1 or b.shape[0] != a.shape[0] or a.shape[0] < a.shape[1]:
            raise ValueError(
                f"A must be m×n with m >= n and b of length m; got {a.shape}, {b.shape}"
            )
        if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            raise ValueError("problem A and b must be finite (found NaN or Inf)")
        if self.kind == "logistic" and (self.y is None or len(self.y) != a.shape[0]):
            raise ValueError("a logistic problem needs labels y of length m")
        object.__setattr__(self, "scale", float(self.gradient_norm0()))
        if not self.scale > 0.0:
            raise ValueError("problem has a zero right-hand side (residual undefined)")

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape

    def gradient_norm0(self) -> float:
        if self.kind == "least_squares":
            return float(np.linalg.norm(self.b))
        return float(np.linalg.norm(self.A.T @ (0.5 - self.y)))

    def residual(self, x: np.ndarray) -> float:
        """‖Ax − b‖/‖b‖, or ‖∇f(x)‖/‖∇f(0)‖ for logistic regression."""
        if self.kind == "least_squares":
            return float(np.linalg.norm(self.A @ x - self.b) / self.scale)
        s = 0.5 * (1.0 + np.tanh(0.5 * (self.A @ x)))
        return float(np.linalg.norm(self.A.T @ (s - self.y) + self.ridge * x) / self.scale)

    def features(self) -> np.ndarray:
        """log10 m, log10 n, log10 κ(A), log10 coherence μ(A) (for observations); κ is
        σ_max / max(σ_min, 1e-300), taken in logs so it cannot overflow."""
        sv = np.linalg.svd(self.A, compute_uv=False)
        q = np.linalg.qr(self.A)[0]
        mu = self.A.shape[0] * np.max(np.einsum("ij,ij->i", q, q)) / self.A.shape[1]
        m, n = self.A.shape
        log_kappa = np.log10(sv[0]) - np.log10(max(sv[-1], SINGULAR_FLOOR))
        return np.array(
            [np.log10(m), np.log10(n), max(log_kappa, 0.0), max(np.log10(mu), 0.0)],
            dtype=np.float32,
        )


def psd_problem(n: int, *, cond: float, seed: int, lmax: float = 2.0) -> Problem:
    """Symmetric positive definite A (n×n, eigenvalues in [lmax/cond, lmax]), b = Ax*."""
    a = synthetic("uniform", n, cond=cond, lmax=lmax, seed=seed).toarray()
    x = np.random.default_rng(seed).standard_normal(n)
    return Problem(a, a @ x, x_star=x)


def least_squares_problem(
    m: int, n: int, *, cond: float, seed: int, coherence: float = 1.0, sigma_max: float = 1.0
) -> Problem:
    """Consistent tall problem with singular values geomspace(σ_max, σ_max/cond) and row
    coherence ``coherence`` (``sciml.data.matrices.least_squares``); b = Ax* ∈ range(A)."""
    p = least_squares(m, n, cond=cond, coherence=coherence, seed=seed)
    return Problem(p.A * sigma_max, p.b * sigma_max, x_star=p.x)


def logistic_problem(m: int, n: int, *, cond: float, seed: int, ridge: float = 1e-2) -> Problem:
    """Logistic regression on a ``least_squares`` design; labels y_i ~ Bernoulli(σ(a_iᵀx₀))."""
    p = least_squares(m, n, cond=cond, seed=seed)
    a = p.A * np.sqrt(m / n)
    x0 = p.x / np.linalg.norm(p.x) * 2.0
    rng = np.random.default_rng([seed, 1])
    y = (rng.random(m) < 0.5 * (1.0 + np.tanh(0.5 * (a @ x0)))).astype(np.float64)
    return Problem(a, y, kind="logistic", y=y, ridge=ridge)

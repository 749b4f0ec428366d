"""Low-rank approximation problems: a matrix A, a target rank k and A's singular values (so
the optimal rank-k error ‖A − A_k‖_F is known exactly), with decaying spectra."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linalg_discovery.lowrank.primitives import optimal_error
from sciml.core.checks import check_choice, check_integer

DECAYS = ("polynomial", "exponential")


def check_rank(k: object, shape: tuple[int, int], name: str = "rank") -> int:
    """k as an int when 1 ≤ k ≤ min(m, n), else a ``ValueError`` naming ``name``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= min(shape):
        raise ValueError(f"{name} must be an integer in [1, min(m, n) = {min(shape)}], got {k!r}")
    return int(k)


def check_real(dtype: np.dtype, name: str = "A") -> None:
    """A ``TypeError`` naming ``name`` unless ``dtype`` is real (bool, integer or float): a
    complex matrix is refused rather than losing its imaginary part to a float64 cast."""
    if np.dtype(dtype).kind not in "biuf":
        raise TypeError(
            f"{name} must be real (bool, integer or float), got dtype {np.dtype(dtype)}"
        )


def check_matrix(a: object, name: str = "A") -> np.ndarray:
    """A as a finite 2-D float64 array, else a ``ValueError`` (a ``TypeError`` for a complex
    or non-numeric one) naming ``name``."""
    a = np.asarray(a)
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{name} must be a non-empty 2-D matrix, got shape {a.shape}")
    check_real(a.dtype, name)
    a = a.astype(np.float64, copy=False)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite (found NaN or Inf)")
    return a


@dataclass(frozen=True, eq=False)
class LowRankProblem:
    """Approximate A (m×n) by a matrix of rank ``k``; ``singular_values`` of A (computed when
    not given) give the optimal error ‖A − A_k‖_F; ``psd`` marks a symmetric PSD A."""

    A: np.ndarray
    k: int
    singular_values: np.ndarray | None = None
    psd: bool = False
    optimal: float = field(default=0.0)

    def __post_init__(self) -> None:
        a = check_matrix(self.A)
        object.__setattr__(self, "A", a)
        object.__setattr__(self, "k", check_rank(self.k, a.shape))
        sv = self.singular_values
        if sv is None:
            sv = np.linalg.svd(a, compute_uv=False)
        object.__setattr__(self, "singular_values", np.asarray(sv, dtype=np.float64))
        object.__setattr__(self, "optimal", optimal_error(self.singular_values, self.k))
        if not self.optimal > 0.0:
            raise ValueError(f"A has rank <= k = {self.k}: the optimal error is 0")

    @property
    def shape(self) -> tuple[int, int]:
        return self.A.shape


def spectrum(n: int, decay: str, rate: float) -> np.ndarray:
    """σ_j = j^(−rate) (``polynomial``) or e^(−rate·(j−1)) (``exponential``), j = 1..n."""
    check_choice(decay, "decay", DECAYS)
    j = np.arange(1, n + 1, dtype=np.float64)
    return j**-rate if decay == "polynomial" else np.exp(-rate * (j - 1))


def decaying_matrix(
    m: int, n: int, decay: str, rate: float, seed: int, *, psd: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """A = U diag(σ) Vᵀ with U, V Haar-random (QR of Gaussians) and σ from :func:`spectrum`
    (``psd``: A = V diag(σ) Vᵀ, m = n); returns A and σ."""
    rng = np.random.default_rng([check_integer(seed, "seed", minimum=0), 71])
    sigma = spectrum(min(m, n), decay, rate)
    v = np.linalg.qr(rng.standard_normal((n, min(m, n))))[0]
    if psd:
        return (v * sigma) @ v.T, sigma
    u = np.linalg.qr(rng.standard_normal((m, min(m, n))))[0]
    return (u * sigma) @ v.T, sigma


def decaying_problem(
    m: int, n: int, k: int, decay: str, rate: float, seed: int, *, psd: bool = False
) -> LowRankProblem:
    """A :class:`LowRankProblem` on :func:`decaying_matrix`."""
    a, sigma = decaying_matrix(m, n, decay, rate, seed, psd=psd)
    return LowRankProblem(a, k, sigma, psd=psd)

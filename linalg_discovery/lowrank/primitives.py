"""Primitives of randomized low-rank approximation, with their flop counts.

Plain NumPy/SciPy functions on a dense A (m×n) and thin factors with ℓ = k + p columns
(Halko, Martinsson & Tropp 2011, "Finding structure with randomness"): test matrices Ω and
range finders Y = AΩ, orthonormalisation by Householder QR, power (subspace) iteration,
the small SVD of the projected matrix, and the Nyström approximation of a PSD matrix.
One multiply-add counts 2 flops.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

__all__ = [
    "TEST_MATRICES",
    "gaussian_test_matrix",
    "nystrom",
    "optimal_error",
    "orthonormalize",
    "orthonormalize_flops",
    "power_iteration",
    "range_finder",
    "rank_k_error",
    "small_svd_rotation",
    "small_svd_flops",
    "sparse_sign_test_matrix",
]

TEST_MATRICES = ("gaussian", "sparse_sign")


def gaussian_test_matrix(n: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Ω ∈ R^{n×ℓ} with i.i.d. N(0, 1) entries."""
    return rng.standard_normal((n, width))


def sparse_sign_test_matrix(
    n: int, width: int, rng: np.random.Generator, nnz: int = 4
) -> sp.csr_matrix:
    """Ω ∈ R^{n×ℓ} with ``min(nnz, ℓ)`` entries ±1 per row in distinct random columns (a sparse
    sign embedding; Tropp et al. 2019), so AΩ costs 2·m·n·nnz flops instead of 2·m·n·ℓ."""
    per_row = min(nnz, width)
    cols = np.argsort(rng.random((n, width)), axis=1)[:, :per_row]
    vals = rng.choice([-1.0, 1.0], size=(n, per_row))
    rows = np.repeat(np.arange(n), per_row)
    return sp.csr_matrix((vals.ravel(), (rows, cols.ravel())), shape=(n, width))


def range_finder(a: np.ndarray, omega: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Y = AΩ, whose range approximates the dominant left singular subspace of A."""
    if sp.issparse(omega):
        return np.asarray((omega.T @ a.T).T)
    return a @ omega


def orthonormalize(y: np.ndarray) -> np.ndarray:
    """Q of the economic Householder QR Y = QR (orthonormal columns spanning range(Y))."""
    return sla.qr(y, mode="economic", check_finite=False)[0]


def orthonormalize_flops(rows: int, cols: int) -> float:
    """Householder QR of a rows×cols matrix and forming its Q: 2·(2·rows·cols² − ⅔cols³)."""
    return 4.0 * rows * cols**2 - 4.0 * cols**3 / 3.0


def power_iteration(a: np.ndarray, q: np.ndarray, iterations: int) -> np.ndarray:
    """Q ← orth(A·AᵀQ), ``iterations`` times: subspace iteration re-orthonormalised every pass,
    so the i-th basis vector's weight grows as σ_i^{2·iterations+1} (HMT Alg. 4.4 without the
    intermediate QR of AᵀQ, which the discovery reward found no use for)."""
    for _ in range(iterations):
        q = orthonormalize(a @ (a.T @ q))
    return q


def small_svd_rotation(w: np.ndarray) -> np.ndarray:
    """Z ∈ R^{ℓ×ℓ}, the right singular vectors of W (n×ℓ) in order of decreasing σ: with
    W = AᵀQ = (QᵀA)ᵀ, (QZ)(WZ)ᵀ = QQᵀA and its first k columns give the best rank-k
    approximation of A within range(Q)."""
    return np.linalg.svd(w, full_matrices=False)[2].T


def small_svd_flops(rows: int, cols: int) -> float:
    """≈ flops of the thin SVD of a rows×cols matrix, rows ≥ cols (R-SVD):
    4·rows·cols² + 22·cols³."""
    return 4.0 * rows * cols**2 + 22.0 * cols**3


def nystrom(
    a: np.ndarray, omega: np.ndarray, y: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Nyström approximation Â = Y(ΩᵀY)⁺Yᵀ = UΛUᵀ of a symmetric PSD A from Y = AΩ, in the
    stable form of Tropp et al. (2017, Alg. 3): ν = √n·ε·‖Y‖, Y_ν = Y + νΩ, C = chol(ΩᵀY_ν),
    B = Y_νC⁻¹ = UΣVᵀ, Λ = max(Σ² − νI, 0). Returns U (n×ℓ, orthonormal) and Λ (decreasing)."""
    if y is None:
        y = a @ omega
    n = y.shape[0]
    nu = np.sqrt(n) * np.finfo(np.float64).eps * np.linalg.norm(y, 2)
    y_nu = y + nu * omega
    core = omega.T @ y_nu
    c = sla.cholesky(0.5 * (core + core.T), lower=False, check_finite=False)
    b = sla.solve_triangular(c, y_nu.T, trans="T", check_finite=False).T
    u, sigma, _ = np.linalg.svd(b, full_matrices=False)
    return u, np.maximum(sigma**2 - nu, 0.0)


def rank_k_error(a: np.ndarray, u: np.ndarray, v: np.ndarray) -> float:
    """‖A − UVᵀ‖_F."""
    return float(np.linalg.norm(a - u @ v.T))


def optimal_error(singular_values: np.ndarray, k: int) -> float:
    """‖A − A_k‖_F = (Σ_{j>k} σ_j²)^{1/2}, the smallest rank-k error (Eckart–Young)."""
    tail = np.asarray(singular_values, dtype=np.float64)[k:]
    return float(np.sqrt(np.sum(tail**2)))

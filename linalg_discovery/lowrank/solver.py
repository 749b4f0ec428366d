"""Rank-k approximation by the discovered randomized SVD with power iterations, called like
``scipy.sparse.linalg.svds`` (on a real dense A, a ``scipy.sparse`` matrix or a
``LinearOperator``).

The program MCGS finds on the ``randomized-svd`` path (Halko, Martinsson & Tropp 2011,
Alg. 4.4 and 5.1), with ℓ = k + p columns:

1. Q = orth(AΩ), Ω an n×ℓ Gaussian (or sparse sign) test matrix;
2. q times Q ← orth(A·(AᵀQ)) (power iteration, re-orthonormalised every pass): the error
   bound's tail term shrinks like (σ_{k+1}/σ_j)^{2q};
3. W = AᵀQ = (QᵀA)ᵀ, its thin SVD W = ŴΣZᵀ, and A ≈ (QZ)ΣŴᵀ truncated to its first k terms.

It reads A 2q + 2 times and runs no stopping test: its cost is fixed by (k, p, q). A dense
A's products with thin factors are formed as (XᵀAᵀ)ᵀ and (XᵀA)ᵀ, with the thin factor on the
left, the layout OpenBLAS runs about 1.8× faster than A·X for an ℓ of tens.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from linalg_discovery.lowrank.primitives import (
    TEST_MATRICES,
    gaussian_test_matrix,
    orthonormalize,
    range_finder,
    sparse_sign_test_matrix,
)
from linalg_discovery.lowrank.problems import check_matrix, check_rank, check_real
from sciml.core.checks import check_integer

__all__ = ["randomized_svd"]

Operand = np.ndarray | sp.spmatrix | spla.LinearOperator


def _times(a: Operand, x: np.ndarray) -> np.ndarray:
    """A·X."""
    if isinstance(a, spla.LinearOperator):
        return np.asarray(a.matmat(x))
    return np.asarray(a @ x) if sp.issparse(a) else (x.T @ a.T).T


def _times_transpose(a: Operand, x: np.ndarray) -> np.ndarray:
    """Aᵀ·X."""
    if isinstance(a, spla.LinearOperator):
        try:
            return np.asarray(a.rmatmat(x))
        except (NotImplementedError, TypeError) as error:  # SciPy's ways to say "no rmatvec"
            raise TypeError(
                f"A, a LinearOperator, must define rmatvec or rmatmat (products with Aᵀ): "
                f"{error}"
            ) from error
    return np.asarray(a.T @ x) if sp.issparse(a) else (x.T @ a).T


def _rescaled(w: np.ndarray) -> np.ndarray:
    """W, or where A·W could under- or overflow (max|W| outside [2⁻¹⁰⁰, 2¹⁰⁰], an A of tiny or
    huge entries) W times the power of two that brings max|W| into [1/2, 1): exact, and the
    span of A·W, all that the orthonormalisation keeps, is the same."""
    peak = float(np.max(np.abs(w))) if w.size else 0.0
    if peak == 0.0 or 2.0**-100 <= peak <= 2.0**100:
        return w
    return np.ldexp(w, -np.frexp(peak)[1])


def _check_operand(a: Any) -> Operand:
    """A as a finite real float64 array or CSR matrix, or a real LinearOperator."""
    if isinstance(a, spla.LinearOperator):
        if 0 in a.shape:
            raise ValueError(f"A must be a non-empty 2-D matrix, got shape {a.shape}")
        check_real(a.dtype, "A")
        return a
    if sp.issparse(a):
        check_real(a.dtype, "A")
        a = sp.csr_matrix(a, dtype=np.float64)
        if not np.all(np.isfinite(a.data)):
            raise ValueError("A must be finite (found NaN or Inf)")
        return a
    return check_matrix(a, "A")


def randomized_svd(
    A: Operand,
    k: int,
    *,
    oversampling: int = 10,
    power_iterations: int = 2,
    test_matrix: str = "gaussian",
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Rank-k truncated SVD A ≈ U diag(s) Vt by the randomized SVD.

    Q spans the range of (AAᵀ)^q AΩ for an n×ℓ test matrix Ω, ℓ = k + p; the thin SVD of
    AᵀQ gives the factors (Halko, Martinsson & Tropp 2011, Alg. 4.4 and 5.1; see the module
    docstring). It reads A 2q + 2 times and runs no stopping test.

    Parameters
    ----------
    A : array_like, scipy.sparse matrix or scipy.sparse.linalg.LinearOperator, shape (m, n)
        Real, finite, non-empty matrix; a ``LinearOperator`` must have ``rmatmat`` or
        ``rmatvec`` (products with Aᵀ). Complex ones are refused.
    k : int
        Rank, 1 ≤ k ≤ min(m, n).
    oversampling : int, default 10
        Extra columns p of the test matrix, ≥ 0 (ℓ = min(k + p, m, n)).
    power_iterations : int, default 2
        Power iterations q, passes Q ← orth(A·AᵀQ), ≥ 0.
    test_matrix : {"gaussian", "sparse_sign"}, default "gaussian"
        Ω Gaussian, or sparse with 4 nonzeros ±1 per row.
    seed : int, default 0
        Seed of Ω, ≥ 0; the same seed gives the same bytes.

    Returns
    -------
    U : ndarray, shape (m, k)
        Orthonormal columns, approximate left singular vectors.
    s : ndarray, shape (k,)
        Singular value estimates, decreasing.
    Vt : ndarray, shape (k, n)
        Orthonormal rows, approximate right singular vectors.
    info : dict
        ``width`` (ℓ), ``power_iterations`` (q), ``test_matrix`` and ``passes_over_A``
        (2q + 2).

    Raises
    ------
    ValueError
        For a non-finite, empty or non-2-D A, a rank outside [1, min(m, n)], a negative
        oversampling, number of power iterations or seed, or an unknown test matrix.
    TypeError
        For a complex or non-numeric A, or a ``LinearOperator`` without Aᵀ products.

    See Also
    --------
    numpy.linalg.svd : The full (deterministic) SVD.
    scipy.sparse.linalg.svds : Partial SVD by ARPACK, LOBPCG or PROPACK.
    linalg_discovery.solvers.lstsq : The discovered sketch-and-precondition least squares.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((60, 5)) @ rng.standard_normal((5, 40))   # rank 5
    >>> U, s, Vt, info = randomized_svd(A, 5, seed=1)
    >>> bool(np.allclose(U * s @ Vt, A)), info["passes_over_A"]
    (True, 6)
    >>> bool(np.allclose(s, np.linalg.svd(A, compute_uv=False)[:5]))
    True
    >>> bool(np.allclose(U.T @ U, np.eye(5))), U.shape, Vt.shape
    (True, (60, 5), (5, 40))
    """
    a = _check_operand(A)
    k = check_rank(k, a.shape, "k")
    oversampling = check_integer(oversampling, "oversampling", minimum=0)
    q = check_integer(power_iterations, "power_iterations", minimum=0)
    seed = check_integer(seed, "seed", minimum=0)
    if test_matrix not in TEST_MATRICES:
        raise ValueError(
            f"test_matrix must be one of {', '.join(TEST_MATRICES)}, got {test_matrix!r}"
        )
    m, n = a.shape
    width = min(k + oversampling, m, n)
    rng = np.random.default_rng([seed, 1, TEST_MATRICES.index(test_matrix)])
    if test_matrix == "gaussian":
        q_basis = orthonormalize(_times(a, gaussian_test_matrix(n, width, rng)))
    elif isinstance(a, spla.LinearOperator):
        q_basis = orthonormalize(_times(a, sparse_sign_test_matrix(n, width, rng).toarray()))
    else:
        q_basis = orthonormalize(
            np.asarray(range_finder(a, sparse_sign_test_matrix(n, width, rng)))
        )
    for _ in range(q):
        q_basis = orthonormalize(_times(a, _rescaled(_times_transpose(a, q_basis))))
    w = _times_transpose(a, q_basis)
    w_left, s, zt = np.linalg.svd(w, full_matrices=False)
    u = q_basis @ zt[:k].T
    info = {
        "width": width,
        "power_iterations": q,
        "test_matrix": test_matrix,
        "passes_over_A": 2 * q + 2,
    }
    return u, s[:k], w_left[:, :k].T, info

"""Input checks and operator wrappers: a matvec-counting ``LinearOperator``, symmetric Jacobi
scaling S A S with S = D^{-1/2}, and validation of the matrices and vectors users hand in."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.core.constants import SYMMETRY_RTOL


class CountingOperator(spla.LinearOperator):
    """A ``LinearOperator`` that forwards to ``A`` and counts matvecs (a block of m columns
    counts m) and the ``matmat`` calls that carried them."""

    def __init__(self, a: sp.spmatrix | sp.sparray | np.ndarray | spla.LinearOperator):
        super().__init__(dtype=np.dtype(np.float64), shape=a.shape)
        self.a = a
        self.matvecs = 0

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        self.matvecs += 1
        return np.asarray(self.a @ np.ravel(x), dtype=np.float64)

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        self.matvecs += x.shape[1]
        return np.asarray(self.a @ x, dtype=np.float64)

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        self.matvecs += 1
        return np.asarray(self.a.T @ np.ravel(x), dtype=np.float64)

    def reset(self) -> None:
        self.matvecs = 0


def check_operator(a: object, name: str = "A") -> sp.csr_matrix | spla.LinearOperator:
    """``a`` as a real float64 CSR matrix or ``LinearOperator``; ``ValueError``/``TypeError``
    naming ``name`` if it is not square, is empty, complex, or has NaN/Inf entries."""
    if isinstance(a, spla.LinearOperator):
        if len(a.shape) != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"{name} must be square, got shape {a.shape}")
        if a.shape[0] == 0:
            raise ValueError(f"{name} must not be empty, got shape {a.shape}")
        if np.issubdtype(np.dtype(a.dtype), np.complexfloating):
            raise ValueError(f"{name}: complex operators are not supported, got dtype {a.dtype}")
        return a
    if sp.issparse(a):
        matrix = a
    elif isinstance(a, np.ndarray | list):
        matrix = np.asarray(a)
        if matrix.ndim != 2:
            raise ValueError(f"{name} must be a 2D matrix, got {matrix.ndim} dimension(s)")
    else:
        raise TypeError(
            f"{name} must be a scipy.sparse matrix, a numpy array or a LinearOperator, "
            f"got {type(a).__name__}"
        )
    if matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"{name} must be square, got shape {matrix.shape}")
    if matrix.shape[0] == 0:
        raise ValueError(f"{name} must not be empty, got shape {matrix.shape}")
    if np.iscomplexobj(matrix):
        raise ValueError(f"{name}: complex matrices are not supported, got dtype {matrix.dtype}")
    if not np.issubdtype(matrix.dtype, np.number) or matrix.dtype == np.bool_:
        raise TypeError(f"{name} must have a real numeric dtype, got {matrix.dtype}")
    matrix = sp.csr_matrix(matrix, dtype=np.float64)
    if not np.all(np.isfinite(matrix.data)):
        raise ValueError(f"{name} has NaN or Inf entries")
    return matrix


def is_symmetric(a: sp.csr_matrix | spla.LinearOperator, *, seed: int = 0) -> bool:
    """max|A − Aᵀ| ≤ SYMMETRY_RTOL·max|A| (1e-10) for explicit matrices; for a
    ``LinearOperator`` the test |uᵀAv − vᵀAu| ≤ SYMMETRY_RTOL·‖Av‖‖u‖ on one seeded random
    pair (two matvecs, not counted)."""
    if sp.issparse(a):
        scale = abs(a).max() if a.nnz else 0.0
        return bool(scale == 0.0 or abs(a - a.T).max() <= SYMMETRY_RTOL * scale)
    rng = np.random.default_rng(seed)
    u, v = rng.standard_normal((2, a.shape[0]))
    av, au = a @ v, a @ u
    scale = max(np.linalg.norm(av) * np.linalg.norm(u), np.linalg.norm(au) * np.linalg.norm(v))
    return bool(abs(u @ av - v @ au) <= SYMMETRY_RTOL * max(scale, np.finfo(float).tiny))


def jacobi_scaling(a: sp.csr_matrix) -> np.ndarray:
    """S = diag(|a_ii|)^{-1/2}, so that S A S has unit diagonal; ``ValueError`` on a zero
    diagonal entry."""
    d = np.abs(a.diagonal())
    if np.any(d == 0.0):
        raise ValueError(
            f"A has {int(np.sum(d == 0.0))} zero diagonal entries: Jacobi scaling needs a "
            "nonzero diagonal (use scaling='none')"
        )
    return 1.0 / np.sqrt(d)


def scaled_operator(a: sp.csr_matrix, s: np.ndarray) -> sp.csr_matrix:
    """The explicit matrix S A S for the diagonal S given as a vector."""
    d = sp.diags(s)
    return sp.csr_matrix(d @ a @ d)


def check_vector(b: object, n: int, name: str = "b", *, block: bool = True) -> np.ndarray:
    """``b`` as a finite real float64 array of shape (n,) (or (n, m) when ``block``)."""
    arr = np.asarray(b)
    if np.iscomplexobj(arr):
        raise ValueError(f"{name}: complex vectors are not supported")
    if arr.ndim == 0 or arr.shape[0] != n or arr.ndim > (2 if block else 1):
        expected = f"({n},)" + (f" or ({n}, m)" if block else "")
        raise ValueError(f"{name} must have shape {expected}, got {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has NaN or Inf entries")
    return arr


def check_degree(degree: object, name: str = "degree") -> int:
    """``degree`` as an int ≥ 1."""
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(degree).__name__}")
    if degree < 1:
        raise ValueError(f"{name} must be >= 1, got {degree}")
    return int(degree)

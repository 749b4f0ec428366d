"""``eigsh(A, k)``: k extreme eigenpairs of a symmetric A by Chebyshev-filtered subspace
iteration (Zhou & Saad 2007), with ARPACK and LOBPCG as references; every result counts its
matvecs (a block of m columns counts m).

Filter (damps [a, b], amplifies below a, normalised at a_0):
e = (b−a)/2, c = (b+a)/2, σ_1 = e/(a_0 − c), Y_1 = (A − cI)X σ_1/e,
σ_{i} = 1/(2/σ_1 − σ_{i−1}), Y_{i} = (2σ_i/e)(A − cI)Y_{i−1} − σ_{i−1}σ_i Y_{i−2},
so Y_m = T_m((A − cI)/e) X / T_m((a_0 − c)/e).
Convergence (as ARPACK): ‖A x_i − θ_i x_i‖ ≤ tol·|θ_i| for the k wanted pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from solvers.operators import CountingOperator, check_degree, check_operator, is_symmetric
from solvers.probes import probe

EIG_METHODS = ("filtered", "arpack", "lobpcg")


@dataclass(frozen=True)
class EigResult:
    """Eigenvalues ascending (k of them), eigenvectors as columns, the matvecs used, outer
    iterations, whether all k met the tolerance, and their relative residuals."""

    values: np.ndarray
    vectors: np.ndarray
    matvecs: int
    iterations: int
    converged: bool
    residuals: np.ndarray
    method: str


def chebyshev_filter(a, x: np.ndarray, degree: int, lower: float, upper: float, a0: float):
    """T_m((A − cI)/e) X / T_m((a_0 − c)/e) by the scaled three-term recurrence above."""
    e, c = 0.5 * (upper - lower), 0.5 * (upper + lower)
    sigma1 = e / (a0 - c)
    sigma = sigma1
    y = (a @ x - c * x) * (sigma1 / e)
    for _ in range(1, degree):
        sigma_next = 1.0 / (2.0 / sigma1 - sigma)
        y, x = (2.0 * sigma_next / e) * (a @ y - c * y) - (sigma * sigma_next) * x, y
        sigma = sigma_next
    return y


def _relative_residuals(ax: np.ndarray, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    r = np.linalg.norm(ax - x * theta, axis=0)
    return r / np.maximum(np.abs(theta), np.finfo(float).tiny)


def _filtered(counter, k, which, degree, tol, seed, maxiter):
    sign = 1.0 if which == "SA" else -1.0
    op = counter if sign > 0 else -counter
    n = counter.shape[0]
    result = probe(op, steps=20, seed=seed)
    upper = result.upper
    block = min(n, k + max(8, k))
    x = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, block)))[0]
    ax = op @ x
    theta, w = scipy.linalg.eigh(x.T @ ax)
    x, ax = x @ w, ax @ w
    for iteration in range(1, maxiter + 1):
        res = _relative_residuals(ax[:, :k], x[:, :k], theta[:k])
        if np.all(res <= tol):
            return theta[:k] * sign, x[:, :k], iteration - 1, True, res
        lower = theta[-1]
        if lower >= upper:  # the block already spans the whole spectrum
            lower = 0.5 * (theta[0] + upper)
        y = chebyshev_filter(op, x, degree, lower, upper, theta[0])
        x = np.linalg.qr(y)[0]
        ax = op @ x
        theta, w = scipy.linalg.eigh(0.5 * (x.T @ ax + ax.T @ x))
        x, ax = x @ w, ax @ w
    res = _relative_residuals(ax[:, :k], x[:, :k], theta[:k])
    return theta[:k] * sign, x[:, :k], maxiter, bool(np.all(res <= tol)), res


def eigsh(
    A,
    k: int = 8,
    which: str = "SA",
    method: str = "filtered",
    *,
    degree: int = 10,
    tol: float = 1e-6,
    seed: int = 0,
    maxiter: int = 500,
    M=None,
) -> EigResult:
    """k smallest ("SA") or largest ("LA") eigenpairs of symmetric A.

    "filtered": block of k + max(8, k) vectors, Chebyshev filter of ``degree`` on
    [largest Ritz value of the block, probe bound u], Rayleigh–Ritz each sweep.
    "arpack": ``scipy.sparse.linalg.eigsh`` (seeded v0); "lobpcg": ``scipy.sparse.linalg.lobpcg``
    with the optional preconditioner ``M`` (e.g. a :func:`polynomial_preconditioner`, whose own
    matvecs are added to the count).
    """
    operator = check_operator(A)
    n = operator.shape[0]
    degree = check_degree(degree)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise ValueError(f"k must be an integer with 1 <= k < n = {n}, got {k!r}")
    if which not in ("SA", "LA"):
        raise ValueError(f"which must be 'SA' or 'LA', got {which!r}")
    if method not in EIG_METHODS:
        raise ValueError(f"method must be one of {', '.join(EIG_METHODS)}, got {method!r}")
    if not is_symmetric(operator, seed=seed):
        raise ValueError("A is not symmetric: eigsh needs a symmetric matrix")
    counter = CountingOperator(operator)
    rng = np.random.default_rng(seed)
    iterations = 0
    if method == "filtered":
        values, vectors, iterations, _, _ = _filtered(counter, k, which, degree, tol, seed, maxiter)
    elif method == "arpack":
        values, vectors = spla.eigsh(
            counter, k=k, which=which, tol=tol, v0=rng.standard_normal(n), maxiter=maxiter * n
        )
    else:
        x0 = rng.standard_normal((n, k + max(8, k)))
        values, vectors = spla.lobpcg(
            counter, x0, M=M, largest=which == "LA", tol=None, maxiter=maxiter
        )
        order = np.argsort(values)
        values, vectors = values[order], vectors[:, order]
        values, vectors = (
            (values[:k], vectors[:, :k]) if which == "SA" else (values[-k:], vectors[:, -k:])
        )
    order = np.argsort(values)
    values, vectors = values[order], vectors[:, order]
    matvecs = counter.matvecs + (getattr(M, "matvecs", 0) if method == "lobpcg" else 0)
    residuals = _relative_residuals(operator @ vectors, vectors, values)
    return EigResult(
        values, vectors, matvecs, iterations, bool(np.all(residuals <= tol)), residuals, method
    )

"""Polynomial-filtered Lanczos for k extreme eigenpairs: ARPACK's implicitly restarted Lanczos
(``scipy.sparse.linalg.eigsh``) run on p(A) = T_m((A − cI)/e)/T_m((a_0 − c)/e), the Chebyshev
filter that damps the interval [a, u] above the wanted end (a = the (k+1)-th smallest Ritz
value of a seeded probe, u its upper bound). By Cauchy interlacing θ_{k+1} ≥ λ_{k+1}, so the k
wanted eigenvalues lie below a, where |p| grows monotonically away from the interval, and they
are the k largest of |p(A)|. One Lanczos step costs m matvecs; the filter cuts the Krylov
steps (and their inner products) by about m at the price of more matvecs, so the smallest
degrees are the cheapest in matvecs.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from solvers.probes import lanczos

PROBE_MARGIN = 1.05
TOLERANCE_STEPS = (1e-2, 1e-4)  # ARPACK's tolerance on p(A), in units of tol, tried in turn


def filtered_lanczos(
    op, k: int, degree: int, tol: float, seed: int, maxiter: int, probe_steps: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """The k smallest eigenpairs of symmetric ``op`` (ascending values, vectors as columns) and
    the number of ARPACK runs: the probe (max(``probe_steps``, k + 2) Lanczos steps) places the
    filter; ARPACK on p(A) runs with tolerance 1e-2·tol, then 1e-4·tol from the best vector so
    far if some Rayleigh quotient of A misses ``tol`` (‖Ax − θx‖ ≤ tol·|θ|)."""
    n = op.shape[0]
    rng = np.random.default_rng(seed)
    steps = min(max(probe_steps, k + 2), n)
    lz = lanczos(op, rng.standard_normal(n), steps)
    theta, y = scipy.linalg.eigh(lz.tridiagonal)
    residual = np.abs(lz.beta[-1] * y[-1, :])
    upper = float(theta[-1] + residual[-1] + (PROBE_MARGIN - 1.0) * np.abs(theta).max())
    cut = float(theta[min(k, theta.size - 1)])
    from solvers.eigen import chebyshev_filter  # eigen imports this module lazily

    def apply(x: np.ndarray) -> np.ndarray:
        block = x.reshape(n, -1)
        return chebyshev_filter(op, block, degree, cut, upper, float(theta[0])).reshape(x.shape)

    filtered = spla.LinearOperator((n, n), matvec=apply, matmat=apply, dtype=np.float64)
    start = rng.standard_normal(n)
    values = vectors = None
    runs = 0
    for scale in TOLERANCE_STEPS:
        runs += 1
        try:
            _, vectors = spla.eigsh(
                filtered, k, which="LM", tol=tol * scale, v0=start, maxiter=maxiter * n
            )
        except spla.ArpackNoConvergence as err:
            vectors = err.eigenvectors
        ax = op @ vectors
        values, w = scipy.linalg.eigh(0.5 * (vectors.T @ ax + ax.T @ vectors))
        vectors, ax = vectors @ w, ax @ w
        res = np.linalg.norm(ax - vectors * values, axis=0) / np.maximum(np.abs(values), 1e-300)
        if vectors.shape[1] == k and np.all(res <= tol):
            break
        start = vectors.sum(axis=1)
    return values, vectors, runs

"""AutoSpec: learned spectral polynomials as SciPy preconditioners, matrix functions and filters.

``polynomial_preconditioner(A, degree, method, seed)`` → ``LinearOperator`` for
``scipy.sparse.linalg.cg/minres/gmres`` (and pyamg's Krylov solvers);
``funm(A, b, f, degree, method)`` → f(A)b; ``eigsh(A, k, which, method="filtered")`` →
extreme eigenpairs; ``distributed_cg(A, b, polynomials, world=2)`` → CG across
``torch.distributed`` processes, timed and counted. Every result reports its matvec count.
Names load on first use (torch is only imported when a learned model, training or
``distributed_cg`` is needed).
"""

from __future__ import annotations

from sciml.core.lazy import lazy_exports

_EXPORTS = {
    "polynomial_preconditioner": "solvers.preconditioner",
    "PolynomialPreconditioner": "solvers.preconditioner",
    "funm": "solvers.matfun",
    "FunmResult": "solvers.matfun",
    "eigsh": "solvers.eigen",
    "EigResult": "solvers.eigen",
    "EigNoConvergence": "solvers.eigen",
    "probe": "solvers.probes",
    "SpectralProbe": "solvers.probes",
    "compare": "solvers.comparison",
    "compare_matrix": "solvers.comparison",
    "format_comparison": "solvers.comparison",
    "train_shipped_models": "solvers.training",
    "fit_preconditioner": "solvers.family",
    "distributed_cg": "solvers.distributed",
    "POLYNOMIAL_METHODS": "solvers.methods",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)

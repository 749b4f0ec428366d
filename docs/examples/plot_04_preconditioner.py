"""
A learned polynomial preconditioner in SciPy's CG
=================================================

:func:`solvers.polynomial_preconditioner` reads a seeded 20-step Lanczos probe of A (extreme
Ritz values, residual norms), lets a small shipped network emit a degree-d polynomial p and
returns M = p(A) ≈ A⁻¹ as a :class:`scipy.sparse.linalg.LinearOperator`, applied matrix-free by
a three-term recurrence (in the Jacobi-scaled operator). This solves a shipped SuiteSparse
stiffness matrix with :func:`scipy.sparse.linalg.cg` three ways: Jacobi-CG (the reference),
the Chebyshev polynomial of the same degree on the same probe, and the learned polynomial, and
plots the relative residual against the products with A spent (probe included). The learned
and Chebyshev polynomials need several times fewer CG iterations, hence fewer global
reductions, for a few more matvecs (see the AutoSpec results page).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import cg

from sciml.data.matrices import load_matrix
from solvers import polynomial_preconditioner

A = load_matrix("HB/bcsstk15")
b = np.random.default_rng(0).standard_normal(A.shape[0])
print(f"HB/bcsstk15: n = {A.shape[0]}, nnz = {A.nnz}")


def run_cg(M, matvecs_per_step, setup_matvecs=0):
    """Solve to rtol 1e-8; record (matvecs so far, relative residual) per iteration."""
    history = []

    def callback(xk):
        history.append(np.linalg.norm(b - A @ xk) / np.linalg.norm(b))

    x, info = cg(A, b, M=M, rtol=1e-8, maxiter=20000, callback=callback)
    steps = np.arange(1, len(history) + 1)
    return setup_matvecs + matvecs_per_step * steps, np.array(history), info


# %%
# Jacobi-CG, then the two degree-10 polynomials (each application of M costs 10 products
# with A; the probe costs ``M.setup_matvecs``).
curves = {"Jacobi-CG": run_cg(sp.diags(1.0 / A.diagonal()), 1)}
for method in ("chebyshev", "learned"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a fallback would be reported in M.method
        M = polynomial_preconditioner(A, degree=10, method=method, seed=0)
    curves[f"{method} d=10 (used: {M.method})"] = run_cg(M, 1 + M.degree, M.setup_matvecs)

for name, (matvecs, residuals, info) in curves.items():
    print(f"{name:32s} CG iterations {len(residuals):5d}  matvecs {matvecs[-1]:6d}  info {info}")

# %%
# Relative residual against CG iterations (each one global reduction step: two inner
# products) and against products with A.
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, (matvecs, residuals, _) in curves.items():
    left.semilogy(np.arange(1, len(residuals) + 1), residuals, label=name)
    right.semilogy(matvecs, residuals, label=name)
for ax in (left, right):
    ax.axhline(1e-8, color="grey", linestyle=":")
    ax.set_ylabel("‖b − Ax‖ / ‖b‖")
left.set_xlabel("CG iterations")
right.set_xlabel("products with A (probe included)")
left.legend()
fig.tight_layout()
plt.show()

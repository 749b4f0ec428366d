"""
The matrix collection, and extreme eigenvalues with a polynomial filter
=======================================================================

:func:`sciml.data.matrices.load_matrix` returns a :mod:`scipy.sparse` CSR matrix by name: real
SuiteSparse matrices shipped with the package (``"HB/bcsstk15"``), pyamg's gallery
(``"pyamg/airfoil"``) and generators (``"poisson2d-64"``, ``"synthetic-clustered-500"``);
:func:`sciml.data.matrices.list_matrices` is the catalogue. :func:`solvers.eigsh` finds extreme
eigenpairs: ``method="filtered"`` runs a subspace iteration on a Chebyshev (or learned)
polynomial filter that damps the unwanted end of the probed spectrum, ``"filtered-lanczos"``
runs ARPACK on a low-degree filter, and ``"arpack"`` is SciPy's ``eigsh``; each reports the
products with A it spent.
"""

import matplotlib.pyplot as plt
import numpy as np

from sciml.data.matrices import list_matrices, load_matrix
from solvers import eigsh

catalogue = list_matrices()
print(f"{len(catalogue)} matrices; the first few:")
for info in catalogue[:6]:
    print(f"  {info.name:22s} n={info.n:6d} nnz={info.nnz:7d} spd={info.spd}  {info.description}")

# %%
# Sparsity patterns of a few of them.
names = ["HB/nos4", "HB/gr_30_30", "HB/bcsstk09", "pyamg/airfoil", "poisson2d-16"]
fig, axes = plt.subplots(1, len(names), figsize=(14, 3))
for ax, name in zip(axes, names, strict=True):
    A = load_matrix(name)
    ax.spy(A, markersize=0.3)
    ax.set_title(f"{name}\nn = {A.shape[0]}", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# The 8 largest eigenvalues of a 900-unknown finite-element matrix, three ways.
A = load_matrix("HB/gr_30_30")
exact = np.linalg.eigvalsh(A.toarray())[-8:]
results = {m: eigsh(A, k=8, which="LA", method=m, seed=0)
           for m in ("arpack", "filtered", "filtered-lanczos")}  # fmt: skip
for method, r in results.items():
    error = np.max(np.abs(np.sort(r.values) - exact) / np.abs(exact))
    print(
        f"{method:17s} matvecs {r.matvecs:5d}  converged {r.converged}  max rel. error {error:.1e}"
    )

fig, ax = plt.subplots(figsize=(5, 3.2))
ax.bar(list(results), [r.matvecs for r in results.values()])
ax.set_ylabel("products with A (probe included)")
ax.set_title("8 largest eigenpairs of HB/gr_30_30, tol 1e-6")
fig.tight_layout()
plt.show()

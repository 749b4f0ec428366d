"""
f(A)b on a spectrum with structure: ``funm``
============================================

:func:`solvers.funm` computes f(A)b for symmetric A without forming f(A). On a spectrum with
structure (clusters, gaps, outliers), ``method="measure"`` fits the degree-d polynomial to f by
least squares in the probe's own Gauss quadrature (its Ritz values and weights), so the degree
goes where the eigenvalues are; ``method="chebyshev"`` interpolates f on the whole probed
interval. Both cost the same (the probe, then d products with A per vector, no inner
product). This compares them, and Lanczos with d steps, on a seeded synthetic matrix whose
eigenvalues lie in 5 clusters, for exp(−tA)b and for the spectral projector 1(λ < threshold) b
with the threshold in the widest gap.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np

from sciml.data.matrices import synthetic
from solvers import funm

n = 400
A = synthetic("clustered", n, cond=1e3, seed=1)
b = np.random.default_rng(0).standard_normal(n)

# %%
# The exact answers from the eigendecomposition (A is small here).
lam, Q = np.linalg.eigh(A.toarray())
gap = int(np.argmax(np.diff(lam)))  # the widest gap between two clusters
threshold = float(0.5 * (lam[gap] + lam[gap + 1]))
exact = {
    "exp": Q @ (np.exp(-20.0 * lam) * (Q.T @ b)),
    "step": Q @ ((lam < threshold) * (Q.T @ b)),
}
options = {"exp": {"t": 20.0}, "step": {"threshold": threshold}}

degrees = [4, 6, 8, 10, 12, 16]
errors = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # low degrees warn that they are inaccurate
    for f in ("exp", "step"):
        for method in ("chebyshev", "measure", "lanczos"):
            errors[f, method] = [
                np.linalg.norm(funm(A, b, f, degree=d, method=method, **options[f]).x - exact[f])
                / np.linalg.norm(exact[f])
                for d in degrees
            ]
for (f, method), values in errors.items():
    print(f"{f:4s} {method:9s} " + "  ".join(f"{e:.1e}" for e in values))

# %%
# The spectrum, and the relative error against the degree.
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
axes[0].plot(lam, ".", markersize=2)
axes[0].set_title("eigenvalues (5 clusters)")
axes[0].axhline(threshold, color="grey", linestyle=":", label="step threshold")
axes[0].legend()
axes[0].set_yscale("log")
for ax, f in zip(axes[1:], ("exp", "step"), strict=True):
    for method in ("chebyshev", "measure", "lanczos"):
        ax.semilogy(degrees, errors[f, method], "o-", label=method)
    ax.set_title({"exp": "exp(−tA) b", "step": "1(A < threshold) b"}[f])
    ax.set_xlabel("degree d")
    ax.set_ylabel("relative error")
    ax.legend()
fig.tight_layout()
plt.show()

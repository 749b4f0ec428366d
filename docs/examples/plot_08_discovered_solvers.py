"""
The discovered solvers against LAPACK and ARPACK
================================================

Two programs found by the searches are exported as callable solvers:
:func:`linalg_discovery.solvers.lstsq` (sketch-and-precondition: a CountSketch of 12n rows,
QR of the sketch, restarted CGLS on AR⁻¹) and :func:`linalg_discovery.solvers.randomized_svd`
(a Gaussian range finder with power iterations, then the SVD of the small projected matrix,
called like :func:`scipy.sparse.linalg.svds`). This checks both against the dense LAPACK
answers and times them beside LAPACK's ``gelsd`` (:func:`numpy.linalg.lstsq`) and ARPACK's
``svds`` at a size that runs in seconds; the benchmark sizes are on the RL4RLA results page.
"""

import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.sparse.linalg import svds

from linalg_discovery.solvers import lstsq, randomized_svd


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    out = function(*args, **kwargs)
    return out, time.perf_counter() - start


rng = np.random.default_rng(0)

# %%
# Least squares: tall and ill-conditioned (κ ≈ 1e6).
A = rng.standard_normal((8000, 100)) * np.logspace(0, -6, 100)
b = rng.standard_normal(8000)
(x, info), t_sketch = timed(lstsq, A, b, rtol=1e-12, seed=0)
(x_lapack, *_), t_lapack = timed(np.linalg.lstsq, A, b, rcond=None)
print(f"converged: {info['converged']}, sketch rows: {info['sketch_rows']}")
print(f"forward error against gelsd: {np.linalg.norm(x - x_lapack) / np.linalg.norm(x_lapack):.1e}")
print(f"seconds: discovered lstsq {t_sketch:.3f}, LAPACK gelsd {t_lapack:.3f}")

# %%
# Rank-20 approximation of a matrix with slowly decaying singular values (σ_j ≈ 1/j).
B = (rng.standard_normal((2000, 400)) / np.arange(1, 401)) @ rng.standard_normal((400, 400))
k = 20
(U, s, Vt, svd_info), t_rsvd = timed(randomized_svd, B, k, oversampling=5, power_iterations=1)
(_, s_arpack, _), t_arpack = timed(svds, B, k=k, solver="arpack", random_state=0)
s_exact = np.linalg.svd(B, compute_uv=False)
optimum = np.sqrt(np.sum(s_exact[k:] ** 2))  # Eckart–Young: the best rank-k error
error = np.linalg.norm(B - (U * s) @ Vt)
print(
    f"passes over B: {svd_info['passes_over_A']}; rank-{k} error / optimum: {error / optimum:.4f}"
)
print(f"seconds: randomized_svd {t_rsvd:.3f}, ARPACK svds {t_arpack:.3f}")

# %%
# The singular values found, against LAPACK's.
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
j = np.arange(1, k + 1)
left.semilogy(j, s_exact[:k], "k-", label="LAPACK (all)")
left.semilogy(j, s, "o", mfc="none", label="discovered randomized_svd")
left.semilogy(j, np.sort(s_arpack)[::-1], "x", label="ARPACK svds")
left.set_xlabel("j")
left.set_ylabel("σ_j")
left.legend()
labels = ["lstsq", "gelsd", "randomized_svd", "svds"]
right.bar(labels, [t_sketch, t_lapack, t_rsvd, t_arpack], color=["C0", "C7", "C0", "C7"])
right.set_ylabel("seconds (this machine, this run)")
fig.tight_layout()
plt.show()

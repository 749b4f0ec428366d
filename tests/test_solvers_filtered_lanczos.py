"""eigsh(method="filtered-lanczos"): ARPACK on a Chebyshev filter of A."""

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.data.matrices import load_matrix
from solvers.eigen import eigsh


@pytest.mark.parametrize("which", ["SA", "LA"])
def test_filtered_lanczos_finds_the_extreme_eigenpairs_of_a_diagonal(which):
    lam = np.linspace(1.0, 50.0, 300) + np.random.default_rng(0).uniform(0, 0.01, 300)
    a = sp.diags(lam).tocsr()
    r = eigsh(a, k=5, which=which, method="filtered-lanczos", tol=1e-8)
    wanted = np.sort(lam)[:5] if which == "SA" else np.sort(lam)[-5:]
    np.testing.assert_allclose(r.values, wanted, rtol=1e-8)
    assert r.converged and r.method == "filtered-lanczos"
    assert np.all(np.abs(np.sum(r.vectors**2, axis=0) - 1.0) < 1e-10)


def test_filtered_lanczos_matches_dense_eigenvalues_with_its_matvecs_counted():
    a = load_matrix("HB/nos4")
    exact = np.linalg.eigvalsh(a.toarray())[:4]
    products = [0]

    def matmat(x):
        x = x.reshape(a.shape[0], -1)
        products[0] += x.shape[1]
        return a @ x

    op = spla.LinearOperator(a.shape, matvec=matmat, matmat=matmat, dtype=np.float64)
    r = eigsh(op, k=4, which="SA", method="filtered-lanczos", degree=3, tol=1e-7)
    np.testing.assert_allclose(r.values, exact, rtol=1e-6)
    symmetry_test = products[0] - r.matvecs - 4  # the final residual check: k products
    assert 0 <= symmetry_test <= 4 and r.matvecs > 20


def test_filtered_lanczos_refuses_the_learned_filter():
    with pytest.raises(ValueError, match="filter"):
        eigsh(sp.diags(np.arange(1.0, 40.0)), k=3, method="filtered-lanczos", filter="learned")

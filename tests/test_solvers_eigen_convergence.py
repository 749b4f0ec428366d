"""eigsh reports non-convergence (error, or warning with partial=True) and reaches clustered
lower spectra by shift-invert; checked against scipy.sparse.linalg.eigsh and dense eigh."""

import doctest

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import solvers.eigen
from sciml.data.matrices import load_matrix
from solvers import EigNoConvergence, eigsh


@pytest.fixture(scope="module")
def bcsstk15():
    return load_matrix("HB/bcsstk15")


@pytest.fixture(scope="module")
def bcsstk15_lowest(bcsstk15):
    return np.sort(spla.eigsh(bcsstk15.tocsc(), k=8, sigma=0, return_eigenvectors=False))


def test_unconverged_filtered_run_raises_naming_pairs_and_shift_invert(bcsstk15):
    with pytest.raises(EigNoConvergence, match=r"did not converge.*#0.*sigma=0") as err:
        eigsh(bcsstk15, k=8, which="SA", filter="learned", maxiter=20)
    assert not err.value.result.converged
    assert err.value.eigenvalues.shape == (8,) and err.value.eigenvectors.shape == (3948, 8)


def test_partial_result_comes_with_a_runtime_warning(bcsstk15):
    with pytest.warns(RuntimeWarning, match="did not converge"):
        r = eigsh(bcsstk15, k=8, which="SA", maxiter=20, partial=True)
    assert not r.converged and r.residuals.max() > 1e-6


@pytest.mark.parametrize("filt", ["chebyshev", "learned"])
def test_shift_invert_finds_the_clustered_lower_end_of_bcsstk15(bcsstk15, bcsstk15_lowest, filt):
    r = eigsh(bcsstk15, k=8, which="SA", sigma=0.0, filter=filt)
    assert r.converged and r.method == f"filtered-{filt}-shift-invert"
    np.testing.assert_allclose(r.values, bcsstk15_lowest, rtol=1e-8)
    assert np.all(r.residuals <= 1e-6)
    gram = r.vectors.T @ r.vectors  # six copies of λ = 1: independent vectors, not one
    np.testing.assert_allclose(gram, np.eye(8), atol=1e-8)


@pytest.mark.parametrize("which", ["SA", "LA"])
def test_shift_invert_returns_the_eigenvalues_next_to_sigma(which):
    rng = np.random.default_rng(3)
    q = np.linalg.qr(rng.standard_normal((120, 120)))[0]
    w = np.sort(np.concatenate([np.logspace(0, 6, 100), 10.0 + 0.01 * np.arange(20)]))
    a = sp.csr_matrix((q * w) @ q.T)
    a = (a + a.T) / 2
    sigma = 9.995
    r = eigsh(a, k=5, which=which, sigma=sigma, tol=1e-10)
    expect = w[w > sigma][:5] if which == "SA" else w[w < sigma][-5:]
    np.testing.assert_allclose(r.values, expect, rtol=1e-9)


def test_arpack_no_convergence_is_reported_too(monkeypatch):
    a = sp.diags(np.arange(1.0, 101.0)).tocsr()
    found = np.eye(100)[:, :2]

    def stops_short(*args, **kwargs):
        raise spla.ArpackNoConvergence("no convergence", np.array([1.0, 2.0]), found)

    monkeypatch.setattr(solvers.eigen.spla, "eigsh", stops_short)
    with pytest.raises(EigNoConvergence, match=r"arpack.*only 2 of 4 pairs"):
        eigsh(a, k=4, which="SA", method="arpack")
    with pytest.warns(RuntimeWarning, match="only 2 of 4"):
        r = eigsh(a, k=4, which="SA", method="arpack", partial=True)
    np.testing.assert_allclose(r.values, [1.0, 2.0])
    assert not r.converged


def test_bad_sigma_and_partial_are_refused():
    a = sp.diags(np.arange(1.0, 51.0)).tocsr()
    with pytest.raises(ValueError, match="singular at sigma"):
        eigsh(a, 3, sigma=2.0)
    with pytest.raises(ValueError, match="sigma must be finite"):
        eigsh(a, 3, sigma=float("nan"))
    with pytest.raises(ValueError, match="sigma must be a real number"):
        eigsh(a, 3, sigma="0")
    with pytest.raises(ValueError, match="explicit"):
        eigsh(spla.aslinearoperator(a), 3, sigma=0.0)
    with pytest.raises(ValueError, match="cannot be combined with sigma"):
        eigsh(a, 3, method="lobpcg", sigma=0.0, M=spla.aslinearoperator(sp.eye(50)))
    with pytest.raises(ValueError, match="partial"):
        eigsh(a, 3, partial="yes")


def test_eigen_docstring_examples_run():
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    assert doctest.testmod(solvers.eigen, raise_on_error=True, optionflags=flags).attempted >= 1


def test_arpack_missing_a_copy_of_a_multiple_eigenvalue_is_refused(bcsstk15):
    # ARPACK (seeded v0) returns 5 of the 6 copies of λ = 1 with small residuals; the count of
    # eigenvalues below the largest returned one, by inertia, shows the gap
    with pytest.raises(EigNoConvergence, match="inertia.*counts 9") as err:
        eigsh(bcsstk15, k=8, which="SA", method="arpack", sigma=0.0)
    values = err.value.eigenvalues
    assert not err.value.result.converged and np.count_nonzero(np.isclose(values, 1.0)) == 5
    with pytest.warns(RuntimeWarning, match="missed"):
        r = eigsh(bcsstk15, k=8, which="SA", method="arpack", sigma=0.0, partial=True)
    assert not r.converged


@pytest.mark.parametrize("which", ["SA", "LA"])
def test_inertia_count_catches_a_dropped_copy(which):
    w = np.concatenate([[1.0, 1.0, 1.0], np.arange(2.0, 40.0)])
    a = sp.diags(w if which == "SA" else -w).tocsr()
    r = eigsh(a, k=4, which=which, method="arpack", tol=1e-10, count_check=False)
    assert r.converged  # what the residuals alone say, for 1, 1, 2, 3: one copy of 1 missed
    np.testing.assert_allclose(np.sort(np.abs(r.values)), [1.0, 1.0, 2.0, 3.0])
    with pytest.raises(EigNoConvergence, match="counts 5 in"):
        eigsh(a, k=4, which=which, method="arpack", tol=1e-10)
    r = eigsh(a, k=4, which=which, tol=1e-10)  # the filtered method locks converged pairs
    np.testing.assert_allclose(np.sort(np.abs(r.values)), [1.0, 1.0, 1.0, 2.0])


def test_count_below_agrees_with_dense_eigenvalues():
    from sciml.data.matrices.inertia import count_below

    rng = np.random.default_rng(4)
    b = sp.random(60, 60, density=0.1, random_state=rng)
    a = (b + b.T).tocsr() + sp.diags(rng.standard_normal(60))
    w = np.linalg.eigvalsh(a.toarray())
    for mu in (-2.0, -0.3, 0.1, 1.7):
        assert count_below(a, mu) == np.count_nonzero(w < mu)

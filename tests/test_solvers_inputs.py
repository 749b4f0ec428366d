"""Numeric arguments of the public solvers functions (eigsh, funm, polynomial_preconditioner):
refused in one line, never a long run, a crash deep inside or a silent wrong answer; checked
against numpy's dense eigenvalues and closed forms."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from sciml.data.matrices import poisson2d
from solvers import EigNoConvergence, eigsh, funm, polynomial_preconditioner
from solvers.eigen import EigResult, _check_count

EIG_METHODS = ("filtered", "filtered-lanczos", "arpack", "lobpcg")


@pytest.fixture(scope="module")
def a():
    return poisson2d(8)


@pytest.mark.parametrize("method", EIG_METHODS)
def test_eigsh_tol_zero_is_refused_at_once_in_one_line(a, method):
    # SciPy reads tol=0 as machine precision; a residual test cannot certify it, and the old
    # filtered run spent 52 000 matvecs and hundreds of warnings before failing
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError, match=r"^tol must be a number in \[2.22e-16, 1\), got 0 "):
            eigsh(a, k=4, tol=0, method=method)
    assert caught == []


@pytest.mark.parametrize("tol", [-1.0, np.nan, np.inf, 1.0, 1e-20, "1e-8", None, True])
def test_eigsh_bad_tol_is_refused(a, tol):
    with pytest.raises(ValueError, match=r"^tol must be a number in \[2.22e-16, 1\), got "):
        eigsh(a, k=4, tol=tol)


def test_eigsh_unreachable_tol_stops_at_maxiter_with_one_warning(a):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = eigsh(a, k=4, tol=np.finfo(float).eps, maxiter=30, partial=True)
    assert not r.converged
    assert [str(w.message)[:31] for w in caught] == ["eigsh (filtered-chebyshev) did "]


@pytest.mark.parametrize("maxiter", [0, -1, 1.5, np.nan, None])
def test_eigsh_bad_maxiter_is_refused(a, maxiter):
    for method in ("filtered", "lobpcg"):
        with pytest.raises(ValueError, match=r"^maxiter must be an integer >= 1, got "):
            eigsh(a, k=4, maxiter=maxiter, method=method)


@pytest.mark.parametrize("seed", [-1, 1.5, "a", None])
def test_bad_seed_is_refused_naming_seed(a, seed):
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer, got "):
        eigsh(a, k=2, seed=seed)
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer, got "):
        funm(a, np.ones(64), "exp", method="chebyshev", seed=seed)
    with pytest.raises(ValueError, match=r"^seed must be a non-negative integer, got "):
        polynomial_preconditioner(a, 5, "chebyshev", seed=seed)


def test_eigsh_preconditioner_only_for_lobpcg_and_of_the_right_shape(a):
    with pytest.raises(ValueError, match="M .* is for method='lobpcg' only, got method='filtered'"):
        eigsh(a, k=2, M=sp.identity(64))  # it used to be ignored without a word
    with pytest.raises(ValueError, match=r"M must be an operator of shape \(64, 64\)"):
        eigsh(a, k=2, method="lobpcg", M=np.eye(3))
    with pytest.raises(ValueError, match=r"M must be an operator of shape .* like A, got str"):
        eigsh(a, k=2, method="lobpcg", M="jacobi")


@pytest.mark.parametrize("which", ["SA", "LA"])
@pytest.mark.parametrize("method", EIG_METHODS)
def test_k_cutting_through_a_multiple_eigenvalue_is_no_failure(method, which):
    # k = 1 of the identity (and 3 of 5 copies): any vectors of the eigenspace are right; the
    # inertia count used to call it a missed eigenvalue
    for w, k in ((np.ones(20), 1), (np.repeat([1.0, 2.0], 5), 3)):
        r = eigsh(sp.diags(w).tocsr(), k=k, which=which, method=method, tol=1e-8)
        exact = np.linalg.eigvalsh(np.diag(w))
        np.testing.assert_allclose(r.values, exact[:k] if which == "SA" else exact[-k:])
        assert r.converged


@pytest.mark.parametrize("which", ["SA", "LA"])
def test_count_check_still_finds_a_value_missed_below_a_multiple_end(which):
    # true 1, 2, 5, 5, …; a result 1, 5, 5 for k = 3 misses 2 although 5 is a multiple end
    w = np.array([1.0, 2.0, 5.0, 5.0, 5.0, 9.0]) * (1.0 if which == "SA" else -1.0)
    op = sp.diags(w).tocsr()
    values = np.sort(w[[0, 2, 3]])
    result = EigResult(values, np.eye(6, 3), 0, 1, True, np.zeros(3), "arpack")
    with pytest.raises(EigNoConvergence, match="counts 5 in"):
        _check_count(op, result, 3, 1e-8, which, None, False)


@pytest.mark.parametrize("method", EIG_METHODS)
def test_eigsh_of_the_zero_matrix(method):
    # ARPACK stopped on its zero product ("starting vector is zero"); filtered-Lanczos divided
    # by zero
    r = eigsh(sp.csr_matrix((20, 20)), k=3, method=method)
    np.testing.assert_array_equal(r.values, np.zeros(3))
    np.testing.assert_allclose(r.vectors.T @ r.vectors, np.eye(3))
    assert r.converged


def test_funm_of_the_zero_matrix_is_refused_in_one_line():
    with pytest.raises(ValueError, match="zero matrix .* f\\(A\\)b = f\\(0\\)b"):
        funm(sp.csr_matrix((20, 20)), np.ones(20), "exp", method="chebyshev")


@pytest.mark.parametrize("t", ["1", True, np.nan, 0.0, -1.0])
def test_funm_bad_time_is_refused(a, t):
    with pytest.raises(ValueError, match=r"^t must be a positive number, got "):
        funm(a, np.ones(64), "exp", method="chebyshev", t=t)


@pytest.mark.parametrize("threshold", ["1", True, np.inf, None])
def test_funm_bad_threshold_is_refused(a, threshold):
    with pytest.raises(ValueError, match=r"^f='step' needs a finite threshold, got "):
        funm(a, np.ones(64), "step", method="chebyshev", threshold=threshold)


def test_preconditioner_bad_reduction_cost_and_models_folder(a, tmp_path):
    with pytest.raises(ValueError, match=r"^reduction_cost must be a non-negative number, got"):
        polynomial_preconditioner(a, "auto", "chebyshev", reduction_cost="1")
    file = tmp_path / "models.txt"
    file.write_text("not a folder")
    with pytest.raises(FileNotFoundError, match="models folder .* is not a folder"):
        polynomial_preconditioner(a, 10, model_dir=file)
    with pytest.raises(FileNotFoundError, match="models folder .* does not exist"):
        polynomial_preconditioner(a, 10, model_dir=tmp_path / "none")


@pytest.mark.parametrize("degree", [0, -3])
def test_nonpositive_degree_is_refused_everywhere(a, degree):
    with pytest.raises(ValueError, match=r"^degree must be >= 1, got"):
        polynomial_preconditioner(a, degree)
    with pytest.raises(ValueError, match=r"^degree must be >= 1, got"):
        funm(a, np.ones(64), "exp", degree, method="chebyshev")
    with pytest.raises(ValueError, match=r"^degree must be >= 1, got"):
        eigsh(a, k=2, degree=degree)


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.ones((3, 4)), ValueError, "A must be square"),
        (sp.csr_matrix((0, 0)), ValueError, "A must not be empty"),
        (np.eye(3) * 1j, ValueError, "complex"),
        (np.diag([1.0, np.nan]), ValueError, "NaN or Inf"),
        (np.eye(3, dtype=bool), TypeError, "real numeric dtype"),
    ],
)
def test_bad_matrices_are_refused_by_every_function(bad, error, match):
    with pytest.raises(error, match=match):
        polynomial_preconditioner(bad)
    with pytest.raises(error, match=match):
        funm(bad, np.ones(3), "exp")
    with pytest.raises(error, match=match):
        eigsh(bad, k=1)

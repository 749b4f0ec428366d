"""f(A)b and filtered eigensolver against exact answers; harness output; bad input."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.data.matrices import poisson2d, synthetic
from solvers import eigsh, funm
from solvers.comparison import compare, format_comparison
from solvers.matfun import scalar_function


@pytest.fixture(scope="module")
def small():
    a = synthetic("uniform", 120, cond=50.0, seed=2)
    w, v = np.linalg.eigh(a.toarray())
    return a, w, v


def _exact(w, v, b, f, **kw):
    return v @ (scalar_function(f, **kw)(w) * (v.T @ b))


def test_chebyshev_exp_converges_and_counts_matvecs(small):
    a, w, v = small
    b = np.random.default_rng(0).standard_normal(120)
    r = funm(a, b, "exp", degree=30, method="chebyshev", t=2.0)
    exact = _exact(w, v, b, "exp", t=2.0)
    assert np.linalg.norm(r.x - exact) <= 1e-10 * np.linalg.norm(exact)
    assert r.matvecs == 20 + 30 and r.setup_matvecs == 20 and r.inner_products == 3 * 20 + 1


def test_lanczos_with_n_steps_is_exact_and_krylov_agrees(small):
    a, w, v = small
    b = np.random.default_rng(1).standard_normal(120)
    exact = _exact(w, v, b, "invsqrt")
    r = funm(a, b, "invsqrt", degree=120, method="lanczos")
    assert np.linalg.norm(r.x - exact) <= 1e-8 * np.linalg.norm(exact)
    k = funm(a, b, "inv", method="krylov")
    np.testing.assert_allclose(k.x, _exact(w, v, b, "inv"), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "f,kw", [("inv", {}), ("invsqrt", {}), ("exp", {"t": 5.0}), ("step", {"threshold": 0.3})]
)
def test_learned_funm_runs_with_a_block_and_is_as_accurate_as_chebyshev(small, f, kw):
    a, w, v = small
    b = np.random.default_rng(2).standard_normal((120, 2))
    degree = 20 if f == "step" else 10
    r = funm(a, b, f, degree=degree, method="learned", **kw)
    assert r.x.shape == (120, 2) and r.matvecs == 20 + 2 * degree
    assert r.inner_products == 3 * 20 + 1  # the probe's reductions, shared by the columns
    exact = np.column_stack([_exact(w, v, b[:, j], f, **kw) for j in range(2)])
    chebyshev = funm(a, b, f, degree=degree, method="chebyshev", **kw)
    assert chebyshev.setup_matvecs == r.setup_matvecs
    error = np.linalg.norm(r.x - exact) / np.linalg.norm(exact)
    reference = np.linalg.norm(chebyshev.x - exact) / np.linalg.norm(exact)
    assert error <= 1.2 * reference  # x = 0 has error 1, 5 to 1e7 times more than this


def test_funm_bad_input(small):
    a, _, _ = small
    with pytest.raises(ValueError, match="b must have shape"):
        funm(a, np.ones(7), "inv")
    with pytest.raises(ValueError, match="f must be one of"):
        funm(a, np.ones(120), "log")
    with pytest.raises(ValueError, match="threshold"):
        funm(a, np.ones(120), "step", method="chebyshev")
    with pytest.raises(ValueError, match="not symmetric"):
        funm(sp.csr_matrix(np.triu(np.ones((4, 4)))), np.ones(4), "exp")
    with pytest.raises(ValueError, match="indefinite"):
        funm(sp.diags(np.linspace(-1, 1, 50)), np.ones(50), "inv", method="chebyshev")
    with pytest.raises(ValueError, match="NaN or Inf"):
        funm(a, np.full(120, np.nan), "inv")


@pytest.mark.parametrize("which", ["SA", "LA"])
@pytest.mark.parametrize("method", ["filtered", "arpack", "lobpcg"])
def test_eigsh_finds_extreme_eigenpairs(which, method):
    lam = np.concatenate([np.linspace(1.0, 2.0, 6), np.linspace(4.0, 40.0, 194)])
    a = sp.csr_matrix(sp.diags(lam))
    r = eigsh(a, 4, which, method, tol=1e-8, maxiter=400)
    expected = lam[:4] if which == "SA" else lam[-4:]
    np.testing.assert_allclose(r.values, expected, rtol=1e-6)
    assert r.matvecs > 0 and r.residuals.max() <= 1e-6


def test_eigsh_bad_input():
    a = poisson2d(5)
    with pytest.raises(ValueError, match="k must be"):
        eigsh(a, 0)
    with pytest.raises(ValueError, match="which must be"):
        eigsh(a, 2, "LM")
    with pytest.raises(ValueError, match="method must be"):
        eigsh(a, 2, method="jd")


def test_compare_harness_counts_and_formats():
    result = compare(
        poisson2d(10),
        name="poisson2d-10",
        methods=("none", "jacobi", "chebyshev", "pyamg-sa"),
        degree=5,
    )
    cg = result["cg"]
    assert set(cg) == {"none", "jacobi", "chebyshev", "pyamg-sa"}
    assert cg["none"]["matvecs"] == cg["none"]["iterations"]  # x0 = 0: no initial product
    assert cg["chebyshev"]["setup_matvecs"] == 20
    probe_reductions = 3 * 20 + 1
    assert cg["chebyshev"]["setup_inner_products"] == probe_reductions
    assert cg["chebyshev"]["inner_products"] == 3 * cg["chebyshev"]["iterations"] + probe_reductions
    assert cg["jacobi"]["inner_products"] == 3 * cg["jacobi"]["iterations"]
    assert cg["chebyshev"]["method_used"] == "chebyshev"
    assert cg["chebyshev"]["iterations"] < cg["none"]["iterations"]
    assert all(row["converged"] for row in cg.values())
    text = format_comparison(result)
    assert "chebyshev" in text and "MINRES" in text


@pytest.fixture(scope="module")
def unscaled():
    """The 2-D Poisson matrix with its h⁻² scaling: spectrum ≈ [19.7, 2292]."""
    from sciml.data.matrices import load_matrix

    a = load_matrix("poisson2d-16").tocsc()
    w, v = np.linalg.eigh(a.toarray())
    return a, w, v


_CASES = [
    (method, f, degree)
    for f in ("exp", "inv", "invsqrt", "step")
    for method, degrees in (
        ("chebyshev", (10, 40, 200)),
        ("lanczos", (10, 40, 200)),
        ("krylov", (10,)),
        ("learned", (20,) if f == "step" else (10,)),
    )
    for degree in degrees
]


@pytest.mark.parametrize("method,f,degree", _CASES)
def test_funm_on_an_unscaled_matrix_is_accurate_or_warns(unscaled, method, f, degree):
    a, w, v = unscaled
    b = np.random.default_rng(3).standard_normal(a.shape[0])
    kw = {"threshold": 1000.0} if f == "step" else {}
    exact = _exact(w, v, b, f, **kw)
    if f == "exp":
        np.testing.assert_allclose(spla.expm_multiply(-a, b), exact, rtol=1e-6, atol=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = funm(a, b, f, degree=degree, method=method, rtol=1e-6, **kw)
    error = np.linalg.norm(r.x - exact) / np.linalg.norm(exact)
    warned = [str(c.message) for c in caught if issubclass(c.category, RuntimeWarning)]
    if error > 1e-5:
        assert warned and "estimated relative error" in warned[0], (error, r.error_estimate)
    assert r.error_estimate >= 0.0


@pytest.mark.parametrize("method", ["chebyshev", "measure"])
def test_exp_of_an_indefinite_matrix_covers_its_negative_eigenvalues(method):
    """The interval keeps the negative part of the spectrum: e^{−A}b on eigenvalues in
    [−2, 5] at degree 12 is as accurate as its estimate says (a clamped interval was 1e-3 off)."""
    d = np.linspace(-2.0, 5.0, 300)
    b = np.random.default_rng(1).standard_normal(300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = funm(sp.diags(d).tocsr(), b, "exp", degree=12, method=method)
    exact = np.exp(-d) * b
    error = np.linalg.norm(r.x - exact) / np.linalg.norm(exact)
    assert r.interval[0] < -2.0 + 1e-6 and error < 1e-5
    assert error <= 10 * r.error_estimate

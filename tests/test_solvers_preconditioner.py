"""Probes, the SciPy/pyamg plug-in preconditioner, positivity fallback and bad input."""

import warnings

import numpy as np
import pyamg
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import solvers.preconditioner as pc
from sciml.data.matrices import load_matrix, poisson2d, synthetic
from solvers import polynomial_preconditioner
from solvers.baselines import neumann_polynomial
from solvers.linear_operators import CountingOperator
from solvers.probes import probe

METHODS = ("learned", "chebyshev", "neumann", "jacobi", "gmres-poly", "least-squares")


@pytest.fixture(scope="module")
def spd():
    return synthetic("geometric", 300, cond=1e3, seed=1)


def _cg_iterations(a, b, m=None):
    it = [0]
    x, info = spla.cg(
        a, b, rtol=1e-8, maxiter=5000, M=m, callback=lambda _: it.__setitem__(0, it[0] + 1)
    )
    return x, info, it[0]


def test_probe_brackets_the_spectrum_and_is_seeded():
    lam = np.geomspace(1e-3, 2.0, 200)
    a = sp.diags(lam)
    r = probe(a, steps=15, seed=3)
    assert r.matvecs == 15
    assert lam[0] <= r.ritz.min() and r.ritz.max() <= lam[-1]
    assert lam[-1] <= r.upper <= 1.2 * lam[-1]
    assert np.all(r.residuals >= 0)
    assert r.features(20).shape == (40,)
    again = probe(a, steps=15, seed=3)
    assert r.ritz.tobytes() == again.ritz.tobytes()
    assert not np.array_equal(probe(a, steps=15, seed=4).ritz, r.ritz)


def test_counting_operator_counts_columns():
    c = CountingOperator(sp.eye(5).tocsr())
    c @ np.ones(5)
    c @ np.ones((5, 3))
    assert c.matvecs == 4


@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_an_spd_operator_that_speeds_up_scipy_cg(spd, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # gmres-poly may fall back on SPD input
        m = polynomial_preconditioner(spd, degree=10, method=method, seed=0)
    assert isinstance(m, spla.LinearOperator)
    assert m.method == method or (method == "gmres-poly" and m.method == "chebyshev")
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal((2, 300))
    assert abs(u @ (m @ v) - v @ (m @ u)) <= 1e-9 * np.linalg.norm(m @ v) * np.linalg.norm(u)
    dense = m @ np.eye(300)
    assert np.linalg.eigvalsh(0.5 * (dense + dense.T)).min() > 0
    b = rng.standard_normal(300)
    x, info, it = _cg_iterations(spd, b, m)
    assert info == 0 and np.linalg.norm(spd @ x - b) <= 1.01e-8 * np.linalg.norm(b)
    _, _, plain = _cg_iterations(spd, b)
    assert it < plain


def test_matmat_matches_columns_and_counts_matvecs(spd):
    m = polynomial_preconditioner(spd, degree=6, method="chebyshev", seed=0)
    assert m.setup_matvecs == 20 and m.matvecs == 0
    assert m.setup_reductions == 3 * 20 + 1  # Lanczos: Qᵀw twice and ‖w‖ per step, ‖v‖ once
    x = np.random.default_rng(1).standard_normal((300, 3))
    block = m.matmat(x)
    assert m.matvecs == 3 * 6
    np.testing.assert_allclose(block, np.column_stack([m @ x[:, j] for j in range(3)]), rtol=1e-12)


def test_works_in_minres_gmres_and_pyamg_krylov(spd):
    b = np.random.default_rng(2).standard_normal(300)
    m = polynomial_preconditioner(spd, degree=10, seed=0)
    x, info = spla.minres(spd, b, rtol=1e-10, M=m)
    assert info == 0 and np.linalg.norm(spd @ x - b) < 1e-5 * np.linalg.norm(b)  # M-norm test
    residuals = []
    x, info = pyamg.krylov.cg(spd, b, tol=1e-8, M=m, residuals=residuals)
    assert info == 0 and len(residuals) < 60
    a = load_matrix("pyamg/recirc_flow")
    mg = polynomial_preconditioner(a, degree=8, method="gmres-poly", seed=0)
    b = np.random.default_rng(3).standard_normal(a.shape[0])
    x, info = spla.gmres(a, b, rtol=1e-8, M=mg, restart=30, maxiter=50)
    assert info == 0 and np.linalg.norm(a @ x - b) < 1e-6 * np.linalg.norm(b)


def test_matrix_free_linear_operator_input():
    a = poisson2d(12)
    products = [0]

    def matvec(x):
        products[0] += 1
        return a @ x

    op = spla.LinearOperator(a.shape, matvec=matvec, dtype=np.float64)
    m = polynomial_preconditioner(op, degree=6, method="chebyshev", seed=0)
    assert m.scale is None
    assert m.setup_matvecs == products[0] == 2 + 20  # symmetry test + probe, all counted
    assert m.setup_reductions == 1 + 3 * 20 + 1
    _, info, it = _cg_iterations(a, np.ones(144), m)
    assert info == 0 and it < 30
    with pytest.raises(ValueError, match="scaling='jacobi' needs an explicit matrix"):
        polynomial_preconditioner(op, degree=6, scaling="jacobi")


def test_failing_polynomial_falls_back_to_chebyshev_with_warning(spd, monkeypatch):
    # ω = 3/u makes 1 − ωλ reach −2, and (−2)^10 > 1 gives p < 0 near u.
    monkeypatch.setattr(
        pc,
        "learned_polynomial",
        lambda result, degree, *_: neumann_polynomial(3.0 / result.upper, 9),
    )
    with pytest.warns(RuntimeWarning, match="not positive"):
        m = polynomial_preconditioner(spd, degree=9, method="learned", seed=0)
    assert m.method == "chebyshev" and m.requested_method == "learned"
    lam = np.linspace(0, m.probe.upper, 500)[1:]
    assert np.all(m.polynomial.evaluate(lam) > 0)


@pytest.mark.filterwarnings("ignore:the gmres-poly polynomial")
def test_same_seed_same_bytes(spd):
    x = np.random.default_rng(5).standard_normal(300)
    out = [
        polynomial_preconditioner(spd, degree=10, method=k, seed=7) @ x
        for k in ("learned", "learned", "gmres-poly", "gmres-poly")
    ]
    assert out[0].tobytes() == out[1].tobytes() and out[2].tobytes() == out[3].tobytes()


def test_bad_input_is_rejected_with_named_errors(spd):
    with pytest.raises(ValueError, match="square"):
        polynomial_preconditioner(np.ones((3, 4)))
    with pytest.raises(ValueError, match="empty"):
        polynomial_preconditioner(sp.csr_matrix((0, 0)))
    with pytest.raises(ValueError, match="complex"):
        polynomial_preconditioner(np.eye(3) * (1 + 1j))
    bad = np.eye(3)
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        polynomial_preconditioner(bad)
    with pytest.raises(TypeError, match="A must be"):
        polynomial_preconditioner("A")
    with pytest.raises(ValueError, match="degree must be >= 1"):
        polynomial_preconditioner(spd, degree=0)
    with pytest.raises(ValueError, match="unknown preconditioner method 'magic'; choose from"):
        polynomial_preconditioner(spd, method="magic")
    nonsym = sp.csr_matrix(np.array([[2.0, 1.0], [0.0, 2.0]]))
    with pytest.raises(ValueError, match="not symmetric"):
        polynomial_preconditioner(nonsym, solver="cg")
    indefinite = sp.csr_matrix(np.diag([1.0, 1.0, 1.0, 1.0]) + 2.0 * (np.ones((4, 4)) - np.eye(4)))
    with pytest.raises(ValueError, match="indefinite"):
        polynomial_preconditioner(indefinite, degree=3, method="chebyshev", solver="cg")
    with pytest.raises(ValueError, match="non-positive diagonal"):
        polynomial_preconditioner(sp.csr_matrix(np.diag([1.0, -1.0])), solver="minres")
    with pytest.raises(ValueError, match="no learned model"):
        polynomial_preconditioner(spd, degree=3, method="learned")


# GMRES path: a polynomial that does not shrink residuals is replaced, with a warning.


def _triangular(eigenvalues, coupling=0.1):
    """Upper bidiagonal, non-symmetric, with exactly the given eigenvalues (its diagonal)."""
    n = len(eigenvalues)
    return sp.diags([eigenvalues, np.full(n - 1, coupling)], [0, 1], format="csr")


def _gmres_residual(a, b, m=None):
    x, _ = spla.gmres(a, b, rtol=1e-10, restart=30, maxiter=3, M=m)
    return np.linalg.norm(b - a @ x) / np.linalg.norm(b)


def _gmres_steps(a, b, m=None):
    """Inner GMRES(30) steps to ‖b − Ax‖ ≤ 1e-8‖b‖ (checked afresh)."""
    steps = [0]

    def count(_):
        steps[0] += 1

    x, info = spla.gmres(
        a, b, rtol=1e-8, restart=30, maxiter=100, M=m, callback=count, callback_type="pr_norm"
    )
    assert info == 0 and np.linalg.norm(b - a @ x) <= 1e-7 * np.linalg.norm(b)
    return steps[0]


def test_gmres_polynomial_that_hurts_on_west0479_falls_back_with_warning():
    a = load_matrix("HB/west0479")  # non-symmetric, zero diagonal entries: no Jacobi scaling
    b = np.ones(a.shape[0])
    with pytest.warns(RuntimeWarning, match="would slow GMRES down"):
        m = polynomial_preconditioner(a, solver="gmres")
    assert m.method == "identity" and m.requested_method == "learned" and m.degree == 0
    assert m.fallback == "polynomial does not shrink residuals"
    assert m.setup_matvecs == 20 + pc.CONTRACTION_VECTORS * 11  # probe + test of the degree 10
    np.testing.assert_array_equal(m @ b, b)
    assert _gmres_residual(a, b, m) <= 1.0001 * _gmres_residual(a, b)


def test_gmres_polynomial_with_eigenvalues_left_of_its_interval_falls_back():
    # eigenvalues −3 … −1 and 0.1 … 2: Neumann's residual polynomial (1 − λ/u)^(d+1) exceeds 1
    # for every λ < 0 (at λ = −3 it is about 1e5), so p(A) amplifies those components
    lam = np.concatenate([np.linspace(-3.0, -1.0, 40), np.linspace(0.1, 2.0, 160)])
    a = _triangular(lam)
    b = np.random.default_rng(0).standard_normal(lam.size)
    upper = probe(a, seed=0, symmetric=False).upper
    p = neumann_polynomial(1.0 / upper, 10)
    np.testing.assert_allclose(1.0 + 3.0 * p.evaluate(-3.0), (1.0 + 3.0 / upper) ** 11)
    assert (1.0 + 3.0 / upper) ** 11 > 1e4
    hurting = spla.LinearOperator(a.shape, matvec=lambda v: p.apply(a, v), dtype=np.float64)
    assert _gmres_steps(a, b, hurting) > _gmres_steps(a, b)  # SciPy's GMRES: it does hurt
    with pytest.warns(RuntimeWarning, match="neumann polynomial would slow GMRES down"):
        m = polynomial_preconditioner(a, 10, "neumann", solver="gmres", scaling="none")
    assert m.method == "identity" and m.requested_method == "neumann" and m.degree == 0
    assert _gmres_steps(a, b, m) == _gmres_steps(a, b)


@pytest.mark.parametrize("method", ["neumann", "chebyshev", "learned", "gmres-poly"])
def test_gmres_polynomial_that_helps_is_kept_without_warning(method):
    lam = np.linspace(1.0, 2.0, 200)  # |1 − λp(λ)| < 1 on the spectrum: p(A) shrinks residuals
    a = _triangular(lam)
    b = np.random.default_rng(1).standard_normal(lam.size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = polynomial_preconditioner(a, 5, method, solver="gmres", scaling="none")
    assert m.method == method and m.fallback is None
    assert _gmres_steps(a, b, m) < _gmres_steps(a, b)


@pytest.mark.parametrize("name", ["Bai/pde2961", "poisson2d-16"])
def test_gmres_learned_polynomial_kept_where_it_helps(name):
    a = load_matrix(name)
    b = np.ones(a.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = polynomial_preconditioner(a, solver="gmres")
    assert m.method == "learned" and m.fallback is None
    assert _gmres_steps(a, b, m) < _gmres_steps(a, b)


def test_compare_names_the_gmres_fallback():
    from solvers.comparison import compare, format_comparison

    lam = np.concatenate([np.linspace(-3.0, -1.0, 40), np.linspace(0.1, 2.0, 160)])
    result = compare(_triangular(lam), methods=("neumann",), solvers=("gmres",))
    row = result["gmres"]["neumann"]
    assert row["method_used"] == "jacobi"
    assert row["fallback"] == "polynomial does not shrink residuals"
    assert "fell back to jacobi: polynomial does not shrink residuals" in format_comparison(result)

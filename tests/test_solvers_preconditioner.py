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

"""The polynomial fitted to the probe's spectral measure (funm method "measure")."""

import numpy as np
import pytest
import scipy.sparse as sp

from sciml.data.matrices import synthetic_symmetric
from solvers.matfun import funm, probe_interval, scalar_function
from solvers.measure_fit import measure_fit
from solvers.probes import probe


def _gap_matrix(n: int = 400, seed: int = 5) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    lam = np.r_[rng.uniform(1.0, 2.0, n // 2), rng.uniform(50.0, 100.0, n - n // 2)]
    return synthetic_symmetric(lam, seed=seed)


def test_probe_weights_are_the_gauss_rule_of_the_start_vector():
    a = _gap_matrix()
    result = probe(a, steps=8, seed=3)
    v = np.random.default_rng(3).standard_normal(a.shape[0])
    v /= np.linalg.norm(v)
    moment, x = [], v.copy()
    for _ in range(15):  # Gauss with 8 nodes is exact up to degree 15
        moment.append(v @ x)
        x = a @ x
    quadrature = [np.sum(result.weights * result.ritz**k) for k in range(15)]
    np.testing.assert_allclose(quadrature, moment, rtol=1e-8)


def test_measure_fit_reproduces_a_polynomial_of_its_degree():
    a = _gap_matrix()
    b = np.random.default_rng(1).standard_normal(a.shape[0])
    result = probe(a, steps=12, seed=0)
    lower, upper = probe_interval(result)
    cubic = lambda lam: 1.0 + 0.5 * lam - 0.02 * lam**2 + 1e-4 * lam**3  # noqa: E731
    p = measure_fit(result, cubic, 3, a.shape[0], lower, upper)
    exact = b + 0.5 * (a @ b) - 0.02 * (a @ (a @ b)) + 1e-4 * (a @ (a @ (a @ b)))
    np.testing.assert_allclose(p.apply(a, b), exact, rtol=1e-9, atol=1e-9 * np.abs(exact).max())


@pytest.mark.parametrize("f", ["inv", "exp"])
def test_measure_fit_beats_the_interpolant_on_a_spectrum_with_a_gap(f):
    a = _gap_matrix()
    b = np.random.default_rng(2).standard_normal(a.shape[0])
    w, v = np.linalg.eigh(a.toarray())
    kw = {"t": 0.1} if f == "exp" else {}
    exact = v @ (scalar_function(f, **kw)(w) * (v.T @ b))
    errors = {}
    for method in ("measure", "chebyshev"):
        with pytest.warns(RuntimeWarning):  # degree 10 does not reach rtol 1e-6 here
            r = funm(a, b, f, 10, method, **kw)
        assert r.matvecs == 30 and r.inner_products == 61
        errors[method] = np.linalg.norm(r.x - exact) / np.linalg.norm(exact)
    assert errors["measure"] <= 0.1 * errors["chebyshev"]


def test_measure_fit_needs_a_lanczos_probe():
    a = _gap_matrix()
    result = probe(a, steps=6, seed=0, symmetric=False)
    with pytest.raises(ValueError, match="symmetric"):
        measure_fit(result, np.exp, 3, a.shape[0], 1.0, 100.0)

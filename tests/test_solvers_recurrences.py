"""Recurrences and classical polynomials against closed forms."""

import numpy as np
import pytest
import scipy.sparse as sp

from solvers.baselines import (
    ChebyshevIteration,
    ProductPolynomial,
    gmres_polynomial,
    least_squares_polynomial,
    leja_order,
    neumann_polynomial,
)
from solvers.eigen import chebyshev_filter
from solvers.recurrences import RecurrencePolynomial, chebyshev_interpolant, chebyshev_polynomial


def test_chebyshev_basis_matches_cosine_form_at_degree_60():
    x = np.linspace(-1.0, 1.0, 101)
    for k in (0, 1, 7, 60):
        coeffs = np.zeros(61)
        coeffs[k] = 1.0
        p = chebyshev_polynomial(coeffs, -1.0, 1.0)
        np.testing.assert_allclose(p.evaluate(x), np.cos(k * np.arccos(x)), atol=1e-12)


def test_chebyshev_expansion_on_interval_matches_matrix_application_and_matmat():
    rng = np.random.default_rng(0)
    lam = np.linspace(0.5, 3.0, 40)
    coeffs = rng.standard_normal(55)
    p = chebyshev_polynomial(coeffs, 0.5, 3.0)
    x = rng.standard_normal((40, 3))
    expected = p.evaluate(lam)[:, None] * x
    np.testing.assert_allclose(p.apply(sp.diags(lam), x), expected, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(p.apply(sp.diags(lam), x[:, 0]), expected[:, 0], atol=1e-10)


def test_recurrence_rejects_inconsistent_lengths():
    with pytest.raises(ValueError, match="len\\(coeffs\\) - 1"):
        RecurrencePolynomial(np.ones(2), np.ones(2), np.ones(1), np.ones(3))


def test_chebyshev_interpolant_is_exact_for_polynomials():
    c = chebyshev_interpolant(lambda t: 2 * t**3 - t + 0.5, 1.0, 4.0, 5)
    t = np.linspace(1.0, 4.0, 17)
    np.testing.assert_allclose(chebyshev_polynomial(c, 1.0, 4.0).evaluate(t), 2 * t**3 - t + 0.5)


def test_saad_chebyshev_iteration_residual_is_scaled_chebyshev_polynomial():
    a, b, d = 0.05, 2.0, 9
    lam = np.linspace(0.0, 2.0, 301)
    theta, delta = (a + b) / 2, (b - a) / 2
    inside = np.clip((theta - lam) / delta, -1, 1)
    arg = (theta - lam) / delta
    t_num = np.where(
        np.abs(arg) <= 1,
        np.cos((d + 1) * np.arccos(inside)),
        np.cosh((d + 1) * np.arccosh(np.maximum(np.abs(arg), 1))),
    )
    expected = t_num / np.cosh((d + 1) * np.arccosh(theta / delta))
    cheb = ChebyshevIteration(a, b, d)
    np.testing.assert_allclose(1 - lam * cheb.evaluate(lam), expected, atol=1e-12)
    assert np.all(cheb.evaluate(lam) > 0)
    x = np.random.default_rng(1).standard_normal((301, 2))
    np.testing.assert_allclose(
        cheb.apply(sp.diags(lam), x), cheb.evaluate(lam)[:, None] * x, atol=1e-10
    )


def test_neumann_residual_polynomial():
    lam = np.linspace(0.0, 1.0, 50)
    p = neumann_polynomial(0.8, 6)
    np.testing.assert_allclose(1 - lam * p.evaluate(lam), (1 - 0.8 * lam) ** 7, atol=1e-14)


def test_least_squares_matches_independent_monomial_fit():
    a, b, d = 0.0, 2.0, 3
    nodes = 4 * (d + 1)
    lam = 1.0 + np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    basis = np.vander(lam, d + 1, increasing=True) * lam[:, None]
    mono = np.linalg.lstsq(basis, np.ones(nodes), rcond=None)[0]
    t = np.linspace(0, 2, 11)
    np.testing.assert_allclose(
        least_squares_polynomial(a, b, d).evaluate(t),
        np.polyval(mono[::-1], t),
        rtol=1e-9,
        atol=1e-9,
    )


def test_gmres_polynomial_is_the_inverse_when_its_roots_are_the_eigenvalues():
    lam = np.array([0.5, 1.0, 2.0, 3.0, 5.0, 8.0])
    v = np.random.default_rng(2).standard_normal(6)
    p = gmres_polynomial(sp.diags(lam), v, 5)
    np.testing.assert_allclose(np.sort(p.roots.real), lam, rtol=1e-8)
    np.testing.assert_allclose(p.apply(sp.diags(lam), v), v / lam, rtol=1e-8)


def test_gmres_polynomial_complex_roots_in_real_arithmetic():
    blocks = [
        np.array([[1.0, -2.0], [2.0, 1.0]]),
        np.array([[3.0, -0.5], [0.5, 3.0]]),
        np.array([[2.0, 0.0], [0.0, 4.0]]),
    ]
    a = sp.csr_matrix(sp.block_diag(blocks))
    v = np.random.default_rng(3).standard_normal(6)
    p = gmres_polynomial(a, v, 5)
    assert np.any(p.roots.imag != 0)
    out = p.apply(a, v)
    assert out.dtype == np.float64
    np.testing.assert_allclose(a @ out, v, atol=1e-8)


def test_product_polynomial_and_leja_order():
    roots = leja_order(np.array([1.0, 4.0, 2.0 + 1.0j, 2.0 - 1.0j]))
    assert roots[0] == 4.0
    k = np.flatnonzero(roots.imag > 0)[0]
    assert roots[k + 1] == np.conj(roots[k])
    lam = np.linspace(0.1, 5, 30)
    expected = (1 - np.prod([1 - lam / r for r in roots], axis=0).real) / lam
    np.testing.assert_allclose(ProductPolynomial(roots).evaluate(lam), expected, rtol=1e-10)


def test_chebyshev_filter_closed_form():
    lam = np.linspace(0.0, 10.0, 50)
    x = np.random.default_rng(4).standard_normal((50, 2))
    lower, upper, a0, m = 3.0, 10.0, 0.0, 8
    y = chebyshev_filter(sp.diags(lam), x, m, lower, upper, a0)
    e, c = (upper - lower) / 2, (upper + lower) / 2

    def t(z):
        return np.where(
            np.abs(z) <= 1,
            np.cos(m * np.arccos(np.clip(z, -1, 1))),
            np.sign(z) ** m * np.cosh(m * np.arccosh(np.maximum(np.abs(z), 1))),
        )

    expected = (t((lam - c) / e) / t((a0 - c) / e))[:, None] * x
    np.testing.assert_allclose(y, expected, rtol=1e-9, atol=1e-12)

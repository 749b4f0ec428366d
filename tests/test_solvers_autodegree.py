"""degree="auto": outlier/bulk split of a probe, the CG cost model, and the choice it makes."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.data.matrices import poisson2d, synthetic_symmetric
from solvers.autodegree import choose_degree, predicted_iterations, split_spectrum
from solvers.baselines import chebyshev_from_probe
from solvers.preconditioner import polynomial_preconditioner
from solvers.probes import probe


def outlier_matrix() -> sp.csr_matrix:
    bulk = np.random.default_rng(3).uniform(1.0, 10.0, 995)
    return synthetic_symmetric(np.concatenate([bulk, [1e3, 3e3, 1e4, 2e4, 5e4]]), seed=4)


def test_split_finds_the_isolated_converged_ritz_values():
    (lo, hi), outliers = split_spectrum(probe(outlier_matrix(), steps=20, seed=0))
    np.testing.assert_allclose(outliers, [1e3, 3e3, 1e4, 2e4, 5e4], rtol=1e-10)
    assert 1.0 <= lo < 1.5 and 9.0 < hi < 12.0
    (_, _), none = split_spectrum(probe(sp.diags(np.linspace(1.0, 10.0, 500)), steps=20))
    assert none.size == 0


def test_predicted_iterations_is_the_chebyshev_bound():
    mu = np.linspace(1.0, 100.0, 50)
    # ½√κ ln(2/rtol) = ½·10·ln(2e8) = 95.6 → 96, plus one outlier above the bulk
    assert predicted_iterations(mu, np.array([1e4, 50.0]), rtol=1e-8) == 1 + 96
    assert predicted_iterations(np.array([-1.0, 2.0]), np.zeros(0)) == np.inf


def test_choice_follows_the_cost_of_a_reduction():
    result = probe(sp.diags(np.linspace(1e-3, 1.0, 800)), steps=20, seed=0)
    candidates = {d: chebyshev_from_probe(result, d) for d in (5, 10, 20)}
    assert choose_degree(candidates, result, reduction_cost=0.0) == 0  # matvecs only: CG
    assert choose_degree(candidates, result, reduction_cost=100.0) == 20


def test_auto_leaves_an_outlier_spectrum_to_cg_and_counts_the_probe():
    a = outlier_matrix()
    products = [0]

    def matvec(x):
        products[0] += 1
        return a @ x

    op = spla.LinearOperator(a.shape, matvec=matvec, dtype=np.float64)
    m = polynomial_preconditioner(op, degree="auto", method="learned", seed=0)
    assert m.method == "identity" and m.degree == 0 and m.requested_method == "learned"
    assert m.setup_matvecs == products[0] == 22
    b = np.random.default_rng(0).standard_normal(a.shape[0])
    x, info = spla.cg(op, b, rtol=1e-8, M=m)
    # plain CG needs 65 matvecs here, the learned degree-10 polynomial 550 (probe included)
    assert info == 0 and products[0] + m.matvecs <= 22 + 65 + 2


def test_auto_uses_a_polynomial_when_reductions_are_expensive():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = polynomial_preconditioner(
            poisson2d(24), degree="auto", method="chebyshev", reduction_cost=50.0
        )
    assert m.method == "chebyshev" and m.degree in (5, 10, 20)


def test_auto_bad_input():
    a = poisson2d(8)
    with pytest.raises(ValueError, match="degree='auto' needs method"):
        polynomial_preconditioner(a, degree="auto", method="neumann")
    with pytest.raises(ValueError, match="degree='auto' models CG"):
        polynomial_preconditioner(a, degree="auto", solver="gmres")
    with pytest.raises(ValueError, match="reduction_cost must be"):
        polynomial_preconditioner(a, degree="auto", reduction_cost=-1.0)
    with pytest.raises(TypeError, match="degree must be an integer"):
        polynomial_preconditioner(a, degree="five")

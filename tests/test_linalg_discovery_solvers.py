"""The callable sketch-and-precondition least-squares solver against LAPACK and LSQR."""

import numpy as np
import pytest
import scipy.sparse as sp

from linalg_discovery.solvers import lstsq
from sciml.data.matrices import least_squares


def _forward_error(x, x_star):
    return np.linalg.norm(x - x_star) / np.linalg.norm(x_star)


def test_dense_ill_conditioned_matches_lapack_accuracy():
    p = least_squares(3000, 40, cond=1e6, residual=1e-3, seed=3)
    x, info = lstsq(p.A, p.b, rtol=1e-13)
    x_lapack = np.linalg.lstsq(p.A, p.b, rcond=None)[0]
    assert info["converged"] and info["iterations"] >= 1
    assert _forward_error(x, p.x) <= 10 * max(_forward_error(x_lapack, p.x), 1e-14)
    r = p.b - p.A @ x
    assert np.linalg.norm(p.A.T @ r) <= 1e-13 * np.linalg.norm(p.A) * np.linalg.norm(r)
    assert info["normal_residuals"][-1] <= 1e-13
    assert info["passes_over_A"] == 1 + 2 * (info["iterations"] + 1) + 11 * info["iterations"]


def test_sparse_tall_matches_the_dense_solution():
    rng = np.random.default_rng(0)
    a = sp.random(4000, 60, density=0.05, random_state=rng, format="csr")
    a = a + sp.vstack([sp.identity(60), sp.csr_matrix((3940, 60))])
    b = rng.standard_normal(4000)
    x, info = lstsq(a, b, rtol=1e-12)
    x_dense = np.linalg.lstsq(a.toarray(), b, rcond=None)[0]
    assert info["converged"]
    np.testing.assert_allclose(x, x_dense, rtol=1e-9, atol=1e-12)


def test_consistent_system_stops_on_atol_and_same_seed_same_bytes():
    p = least_squares(1000, 20, cond=100.0, seed=1)
    x1, info = lstsq(p.A, p.b, rtol=0.0, atol=1e-12, seed=5)
    x2, _ = lstsq(p.A, p.b, rtol=0.0, atol=1e-12, seed=5)
    assert info["converged"] and info["residuals"][-1] <= 1e-12
    assert x1.tobytes() == x2.tobytes()


def test_not_converged_warns():
    p = least_squares(1000, 20, cond=1e6, residual=1e-2, seed=2)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        _, info = lstsq(p.A, p.b, rtol=1e-15, steps=1, max_restarts=1)
    assert not info["converged"] and info["iterations"] == 1


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "match"),
    [
        (np.full((50, 5), np.nan), np.ones(50), {}, "A must be finite"),
        (np.ones((50, 5)) + np.eye(50, 5), np.ones(49), {}, "b must have shape"),
        (np.ones(5), np.ones(5), {}, "A must be a 2-D matrix"),
        (np.eye(50, 5), np.ones(50), {"rtol": -1.0}, "rtol"),
        (np.eye(50, 5), np.ones(50), {"seed": -1}, "seed must be an integer >= 0, got -1"),
        (np.eye(50, 5), np.ones(50), {"steps": 0}, "steps"),
    ],
)
def test_bad_input_names_the_argument(a, b, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lstsq(a, b, **kwargs)

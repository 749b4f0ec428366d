"""Learned eigenvalue filter: the damping objective against the T_m closed form, the untrained
network and the numerical filters against the Chebyshev filter / a dense evaluation, eigsh with
both filters against scipy.linalg.eigh, and the shipped filter model."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from numpy.polynomial import chebyshev as npcheb

from sciml.data.matrices import synthetic
from solvers import eigsh
from solvers.eigen import chebyshev_filter, expansion_filter
from solvers.learner import (
    ModelConfig,
    SpectralNet,
    load_model,
    model_path,
    save_model,
    scaled_filter,
)
from solvers.linear_operators import CountingOperator
from solvers.objectives import filter_loss
from solvers.probes import probe
from solvers.registry import filter_coefficients, get_model

DEGREE = 12


def _log10_cosh(y: float) -> float:
    return (y + np.log1p(np.exp(-2.0 * y)) - np.log(2.0)) / np.log(10.0)


@pytest.mark.parametrize("degree", [12, 300])
def test_filter_loss_of_chebyshev_is_the_closed_form_damping(degree):
    # Unwanted eigenvalues at the extrema of T_d on [lo, 1] (|T_d| = 1 there), one wanted
    # eigenvalue at x_w < −1: the damping is 1/|T_d(x_w)| = 1/cosh(d·acosh|x_w|).
    lo, lam_w = 0.05, -0.02
    extrema = lo + (1 - lo) * 0.5 * (1 + np.cos(np.pi * np.arange(degree + 1) / degree))
    lam = torch.tensor(np.concatenate([[lam_w], np.sort(extrema)]))[None, :]
    coeffs = torch.zeros(1, degree + 1, dtype=torch.float64)
    coeffs[0, -1] = 1.0
    p = scaled_filter(lam, torch.tensor([lo], dtype=torch.float64), coeffs)
    wanted = torch.zeros_like(lam, dtype=torch.bool)
    wanted[0, 0] = True
    value = float(filter_loss(p, wanted, ~wanted))
    x_w = 2 * (lam_w - lo) / (1 - lo) - 1
    assert np.isfinite(value)  # degree 300: T_d(x_w) ~ 1e57 would overflow without scaling
    assert value == pytest.approx(-_log10_cosh(degree * np.arccosh(abs(x_w))), rel=1e-10)


@pytest.fixture(scope="module")
def small():
    a = synthetic("uniform", 150, cond=40.0, seed=5)
    return a, *np.linalg.eigh(a.toarray())


def test_untrained_filter_network_is_the_chebyshev_filter(small):
    a, _, _ = small
    model = SpectralNet(ModelConfig("filter", DEGREE))
    result = probe(a, steps=20, seed=0)
    lo, coeffs = filter_coefficients(model, result, 0.1, 0.3)
    assert lo == pytest.approx(0.3)
    np.testing.assert_array_equal(coeffs, np.eye(DEGREE + 1)[DEGREE])


def test_eigsh_with_an_untrained_filter_model_is_eigsh_with_chebyshev(small, tmp_path):
    a, _, _ = small
    save_model(SpectralNet(ModelConfig("filter", DEGREE)), model_path("filter", DEGREE, tmp_path))
    learned = eigsh(a, 4, "SA", filter="learned", model_dir=tmp_path)
    chebyshev = eigsh(a, 4, "SA", filter="chebyshev")
    assert learned.matvecs == chebyshev.matvecs and learned.iterations == chebyshev.iterations
    np.testing.assert_allclose(learned.values, chebyshev.values, rtol=1e-12)


def test_filters_match_a_dense_evaluation(small):
    a, w, v = small
    x = np.random.default_rng(0).standard_normal((150, 3))
    lower, upper, a0 = 0.3 * w[-1], 1.02 * w[-1], w[0]
    c, e = 0.5 * (upper + lower), 0.5 * (upper - lower)
    xs, x0 = (w - c) / e, (a0 - c) / e
    coeffs = np.random.default_rng(1).standard_normal(DEGREE + 1)
    dense = v @ (
        (npcheb.chebval(xs, coeffs) / npcheb.chebval(x0, np.eye(DEGREE + 1)[-1]))[:, None]
        * (v.T @ x)
    )
    got = expansion_filter(a, x, coeffs, lower, upper, a0)
    np.testing.assert_allclose(got, dense, rtol=1e-9, atol=1e-12 * np.abs(dense).max())
    cheb = chebyshev_filter(a, x, DEGREE, lower, upper, a0)
    np.testing.assert_allclose(
        cheb, expansion_filter(a, x, np.eye(DEGREE + 1)[-1], lower, upper, a0)
    )


def test_per_column_degrees_cost_their_sum(small):
    a, _, _ = small
    x = np.random.default_rng(2).standard_normal((150, 3))
    counter = CountingOperator(a)
    y = chebyshev_filter(counter, x, np.array([3, 7, 5]), 2.0, 40.0, 1.0)
    assert counter.matvecs == 3 + 7 + 5
    for j, d in enumerate((3, 7, 5)):
        np.testing.assert_allclose(y[:, j], chebyshev_filter(a, x[:, [j]], d, 2.0, 40.0, 1.0)[:, 0])


@pytest.mark.parametrize("which", ["SA", "LA"])
@pytest.mark.parametrize("filt", ["learned", "chebyshev"])
def test_eigsh_filters_find_the_eigh_eigenpairs(small, which, filt):
    a, w, _ = small
    r = eigsh(a, 5, which, filter=filt, tol=1e-8, maxiter=400)
    expected = w[:5] if which == "SA" else w[-5:]
    assert r.converged and r.method == f"filtered-{filt}"
    np.testing.assert_allclose(r.values, expected, rtol=1e-9)
    dense = a.toarray()
    np.testing.assert_allclose(dense @ r.vectors, r.vectors * r.values, atol=1e-6 * w[-1])


def test_shipped_filter_model_reloads_and_beat_chebyshev_in_training():
    path = model_path("filter", DEGREE)
    loaded, summary = load_model(path)
    shipped = get_model("filter", DEGREE)
    result = probe(sp.diags(np.geomspace(1e-2, 1.0, 300)), steps=20, seed=1)
    lo1, c1 = filter_coefficients(loaded, result, 0.02, 0.1)
    lo2, c2 = filter_coefficients(shipped, result, 0.02, 0.1)
    assert lo1 == lo2 and c1.tobytes() == c2.tobytes()
    assert not np.array_equal(c1, np.eye(DEGREE + 1)[DEGREE])  # it was trained
    assert summary["valid_loss_learned"] < summary["valid_loss_classical"]


def test_eigsh_filter_bad_input(small):
    a, _, _ = small
    with pytest.raises(ValueError, match="filter must be"):
        eigsh(a, 2, filter="jackson")
    with pytest.raises(ValueError, match="block must be"):
        eigsh(a, 4, block=4)
    with pytest.raises(ValueError, match="no learned model"):
        eigsh(a, 2, filter="learned", degree=7)


def test_filter_examples_are_seeded_and_consistent():
    from solvers.training import loss, make_examples

    config = ModelConfig("filter", 4, hidden=8)
    a = make_examples(config, 6, seed=1, n=60)
    b = make_examples(config, 6, seed=1, n=60)
    assert a.lam.numpy().tobytes() == b.lam.numpy().tobytes() and torch.equal(a.param, b.param)
    assert bool((a.wanted < a.block).all()) and bool((a.param <= 0.95).all())
    assert bool((a.lower <= a.param).all())  # the wanted edge lies below the cut
    with torch.no_grad():
        assert np.isfinite(float(loss(SpectralNet(config), a, slice(None))))

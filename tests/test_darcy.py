import numpy as np
import pytest
import scipy.sparse.linalg as sla

from sciml.data.pde import get_generator
from sciml.data.pde.base import draw
from sciml.data.pde.darcy import (
    DARCY,
    darcy_coefficient,
    darcy_coordinates,
    darcy_operator,
    solve_darcy,
)

PI = np.pi


def _centres(r):
    x = darcy_coordinates(r)["x"]
    return np.meshgrid(x, x, indexing="ij")


def _order(errors, resolutions):
    return -np.polyfit(np.log(resolutions), np.log(errors), 1)[0]


def _constant_case(r):
    x, y = _centres(r)
    u = np.sin(PI * x) * np.sin(PI * y)
    return np.ones((r, r)), 2 * PI**2 * u, u


def _variable_case(r):
    # a = 1 + x + 2y², u = sin(πx) sin(2πy), f = −a_x u_x − a_y u_y + 5π² a u
    x, y = _centres(r)
    a = 1 + x + 2 * y**2
    u = np.sin(PI * x) * np.sin(2 * PI * y)
    ux = PI * np.cos(PI * x) * np.sin(2 * PI * y)
    uy = 2 * PI * np.sin(PI * x) * np.cos(2 * PI * y)
    f = -ux - 4 * y * uy + 5 * PI**2 * a * u
    return a, f, u


@pytest.mark.parametrize("case", [_constant_case, _variable_case])
def test_manufactured_solution_converges_at_second_order(case):
    resolutions = [16, 32, 64]
    errors = []
    for r in resolutions:
        a, f, u = case(r)
        errors.append(np.abs(solve_darcy(a, f) - u).max())
    order = _order(errors, resolutions)
    assert 1.8 < order < 2.2, (errors, order)
    assert errors[-1] < 2e-3


def test_operator_is_spd_and_uses_harmonic_means():
    a = darcy_coefficient(np.random.default_rng(0), 6)
    matrix = darcy_operator(a).toarray()
    np.testing.assert_array_equal(matrix, matrix.T)
    assert np.linalg.eigvalsh(matrix).min() > 0
    # 2×2 grid, h = 1/2: face between cells (0,0) and (1,0) carries 2·1·3/(1+3)/h² = 6;
    # cell (0,0) also has two wall faces at 2a/h² = 8 each and a face to (0,1) at 4.
    small = darcy_operator(np.array([[1.0, 1.0], [3.0, 1.0]])).toarray()
    assert small[0, 2] == pytest.approx(-6.0)
    assert small[0, 1] == pytest.approx(-4.0)
    assert small[0, 0] == pytest.approx(6.0 + 4.0 + 16.0)


def test_constant_coefficient_operator_has_the_known_spectrum():
    # 1D factor: tridiag(−1, 2, −1) with 3 in both corners; its eigenvalues are
    # 4 sin²(kπ/(2R)) for k = 1..R (Dirichlet on a cell-centred grid), times R².
    r = 5
    eig = np.sort(np.linalg.eigvalsh(darcy_operator(np.ones((r, r))).toarray()))
    one_d = 4 * np.sin(np.arange(1, r + 1) * PI / (2 * r)) ** 2 * r**2
    expected = np.sort((one_d[:, None] + one_d[None, :]).ravel())
    np.testing.assert_allclose(eig, expected, rtol=1e-12)


def test_amg_agrees_with_direct_solve():
    rng = np.random.default_rng(1)
    a = darcy_coefficient(rng, 32)
    f = rng.standard_normal((32, 32))
    direct = sla.spsolve(darcy_operator(a).tocsc(), f.ravel()).reshape(32, 32)
    u = solve_darcy(a, f)
    assert u.shape == (32, 32) and u.dtype == np.float64
    assert np.abs(u - direct).max() <= 1e-8 * np.abs(direct).max()


def test_zero_forcing_gives_zero_solution():
    np.testing.assert_array_equal(solve_darcy(np.ones((4, 4)), 0.0), np.zeros((4, 4)))


def test_coefficient_takes_both_values_only():
    a = darcy_coefficient(np.random.default_rng(2), 32, a_high=12.0, a_low=3.0)
    assert set(np.unique(a)) == {3.0, 12.0}


def test_generator_shapes_and_registry():
    assert get_generator("darcy") is DARCY
    out = draw(DARCY, [0, 1, 2], 16, seed=5)
    assert out["a"].shape == out["u"].shape == (3, 16, 16)
    assert out["a"].dtype == out["u"].dtype == np.float32
    assert (out["u"] > 0).all()  # maximum principle for f = 1 > 0
    coords = DARCY.coordinates(16, **DARCY.params())
    np.testing.assert_allclose(coords["x"], (np.arange(16) + 0.5) / 16)


def test_seeds_reproducible_and_independent_of_batching():
    first = draw(DARCY, [0, 1], 8, seed=3)
    again = draw(DARCY, [0, 1], 8, seed=3)
    alone = draw(DARCY, [1], 8, seed=3)
    other = draw(DARCY, [0, 1], 8, seed=4)
    for key in ("a", "u"):
        assert first[key].tobytes() == again[key].tobytes()
        assert first[key][1].tobytes() == alone[key][0].tobytes()
    assert first["u"].tobytes() != other["u"].tobytes()


@pytest.mark.parametrize(
    ("a", "f", "match"),
    [
        (np.ones((4, 5)), 1.0, "square"),
        (np.ones(4), 1.0, "square"),
        (np.zeros((4, 4)), 1.0, "positive"),
        (-np.ones((4, 4)), 1.0, "positive"),
        (np.full((4, 4), np.nan), 1.0, "finite"),
        (np.ones((4, 4)), np.ones((3, 3)), "shape"),
        (np.ones((4, 4)), np.full((4, 4), np.nan), "finite"),
    ],
)
def test_bad_input_raises(a, f, match):
    with pytest.raises(ValueError, match=match):
        solve_darcy(a, f)


def test_bad_types_and_parameters_raise():
    with pytest.raises(TypeError, match="a must be a real array"):
        darcy_operator(np.ones((3, 3), dtype=complex))
    with pytest.raises(ValueError, match="rtol"):
        solve_darcy(np.ones((4, 4)), rtol=0.0)
    with pytest.raises(ValueError, match="a_high and a_low"):
        darcy_coefficient(np.random.default_rng(0), 8, a_low=0.0)
    with pytest.raises(ValueError, match="resolution"):
        draw(DARCY, [0], 2, seed=0)

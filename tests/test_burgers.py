import numpy as np
import pytest
import torch

import sciml.data.pde.burgers as burgers_module
from sciml.data.pde import get_generator
from sciml.data.pde.base import draw, sample_rng
from sciml.data.pde.burgers import BURGERS, solve_burgers
from sciml.data.pde.grf import gaussian_random_field

TIGHT = {"rtol": 1e-12, "atol": 1e-14}


def cole_hopf(x, t, nu, c0, terms):
    """u = −2ν φ_x/φ for the heat solution φ = c0 + Σ a cos(2πnx) e^{−4π²n²νt}."""
    phi, phi_x = np.full_like(x, c0), np.zeros_like(x)
    for a, n in terms:
        damp = a * np.exp(-4 * np.pi**2 * n**2 * nu * t)
        phi = phi + damp * np.cos(2 * np.pi * n * x)
        phi_x = phi_x - 2 * np.pi * n * damp * np.sin(2 * np.pi * n * x)
    return -2 * nu * phi_x / phi


def cole_hopf_error(resolution, nu, c0, terms, times):
    x = np.arange(resolution) / resolution
    u = solve_burgers(cole_hopf(x, 0.0, nu, c0, terms), nu, times, **TIGHT)
    exact = np.stack([cole_hopf(x, t, nu, c0, terms) for t in times])
    return np.abs(u - exact).max()


@pytest.mark.parametrize(
    ("nu", "c0", "terms"),
    [(0.1, 2.0, [(1.0, 1)]), (0.05, 3.0, [(1.0, 1), (0.8, 2)])],
)
def test_cole_hopf_spectral_convergence(nu, c0, terms):
    times = np.linspace(0.0, 0.5, 6)
    errors = [cole_hopf_error(r, nu, c0, terms, times) for r in (8, 16, 32, 64)]
    # Observed orders log2(e_R / e_2R): constant for an algebraic method, growing for spectral.
    p_8, p_16 = np.log2(np.array(errors[:2]) / np.array(errors[1:3]))
    assert p_16 > p_8 + 2, errors
    assert p_16 > 8, errors
    assert errors[-1] < 1e-9


def test_cole_hopf_across_many_integrating_factor_sub_intervals():
    # ν k_max² Δt ≈ 1.7e4 · 0.05 spans several sub-intervals of the integrating factor.
    times = np.array([0.0, 0.05, 0.1])
    assert cole_hopf_error(64, 1.0, 2.0, [(1.0, 1)], times) < 1e-9


def test_galilean_invariance_and_conserved_mean():
    # If u solves Burgers so does c + u(x − ct, t); here c·t_n·R = 8n whole grid cells.
    r, c = 128, 0.25
    times = np.array([0.0, 0.25, 0.5])
    u0 = gaussian_random_field(np.random.default_rng(0), (r,), 2.0, 5.0, 25.0)
    base = solve_burgers(u0, 0.1, times, rtol=1e-10, atol=1e-12)
    moving = solve_burgers(u0 + c, 0.1, times, rtol=1e-10, atol=1e-12)
    for n in range(len(times)):
        np.testing.assert_allclose(moving[n], c + np.roll(base[n], 8 * n), atol=1e-8)
    np.testing.assert_allclose(moving.mean(axis=-1), u0.mean() + c, atol=1e-13)


def test_two_thirds_dealiasing():
    # R = 16 evolves |m| <= 5 with u² from those modes only; m = 5 squares to 0 and 10 (cut), so
    # cos(2π·5x) + cos(2π·7x) only decays. An aliased product would put 5 + 7 = 12 on m = 4 and
    # 7 + 7 = 14 on m = 2.
    r, nu, t = 16, 0.1, 0.01
    x = np.arange(r) / r
    u = solve_burgers(np.cos(2 * np.pi * 5 * x) + np.cos(2 * np.pi * 7 * x), nu, [0.0, t], **TIGHT)
    coefficients = np.fft.rfft(u[-1]) / r
    expected = np.zeros(r // 2 + 1)
    for m in (5, 7):
        expected[m] = 0.5 * np.exp(-nu * (2 * np.pi * m) ** 2 * t)
    np.testing.assert_allclose(coefficients, expected, atol=1e-14)


def test_output_layout_and_inputs():
    u0 = gaussian_random_field(np.random.default_rng(1), (16,), 2.0, 5.0, 25.0)
    times = np.array([0.0, 0.1])
    single = solve_burgers(u0, 0.1, times)
    mirrored = -np.roll(u0[::-1], 1)  # −u0(−x) on the grid x_j = j/R
    batch = solve_burgers(torch.tensor(np.stack([u0, mirrored])), 0.1, times, device="cpu")
    assert single.shape == (2, 16) and batch.shape == (2, 2, 16)
    assert single.dtype == batch.dtype == np.float64
    np.testing.assert_array_equal(single[0], u0)
    np.testing.assert_allclose(batch[0], single, atol=1e-9)
    # u → −u(−x) is a symmetry of the equation.
    np.testing.assert_allclose(batch[1], -np.roll(single[:, ::-1], 1, axis=-1), atol=1e-9)
    assert np.abs(single[1] - single[0]).max() > 1e-3


def test_generator_draw_shapes_and_initial_condition():
    assert get_generator("burgers") is BURGERS
    params = {"t_final": 0.2, "n_times": 3}
    out = draw(BURGERS, [0, 1, 2], 32, seed=7, params=params)
    assert out["u"].shape == (3, 3, 32) and out["u"].dtype == np.float32
    u0 = gaussian_random_field(sample_rng(7, 2), (32,), 2.0, 5.0, 25.0)
    np.testing.assert_array_equal(out["u"][2, 0], u0.astype(np.float32))
    coords = BURGERS.coordinates(32, **BURGERS.params(params))
    np.testing.assert_allclose(coords["x"], np.arange(32) / 32)
    np.testing.assert_allclose(coords["t"], [0.0, 0.1, 0.2])


def test_seeds_reproducible():
    params = {"t_final": 0.2, "n_times": 3}
    first = draw(BURGERS, [0, 1], 16, seed=3, params=params)["u"]
    again = draw(BURGERS, [0, 1], 16, seed=3, params=params)["u"]
    other = draw(BURGERS, [0, 1], 16, seed=4, params=params)["u"]
    alone = draw(BURGERS, [1], 16, seed=3, params=params)["u"]
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()
    # The batch shares adaptive steps, so a sample alone agrees to the tolerance, not bitwise.
    np.testing.assert_allclose(alone[0], first[1], atol=1e-6)


def test_non_finite_result_names_the_sample(monkeypatch):
    def fake_solve(u0, nu, times, **kwargs):
        u = np.zeros((len(u0), len(times), u0.shape[-1]))
        u[1, -1, 0] = np.nan
        return u

    monkeypatch.setattr(burgers_module, "solve_burgers", fake_solve)
    with pytest.raises(FloatingPointError, match="sample 1"):
        draw(BURGERS, [0, 1], 8, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"nu": 0.0}, ValueError, "nu"),
        ({"nu": -0.1}, ValueError, "nu"),
        ({"nu": float("nan")}, ValueError, "nu"),
        ({"times": [0.1, 0.2]}, ValueError, "start at 0"),
        ({"times": [0.0, 0.2, 0.2]}, ValueError, "increasing"),
        ({"times": [[0.0, 0.1]]}, ValueError, "1D"),
        ({"u0": np.full(8, np.nan)}, ValueError, "finite"),
        ({"u0": np.zeros((2, 2, 8))}, ValueError, "shape"),
        ({"u0": np.zeros(3)}, ValueError, "R >= 4"),
        ({"u0": np.zeros(8, dtype=complex)}, TypeError, "real"),
        ({"u0": [0.0] * 8}, TypeError, "numpy array or torch tensor"),
        ({"rtol": 0.0}, ValueError, "rtol"),
    ],
)
def test_bad_input_raises(kwargs, error, match):
    args = {"u0": np.zeros(8), "nu": 0.1, "times": [0.0, 0.1]} | kwargs
    u0, nu, times = args.pop("u0"), args.pop("nu"), args.pop("times")
    with pytest.raises(error, match=match):
        solve_burgers(u0, nu, times, **args)


def test_bad_generator_parameters_raise():
    with pytest.raises(ValueError, match="t_final"):
        draw(BURGERS, [0], 8, seed=0, params={"t_final": 0.0})
    with pytest.raises(ValueError, match="n_times"):
        draw(BURGERS, [0], 8, seed=0, params={"n_times": 0})
    with pytest.raises(ValueError, match="resolution"):
        draw(BURGERS, [0], 4, seed=0)

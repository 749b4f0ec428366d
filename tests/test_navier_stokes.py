"""Vorticity solver: exact eigenmodes and steady states, time-convergence orders, energy
balance, velocity recovery, seeding, batching and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sciml.data.pde import draw, get_generator
from sciml.data.pde.grf import gaussian_random_field, wavenumbers
from sciml.data.pde.navier_stokes import (
    KOLMOGOROV,
    NAVIER_STOKES,
    cfl_time_step,
    generate_kolmogorov,
    kolmogorov_coordinates,
    kolmogorov_forcing,
    navier_stokes_coordinates,
    navier_stokes_forcing,
    solve_vorticity,
    velocity_from_vorticity,
)

TWO_PI = 2.0 * np.pi


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny FFTs on shared cores: extra threads only contend
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _grid(n: int, length: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    x = length * np.arange(n) / n
    return np.meshgrid(x, x, indexing="ij")


def _spectral_derivatives(field: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    k = wavenumbers(field.shape[-1], length)
    f = np.fft.fft2(field)
    return (np.fft.ifft2(1j * k[:, None] * f).real, np.fft.ifft2(1j * k[None, :] * f).real)


def _energy_enstrophy(w: np.ndarray, length: float) -> tuple[np.ndarray, np.ndarray]:
    u, v = velocity_from_vorticity(w, length)
    return 0.5 * (u**2 + v**2).mean(axis=(-2, -1)), (w**2).mean(axis=(-2, -1))


def _order(errors: list[float]) -> np.ndarray:
    return np.log2(np.asarray(errors[:-1]) / np.asarray(errors[1:]))


def test_taylor_green_decays_at_second_order():
    # ω = 2k cos kx cos ky: a Laplacian eigenmode with ω ∝ ψ, so u·∇ω = 0 and
    # ω(t) = ω0 exp(−(2νk² + μ)t); Crank–Nicolson makes the error O(dt²).
    nu, drag, t_final = 0.05, 0.3, 0.2
    k = TWO_PI * 2
    x, y = _grid(16)
    w0 = 2 * k * np.cos(k * x) * np.cos(k * y)
    exact = w0 * np.exp(-(2 * nu * k**2 + drag) * t_final)
    errors = []
    for dt in (0.02, 0.01, 0.005):
        w = solve_vorticity(w0, nu=nu, drag=drag, forcing=None, t_final=t_final, n_times=2, dt=dt)
        errors.append(np.abs(w[-1] - exact).max() / np.abs(exact).max())
    orders = _order(errors)
    assert np.all((orders > 1.8) & (orders < 2.2)), orders
    assert errors[-1] < 1e-2


@pytest.mark.parametrize("case", ["navier-stokes", "kolmogorov"])
def test_forced_single_mode_steady_states_are_exact(case):
    # Both forcings are single-wavevector fields, so ω = f/(ν|k|² + μ) has u·∇ω = 0 and is a
    # steady state; Crank–Nicolson/Heun keeps it to round-off.
    if case == "navier-stokes":
        n, length, nu, drag = 32, 1.0, 1e-3, 0.0
        forcing = navier_stokes_forcing(n)
        k2 = 2 * TWO_PI**2
    else:
        n, length, nu, drag = 32, TWO_PI, 1e-3, 0.1
        forcing = kolmogorov_forcing(n)
        k2 = 16.0
    steady = forcing / (nu * k2 + drag)
    w = solve_vorticity(
        steady, nu=nu, drag=drag, forcing=forcing, length=length, t_final=5.0, n_times=3, dt=0.01
    )
    assert np.abs(w - steady).max() < 1e-12 * np.abs(steady).max()


def test_nonlinear_self_convergence_is_second_order():
    n, t_final, nu = 32, 0.5, 1e-3
    w0 = 10 * gaussian_random_field(np.random.default_rng(1), (n, n), alpha=2.5, tau=7.0)
    forcing = navier_stokes_forcing(n)
    runs = [
        solve_vorticity(w0, nu=nu, forcing=forcing, t_final=t_final, n_times=2, dt=dt)[-1]
        for dt in (0.04, 0.02, 0.01, 0.005)
    ]
    # Differences of successive halvings shrink by 2^p for a p-th order scheme.
    diffs = [np.abs(a - b).max() for a, b in zip(runs[:-1], runs[1:], strict=True)]
    orders = _order(diffs)
    assert np.all((orders > 1.8) & (orders < 2.2)), orders
    # The run is genuinely nonlinear: far from the linear (Stokes) evolution of w0.
    k = wavenumbers(n)
    decay = np.exp(-nu * (k[:, None] ** 2 + k[None, :] ** 2) * t_final)
    k2 = k[:, None] ** 2 + k[None, :] ** 2
    k2[0, 0] = 1.0
    linear = np.fft.ifft2(
        decay * np.fft.fft2(w0) + (1 - decay) / (nu * k2) * np.fft.fft2(forcing)
    ).real
    assert np.abs(runs[-1] - linear).max() > 0.3 * np.abs(runs[-1] - w0).max()


def test_unforced_energy_and_enstrophy_decay_with_exact_budget():
    n, nu, drag, t_final, n_times = 32, 2e-3, 0.05, 1.0, 41
    w0 = 10 * gaussian_random_field(np.random.default_rng(2), (n, n), alpha=2.5, tau=7.0)
    w = solve_vorticity(
        w0, nu=nu, drag=drag, forcing=None, t_final=t_final, n_times=n_times, dt=0.005
    )
    energy, enstrophy = _energy_enstrophy(w, 1.0)
    assert np.all(np.diff(energy) < 0) and np.all(np.diff(enstrophy) < 0)
    assert np.abs(w.mean(axis=(-2, -1))).max() < 1e-13 * np.abs(w0).max()
    # dE/dt = −ν⟨ω²⟩ − 2μE (advection conserves E): integrate the right side in time.
    rate = -nu * enstrophy - 2 * drag * energy
    budget = np.sum(0.5 * (rate[1:] + rate[:-1])) * t_final / (n_times - 1)
    assert abs((energy[-1] - energy[0]) - budget) < 1e-3 * abs(budget)


def test_forcing_forms():
    n = 16
    x, y = _grid(n)
    np.testing.assert_allclose(
        navier_stokes_forcing(n), 0.1 * (np.sin(TWO_PI * (x + y)) + np.cos(TWO_PI * (x + y))),
        atol=1e-15,
    )
    # Kolmogorov: curl of the velocity forcing (sin 4y, 0) on [0, 2π)².
    x, y = _grid(n, TWO_PI)
    fx, fy = np.sin(4 * y), np.zeros_like(y)
    curl = _spectral_derivatives(fy, TWO_PI)[0] - _spectral_derivatives(fx, TWO_PI)[1]
    np.testing.assert_allclose(kolmogorov_forcing(n), curl, atol=1e-12)
    np.testing.assert_allclose(kolmogorov_forcing(n, 2, 0.5), -np.cos(2 * y), atol=1e-15)


def test_velocity_from_vorticity_closed_form_divergence_and_curl():
    k = TWO_PI * 3
    x, y = _grid(32)
    u, v = velocity_from_vorticity(2 * k * np.cos(k * x) * np.cos(k * y))
    np.testing.assert_allclose(u, -np.cos(k * x) * np.sin(k * y), atol=1e-13)
    np.testing.assert_allclose(v, np.sin(k * x) * np.cos(k * y), atol=1e-13)

    length, n = TWO_PI, 32
    w = gaussian_random_field(np.random.default_rng(3), (n, n), 2.0, 2.0, length=length)
    u, v = velocity_from_vorticity(w, length)
    ux, uy = _spectral_derivatives(u, length)
    vx, vy = _spectral_derivatives(v, length)
    assert np.abs(ux + vy).max() < 1e-12 * np.abs(w).max()
    # The curl recovers ω without its Nyquist modes (they carry no resolvable velocity).
    w_hat = np.fft.fft2(w)
    w_hat[n // 2, :] = 0
    w_hat[:, n // 2] = 0
    np.testing.assert_allclose(vx - uy, np.fft.ifft2(w_hat).real, atol=1e-12 * np.abs(w).max())

    ut, vt = velocity_from_vorticity(torch.as_tensor(w), length)
    assert isinstance(ut, torch.Tensor)
    np.testing.assert_array_equal(ut.numpy(), u)
    np.testing.assert_array_equal(vt.numpy(), v)


def test_batch_equals_separate_runs_and_unbatched_shape():
    rng = np.random.default_rng(4)
    w0 = 5 * np.stack([gaussian_random_field(rng, (16, 16), 2.5, 7.0) for _ in range(2)])
    kwargs = dict(nu=1e-3, forcing=navier_stokes_forcing(16), t_final=0.5, n_times=4, dt=0.01)
    batch = solve_vorticity(w0, **kwargs)
    assert batch.shape == (2, 4, 16, 16) and batch.dtype == np.float64
    np.testing.assert_allclose(batch[:, 0], w0, rtol=0, atol=1e-15)
    for i in range(2):
        single = solve_vorticity(w0[i], **kwargs)
        assert single.shape == (4, 16, 16)
        assert np.abs(single - batch[i]).max() < 1e-12


def test_same_seed_same_bytes_and_samples_independent_of_batch():
    params = {"t_final": 0.2, "n_times": 3, "dt": 0.01}
    a = draw(NAVIER_STOKES, [0, 1], 16, seed=7, params=params)["w"]
    b = draw(NAVIER_STOKES, [0, 1], 16, seed=7, params=params)["w"]
    assert a.shape == (2, 3, 16, 16) and a.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, draw(NAVIER_STOKES, [0, 1], 16, seed=8, params=params)["w"])
    np.testing.assert_allclose(
        draw(NAVIER_STOKES, [1], 16, seed=7, params=params)["w"][0], a[1], rtol=0, atol=1e-6
    )

    kparams = {"t_burn": 0.5, "frame_dt": 0.1, "n_times": 3}
    c = draw(KOLMOGOROV, [0, 1], 16, seed=7, params=kparams)["w"]
    d = draw(KOLMOGOROV, [0, 1], 16, seed=7, params=kparams)["w"]
    assert c.shape == (2, 3, 16, 16) and c.tobytes() == d.tobytes()


def test_kolmogorov_leaves_the_laminar_state():
    # After the burn-in the flow is turbulent: the x-averaged (laminar-like) profile carries a
    # small part of the enstrophy, energy sits in many shells, and frames decorrelate.
    n = 32
    w = generate_kolmogorov(
        [np.random.default_rng(s) for s in range(2)], n, t_burn=15.0, frame_dt=1.0, n_times=3
    )["w"].astype(np.float64)
    zonal = w.mean(axis=-2, keepdims=True)
    assert np.all(((zonal**2).mean(axis=(-2, -1)) / (w**2).mean(axis=(-2, -1))) < 0.5)
    k = np.fft.fftfreq(n, 1.0 / n)
    shell = np.rint(np.hypot(k[:, None], k[None, :])).astype(int)
    k2 = np.maximum(shell, 1) ** 2
    spectrum = np.stack([
        np.bincount(shell.ravel(), (np.abs(np.fft.fft2(f)) ** 2 / k2).ravel(), minlength=n)
        for f in w[:, -1]
    ])
    fraction = spectrum / spectrum.sum(axis=1, keepdims=True)
    assert np.all(fraction[:, 4] < 0.6)
    assert np.all(fraction[:, 8:].sum(axis=1) > 1e-3)
    corr = [np.corrcoef(s[0].ravel(), s[-1].ravel())[0, 1] for s in w]
    assert max(corr) < 0.8


def test_blow_up_names_the_sample():
    w0 = np.zeros((2, 16, 16))
    w0[1] = 1e3 * gaussian_random_field(np.random.default_rng(5), (16, 16), 1.0, 1.0)
    with pytest.raises(FloatingPointError, match=r"sample\(s\) \[1\]"):
        solve_vorticity(w0, nu=1e-6, forcing=None, t_final=10.0, n_times=2, dt=0.1)


def test_generators_and_coordinates():
    assert get_generator("navier-stokes") is NAVIER_STOKES
    assert get_generator("kolmogorov") is KOLMOGOROV
    for gen in (NAVIER_STOKES, KOLMOGOROV):
        assert gen.input_fields == gen.target_fields == ("w",)
        assert gen.spatial_dims == 2 and gen.time_dependent and gen.periodic
    c = navier_stokes_coordinates(8, **NAVIER_STOKES.params({"t_final": 2.0, "n_times": 5}))
    np.testing.assert_allclose(c["x"], np.arange(8) / 8)
    np.testing.assert_allclose(c["t"], [0.0, 0.5, 1.0, 1.5, 2.0])
    c = kolmogorov_coordinates(8, **KOLMOGOROV.params({"t_burn": 1.0, "frame_dt": 0.5}))
    np.testing.assert_allclose(c["x"], TWO_PI * np.arange(8) / 8)
    assert c["t"].shape == (KOLMOGOROV.defaults["n_times"],) and c["t"][1] == 1.5
    assert cfl_time_step(64, TWO_PI, 0.25, 7.0, 1.0) == pytest.approx(0.25 * TWO_PI / 64 / 7)
    assert cfl_time_step(64, TWO_PI, 0.25, 7.0, 1e-3) == 1e-3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"nu": 0.0}, "nu"),
        ({"nu": -1e-3}, "nu"),
        ({"dt": 0.0}, "dt"),
        ({"drag": -0.1}, "drag"),
        ({"t_final": 0.0}, "t_final"),
        ({"n_times": 1}, "n_times"),
        ({"w0": np.full((8, 8), np.nan)}, "NaN"),
        ({"w0": np.zeros((2, 2))}, "w0"),
        ({"w0": np.zeros((8, 6))}, "w0"),
        ({"w0": np.ones((8, 8))}, "zero spatial mean"),
        ({"forcing": np.zeros((6, 6))}, "forcing"),
    ],
)
def test_bad_input_raises(change, message):
    kwargs = dict(w0=np.zeros((8, 8)), nu=1e-3, forcing=None, t_final=1.0, n_times=2, dt=0.1)
    kwargs.update(change)
    with pytest.raises(ValueError, match=message):
        solve_vorticity(**kwargs)


def test_bad_resolution_and_rngs():
    with pytest.raises(ValueError, match="multiple of 2"):
        NAVIER_STOKES.check_resolution(33)
    with pytest.raises(ValueError, match="resolution"):
        KOLMOGOROV.check_resolution(4)
    with pytest.raises(TypeError, match="rngs"):
        generate_kolmogorov([0], 16)
    with pytest.raises(TypeError, match="dtype"):
        solve_vorticity(np.zeros((8, 8)), nu=1e-3, forcing=None, t_final=1.0, n_times=2, dt=0.1,
                        dtype=torch.int64)
    with pytest.raises(ValueError, match="wavenumber"):
        kolmogorov_forcing(16, wavenumber=2.5)


def test_float32_matches_float64():
    w0 = 5 * gaussian_random_field(np.random.default_rng(6), (16, 16), 2.5, 7.0)
    kwargs = dict(nu=1e-3, forcing=navier_stokes_forcing(16), t_final=0.5, n_times=2, dt=0.01)
    single = solve_vorticity(w0, dtype=torch.float32, **kwargs)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, solve_vorticity(w0, **kwargs), rtol=0, atol=1e-5)

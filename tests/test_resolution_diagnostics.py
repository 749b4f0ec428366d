import numpy as np
import pytest
import torch

from sciml.diagnostics.resolution import (
    energy_spectra,
    plot_error_vs_resolution,
    plot_residual_spectra,
    residual_spectrum,
    swing,
)
from sciml.diagnostics.spectra import energy_spectrum


def test_swing_on_hand_dict():
    errors = {16: {"mse": 4e-4, "rel_l2": 0.1}, 32: {"mse": 7e-4, "rel_l2": 0.1},
              128: {"mse": 2e-3, "rel_l2": 0.3}}
    assert swing(errors) == pytest.approx(5.0)
    assert swing(errors, key="rel_l2") == pytest.approx(3.0)
    assert swing({16: {"mse": 1.0}}) == 1.0
    with pytest.raises(ValueError, match="non-empty"):
        swing({})
    with pytest.raises(ValueError, match="missing"):
        swing(errors, key="h1")
    with pytest.raises(ValueError, match="positive"):
        swing({16: {"mse": 0.0}, 32: {"mse": 1.0}})


def _cosine_target(n: int, amplitudes: np.ndarray, mean: float) -> np.ndarray:
    """mean + Σ_k b_k cos(2πk x/N) on an N×N grid (constant in y): E(0) = mean²/2,
    E(k) = b_k²/4 for 1 ≤ k < N/2, E(N/2) = b_{N/2}²/2 (one Nyquist coefficient)."""
    x = np.arange(n)[:, None] * np.ones((1, n))
    field = mean + sum(b * np.cos(2 * np.pi * k * x / n) for k, b in enumerate(amplitudes, 1))
    return field


def test_residual_spectrum_single_mode_closed_form():
    n, a = 32, 0.3
    rng = np.random.default_rng(0)
    amplitudes = rng.uniform(0.5, 2.0, size=n // 2)  # shells 1 … N/2
    target = _cosine_target(n, amplitudes, mean=1.5)
    x, y = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    mode = a * np.cos(2 * np.pi * (3 * x + 4 * y) / n)  # |κ| = 5
    target = np.stack([target, target])[:, None]  # (B=2, C=1, N, N)
    pred = target + mode

    k, ratio = residual_spectrum(torch.from_numpy(pred), torch.from_numpy(target), 2)
    np.testing.assert_array_equal(k, np.arange(n // 2 + 1))
    assert ratio[5] == pytest.approx(a**2 / amplitudes[4] ** 2, rel=1e-10)  # (a²/4)/(b₅²/4)
    np.testing.assert_allclose(np.delete(ratio, 5), 0.0, atol=1e-12)
    # scaling the residual by s scales the ratio by s²
    _, doubled = residual_spectrum(target + 2 * mode, target, 2)
    assert doubled[5] == pytest.approx(4 * ratio[5], rel=1e-10)


def test_residual_spectrum_is_nan_where_target_has_no_energy():
    _, ratio = residual_spectrum(np.ones((2, 8, 8)), np.zeros((2, 8, 8)), 2)
    assert np.isnan(ratio).all()


def test_residual_spectrum_1d_and_energy_spectra():
    n = 64
    grid = np.arange(n)
    target = 1.0 + np.cos(2 * np.pi * 2 * grid / n) + 0.5 * np.sin(2 * np.pi * 7 * grid / n)
    pred = 1.0 + 0.9 * np.cos(2 * np.pi * 2 * grid / n) + 0.5 * np.sin(2 * np.pi * 7 * grid / n)
    k, ratio = residual_spectrum(pred[None, None], target[None, None], 1)
    assert ratio[2] == pytest.approx(0.01, rel=1e-10)  # (0.1)² / 1²
    assert ratio[7] == pytest.approx(0.0, abs=1e-20)
    spectra = energy_spectra(pred[None, None], target[None, None], 1)
    assert set(spectra) == {"prediction", "target"}
    np.testing.assert_allclose(spectra["target"][1], energy_spectrum(target, 1)[1])
    assert spectra["prediction"][1][2] == pytest.approx(0.81 / 4)


def test_spectra_reject_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        residual_spectrum(np.zeros((1, 8, 8)), np.zeros((1, 8, 4)), 2)
    with pytest.raises(TypeError, match="pred"):
        residual_spectrum([[0.0]], np.zeros((1, 1)), 1)
    with pytest.raises(ValueError, match="same shape"):
        energy_spectra(np.zeros((2, 8)), np.zeros((3, 8)), 1)


def test_plots_write_png(tmp_path):
    results = {
        "single-16": {16: {"mse": 4e-4}, 32: {"mse": 7e-4}, 64: {"mse": 1e-3}},
        "mix-uniform": {16: {"mse": 3.7e-4}, 32: {"mse": 2.9e-4}, 64: {"mse": 2.8e-4}},
    }
    path = plot_error_vs_resolution(results, tmp_path / "err.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    k = np.arange(9.0)
    curves = {"single-16": (k, np.r_[np.nan, np.geomspace(1e-3, 1.0, 8)]), "mix": (k, k / 10)}
    path = plot_residual_spectra(curves, tmp_path / "sub" / "res.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


def test_plots_reject_bad_input(tmp_path):
    with pytest.raises(ValueError, match="non-empty"):
        plot_error_vs_resolution({}, tmp_path / "a.png")
    with pytest.raises(ValueError, match="'rel_l2'"):
        plot_error_vs_resolution({"run": {16: {"mse": 1.0}}}, tmp_path / "a.png", key="rel_l2")
    with pytest.raises(ValueError, match="non-positive"):
        plot_error_vs_resolution({"run": {16: {"mse": 0.0}}}, tmp_path / "a.png")
    with pytest.raises(ValueError, match="non-empty"):
        plot_residual_spectra({}, tmp_path / "b.png")
    with pytest.raises(ValueError, match="differ"):
        plot_residual_spectra({"run": (np.arange(4), np.ones(3))}, tmp_path / "b.png")
    assert not list(tmp_path.iterdir())

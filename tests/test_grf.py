import numpy as np
import pytest

from sciml.data.pde.base import sample_rng
from sciml.data.pde.grf import gaussian_random_field, wavenumbers


def test_grf_has_the_requested_spectrum():
    n, alpha, tau, sigma = 32, 2.0, 5.0, 25.0
    rng = np.random.default_rng(0)
    samples = np.stack([gaussian_random_field(rng, (n,), alpha, tau, sigma) for _ in range(4000)])
    coefficients = np.fft.fft(samples, axis=1) / n  # u = sum_k a_k e^{ikx}
    measured = np.mean(np.abs(coefficients) ** 2, axis=0)
    expected = sigma**2 * (wavenumbers(n) ** 2 + tau**2) ** (-alpha)
    expected[0] = 0.0
    np.testing.assert_allclose(measured[1:8], expected[1:8], rtol=0.1)
    np.testing.assert_allclose(samples.mean(axis=1), 0.0, atol=1e-12)


def test_grf_default_sigma_and_2d_isotropy():
    rng = np.random.default_rng(1)
    u = np.stack([gaussian_random_field(rng, (16, 16), 2.5, 7.0) for _ in range(2000)])
    a = np.fft.fft2(u) / 256
    power = np.mean(np.abs(a) ** 2, axis=0)
    expected = 7.0**3 * ((2 * np.pi) ** 2 + 49.0) ** (-2.5)  # |k| = 2π, sigma = tau^(alpha - 1)
    np.testing.assert_allclose([power[1, 0], power[0, 1], power[-1, 0]], expected, rtol=0.1)


def test_sample_rng_is_per_sample():
    a = gaussian_random_field(sample_rng(3, 7), (8, 8), 2.0, 3.0)
    b = gaussian_random_field(sample_rng(3, 7), (8, 8), 2.0, 3.0)
    c = gaussian_random_field(sample_rng(3, 8), (8, 8), 2.0, 3.0)
    assert a.tobytes() == b.tobytes()
    assert not np.allclose(a, c)


def test_grf_rejects_bad_parameters():
    with pytest.raises(ValueError, match="alpha and tau"):
        gaussian_random_field(np.random.default_rng(), (8,), -1.0, 3.0)

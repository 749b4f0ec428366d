import numpy as np
import pytest

from sciml.diagnostics.spectra import energy_spectrum


def test_single_mode_lands_in_its_shell_with_parseval():
    n = 32
    x = np.arange(n) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    u = 3.0 * np.cos(2 * np.pi * (3 * X + 4 * Y))
    k, energy = energy_spectrum(u, 2)
    assert k[-1] == 16
    assert np.argmax(energy) == 5  # |(3, 4)| = 5
    np.testing.assert_allclose(energy[5], 0.5 * np.mean(u**2))
    np.testing.assert_allclose(np.delete(energy, 5), 0.0, atol=1e-20)


def test_parseval_on_random_fields_and_batch_average():
    rng = np.random.default_rng(0)
    u = rng.standard_normal((4, 16, 16))
    _, energy = energy_spectrum(u, 2)
    np.testing.assert_allclose(energy.sum(), 0.5 * np.mean(u**2))
    _, energy_1d = energy_spectrum(u[0], 1)  # 16 rows of 1D signals
    np.testing.assert_allclose(energy_1d.sum(), 0.5 * np.mean(u[0] ** 2))


def test_rejects_non_square_grids():
    with pytest.raises(ValueError, match="equal spatial axes"):
        energy_spectrum(np.zeros((8, 6)), 2)

"""Energy spectra of fields on periodic grids."""

from __future__ import annotations

import numpy as np


def energy_spectrum(field: np.ndarray, spatial_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Shell-summed energy E(k) = ½ Σ_{k−½ ≤ |κ| < k+½} |û_κ|², û = FFT(u)/N, of the last
    ``spatial_dims`` axes, averaged over all leading axes; κ are integer wavenumbers.

    By Parseval, Σ_k E(k) = ½ mean(u²). Returns (k = 0 … N/2, E(k)).
    """
    if spatial_dims not in (1, 2, 3) or field.ndim < spatial_dims:
        raise ValueError(f"spatial_dims must be 1, 2 or 3 and <= field.ndim, got {spatial_dims}")
    grid = field.shape[field.ndim - spatial_dims :]
    if len(set(grid)) != 1:
        raise ValueError(f"energy_spectrum needs equal spatial axes, got {grid}")
    n = grid[0]
    axes = tuple(range(field.ndim - spatial_dims, field.ndim))
    coefficients = np.fft.fftn(field, axes=axes) / n**spatial_dims
    power = 0.5 * np.abs(coefficients) ** 2
    power = power.reshape(-1, *grid).mean(axis=0)
    kappa = np.meshgrid(*(np.fft.fftfreq(n, d=1.0 / n),) * spatial_dims, indexing="ij")
    shell = np.rint(np.sqrt(sum(k**2 for k in kappa))).astype(int).ravel()
    k_max = n // 2
    energy = np.bincount(shell, weights=power.ravel(), minlength=k_max + 1)
    # corners beyond the largest full shell are folded into it so that Parseval holds
    energy[k_max] += energy[k_max + 1 :].sum()
    return np.arange(k_max + 1), energy[: k_max + 1]

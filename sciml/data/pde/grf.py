"""Gaussian random fields on periodic grids."""

from __future__ import annotations

import numpy as np


def wavenumbers(n: int, length: float = 1.0) -> np.ndarray:
    """Angular wavenumbers 2πk/L of an ``n``-point FFT on a period of ``length``."""
    return 2.0 * np.pi * np.fft.fftfreq(n, d=1.0 / n) / length


def gaussian_random_field(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    alpha: float,
    tau: float,
    sigma: float | None = None,
    length: float = 1.0,
) -> np.ndarray:
    """A mean-zero sample of N(0, σ²(−Δ + τ²I)^(−α)) on the periodic box [0, L)^d.

    Fourier coefficients a_k are independent with E|a_k|² = σ²(|k|² + τ²)^(−α) (k angular
    wavenumbers, the k = 0 mode removed), realised as √N · IFFT(√λ_k · FFT(w)) for white noise w
    with N grid points. ``sigma`` defaults to τ^(α − d/2), the scaling of the FNO benchmarks.
    """
    if alpha <= 0 or tau <= 0:
        raise ValueError(f"alpha and tau must be positive, got alpha={alpha}, tau={tau}")
    if any(n < 1 for n in shape):
        raise ValueError(f"shape must be positive, got {shape}")
    d = len(shape)
    if sigma is None:
        sigma = tau ** (alpha - d / 2.0)
    k2 = sum(
        np.square(k) for k in np.meshgrid(*(wavenumbers(n, length) for n in shape), indexing="ij")
    )
    spectrum = sigma**2 * (k2 + tau**2) ** (-alpha)
    spectrum.flat[0] = 0.0
    white = rng.standard_normal(shape)
    field = np.fft.ifftn(np.sqrt(spectrum) * np.fft.fftn(white)).real
    return field * np.sqrt(white.size)


def cosine_random_field(
    rng: np.random.Generator, shape: tuple[int, ...], alpha: float, tau: float
) -> np.ndarray:
    """A sample of N(0, (−Δ + τ²I)^(−α)) with zero Neumann conditions on [0, 1]^d.

    Cosine modes cos(πk·x) with independent N(0, (π²|k|² + τ²)^(−α)) weights (the constant mode
    removed), evaluated at the DCT-II points (j + ½)/n: the field of the FNO Darcy scripts.
    """
    from scipy.fft import idctn

    if alpha <= 0 or tau <= 0:
        raise ValueError(f"alpha and tau must be positive, got alpha={alpha}, tau={tau}")
    if any(n < 1 for n in shape):
        raise ValueError(f"shape must be positive, got {shape}")
    k2 = sum(
        np.square(np.pi * k) for k in np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    )
    weights = (k2 + tau**2) ** (-alpha / 2.0) * rng.standard_normal(shape)
    weights.flat[0] = 0.0
    return idctn(weights, norm="ortho") * np.sqrt(weights.size)

"""Coarser views of fields stored on a fine grid.

Two ways to go from R to r points per spatial axis:

- ``"stride"``: keep every (R/r)-th point, u_c[i] = u[i·R/r]. This is how the standard
  benchmarks make their low resolutions; frequencies above r/2 alias into the coarse grid.
- ``"spectral"``: truncate the Fourier series to the r lowest modes per axis and resample,
  u_c = F_r⁻¹ P_r F_R u · (r/R)^d. No aliasing; on non-periodic data it rings near jumps.
"""

from __future__ import annotations

import numpy as np

METHODS = ("stride", "spectral")


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"downsampling method must be one of {METHODS}, got {method!r}")
    return method


def check_resolution(native: int, resolution: int, method: str) -> None:
    """Raise ``ValueError`` unless ``native`` points per axis give ``resolution`` by ``method``."""
    if not isinstance(resolution, int | np.integer) or resolution < 1:
        raise ValueError(f"resolution must be a positive integer, got {resolution!r}")
    if resolution > native:
        raise ValueError(
            f"resolution {resolution} is finer than the stored grid ({native} points per axis)"
        )
    if check_method(method) == "stride" and native % resolution:
        raise ValueError(
            f"resolution {resolution} does not divide the stored grid of {native} points; "
            f"strided views need a divisor (try one of {divisors(native)}) or method='spectral'"
        )


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def coarsen(
    field: np.ndarray, resolution: int, spatial_dims: int, method: str = "stride"
) -> np.ndarray:
    """View of ``field`` with ``resolution`` points on each of its last ``spatial_dims`` axes."""
    native = field.shape[-1]
    if any(n != native for n in field.shape[field.ndim - spatial_dims :]):
        raise ValueError(f"coarsening needs equal spatial axes, got shape {field.shape}")
    check_resolution(native, resolution, method)
    if resolution == native:
        return field
    if method == "stride":
        step = native // resolution
        index = (Ellipsis, *(slice(None, None, step),) * spatial_dims)
        return np.ascontiguousarray(field[index])
    return spectral_resample(field, resolution, spatial_dims)


def spectral_resample(field: np.ndarray, resolution: int, spatial_dims: int) -> np.ndarray:
    """Keep the Fourier modes |k| < r/2 on each spatial axis and evaluate on r points."""
    axes = tuple(range(field.ndim - spatial_dims, field.ndim))
    native = field.shape[-1]
    spectrum = np.fft.fftn(field, axes=axes)
    keep = np.fft.fftfreq(resolution, d=1.0 / resolution).astype(int)
    if resolution % 2 == 0:
        keep = keep[keep != -resolution // 2]  # drop the Nyquist mode: it has no real partner
    out_shape = field.shape[: field.ndim - spatial_dims] + (resolution,) * spatial_dims
    coarse = np.zeros(out_shape, dtype=spectrum.dtype)
    src = np.ix_(*(keep % native,) * spatial_dims)
    dst = np.ix_(*(keep % resolution,) * spatial_dims)
    coarse[(Ellipsis, *dst)] = spectrum[(Ellipsis, *src)]
    scale = (resolution / native) ** spatial_dims
    return (np.fft.ifftn(coarse, axes=axes).real * scale).astype(field.dtype, copy=False)

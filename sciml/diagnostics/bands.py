"""Errors per radial frequency band, for comparing a refined prediction with its base.

A Fourier mode ω (cycles per sample, per axis in [−½, ½)) has the radius r = |ω|/ω_nyq with
ω_nyq = ½, so r ∈ [0, √d]. Default bands: low r < ⅓, mid ⅓ ≤ r < ⅔, high r ≥ ⅔ (the high
band includes the diagonal corners beyond the Nyquist circle, r > 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

BANDS = ("low", "mid", "high")
BAND_EDGES = (1 / 3, 2 / 3)


def radial_frequency(grid: Sequence[int]) -> torch.Tensor:
    """r = |ω|/ω_nyq on the fftn grid of ``grid``."""
    axes = [torch.fft.fftfreq(n, dtype=torch.float64) for n in grid]
    mesh = torch.meshgrid(*axes, indexing="ij")
    return torch.sqrt(sum(w**2 for w in mesh)) / 0.5


def band_errors(
    pred: torch.Tensor, target: torch.Tensor, edges: Sequence[float] = BAND_EDGES
) -> dict[str, float]:
    """Σ |F(pred − target)|² over each band (orthonormal FFT over the dims after the channel
    dim, summed over batch and channels). By Parseval the bands add up to ‖pred − target‖²."""
    if pred.shape != target.shape or pred.ndim < 3:
        raise ValueError(
            f"pred and target must share a (B, C, *grid) shape, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )
    if len(edges) != len(BANDS) - 1 or list(edges) != sorted(edges):
        raise ValueError(f"edges must be {len(BANDS) - 1} increasing radii, got {edges}")
    dims = tuple(range(2, pred.ndim))
    power = torch.fft.fftn((pred - target).double(), dim=dims, norm="ortho").abs().square()
    power = power.sum(dim=(0, 1)).cpu()
    r = radial_frequency(pred.shape[2:])
    bounds = [0.0, *edges, float("inf")]
    return {
        band: float(power[(r >= lo) & (r < hi)].sum())
        for band, lo, hi in zip(BANDS, bounds[:-1], bounds[1:], strict=True)
    }


def band_ratios(
    pred: torch.Tensor,
    base: torch.Tensor,
    target: torch.Tensor,
    edges: Sequence[float] = BAND_EDGES,
) -> dict[str, float]:
    """Error of ``pred`` per band as a fraction of the base prediction's error there."""
    ours, theirs = band_errors(pred, target, edges), band_errors(base, target, edges)
    return {b: ours[b] / theirs[b] if theirs[b] > 0 else float("nan") for b in BANDS}

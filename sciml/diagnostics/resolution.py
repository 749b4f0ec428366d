"""Errors of a trained operator across test resolutions, and residual spectra.

The errors themselves come from :func:`sciml.training.trainer.evaluate`; the numerics here
(``swing``, ``residual_spectrum``, ``energy_spectra``) take numbers or arrays, and the
``plot_*`` functions draw them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from sciml.core.figures import save_figure
from sciml.diagnostics.spectra import energy_spectrum


def swing(errors: Mapping[int, Mapping[str, float]], key: str = "mse") -> float:
    """Cross-resolution swing max_r e_r / min_r e_r of the metric ``key`` (1 = flat)."""
    if not isinstance(errors, Mapping) or not errors:
        raise ValueError("errors must be a non-empty dict {resolution: {metric: value}}")
    missing = [r for r, row in errors.items() if key not in row]
    if missing:
        raise ValueError(f"key {key!r} missing from errors at resolutions {missing}")
    values = np.array([float(row[key]) for row in errors.values()])
    if not np.all(np.isfinite(values)) or values.min() <= 0:
        raise ValueError(f"swing needs finite positive {key!r} errors, got {values.tolist()}")
    return float(values.max() / values.min())


def _as_array(value: torch.Tensor | np.ndarray, name: str) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    if isinstance(value, np.ndarray):
        return value.astype(np.float64, copy=False)
    raise TypeError(f"{name} must be a torch.Tensor or numpy array, got {type(value).__name__}")


def _pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    pred, target = _as_array(pred, "pred"), _as_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(f"pred {pred.shape} and target {target.shape} must have the same shape")
    return pred, target


def residual_spectrum(
    pred: torch.Tensor | np.ndarray, target: torch.Tensor | np.ndarray, spatial_dims: int
) -> tuple[np.ndarray, np.ndarray]:
    """Residual spectrum normalised by the label spectrum, E_{pred−target}(k) / E_target(k).

    Spectra are shell sums over the last ``spatial_dims`` axes averaged over the leading axes
    (see ``energy_spectrum``). Shells where the target has no energy give NaN.
    Returns (k = 0 … N/2, ratio).
    """
    pred, target = _pair(pred, target)
    k, residual_energy = energy_spectrum(pred - target, spatial_dims)
    _, target_energy = energy_spectrum(target, spatial_dims)
    ratio = np.full_like(residual_energy, np.nan)
    np.divide(residual_energy, target_energy, out=ratio, where=target_energy > 0)
    return k, ratio


def energy_spectra(
    pred: torch.Tensor | np.ndarray, target: torch.Tensor | np.ndarray, spatial_dims: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Energy spectra E(k) of the prediction and the target, ``{"prediction", "target"}``,
    ready for ``plot_spectra``."""
    pred, target = _pair(pred, target)
    return {
        "prediction": energy_spectrum(pred, spatial_dims),
        "target": energy_spectrum(target, spatial_dims),
    }


def plot_error_vs_resolution(
    results: Mapping[str, Mapping[int, Mapping[str, float]]],
    path: str | os.PathLike,
    key: str = "mse",
) -> Path:
    """Test error ``key`` against test resolution, one line per training run, log y."""
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty dict {run: {resolution: {metric: value}}}")
    fig, ax = plt.subplots(figsize=(6, 4.5))
    resolutions: set[int] = set()
    for run, errors in results.items():
        if not errors or any(key not in row for row in errors.values()):
            plt.close(fig)
            raise ValueError(f"results[{run!r}] must be non-empty with {key!r} at every resolution")
        grid = sorted(errors)
        values = [float(errors[r][key]) for r in grid]
        if min(values) <= 0:
            plt.close(fig)
            raise ValueError(f"results[{run!r}] has non-positive {key!r}: log axis impossible")
        ax.plot(grid, values, marker="o", lw=1.2, label=run)
        resolutions.update(grid)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sorted(resolutions), [str(r) for r in sorted(resolutions)])
    ax.minorticks_off()
    ax.set_xlabel("test resolution")
    ax.set_ylabel(f"test {key}")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save_figure(fig, path)


def plot_residual_spectra(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path: str | os.PathLike
) -> Path:
    """Log-log E_residual(k)/E_target(k), one curve per label (k = 0 and NaN left out);
    the dashed line at 1 marks a residual as energetic as the label."""
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("curves must be a non-empty dict {label: (k, ratio)}")
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, (k, ratio) in curves.items():
        k, ratio = np.asarray(k, dtype=float), np.asarray(ratio, dtype=float)
        if k.shape != ratio.shape:
            plt.close(fig)
            raise ValueError(f"curves[{label!r}]: k {k.shape} and ratio {ratio.shape} differ")
        keep = (k > 0) & np.isfinite(ratio) & (ratio > 0)
        ax.loglog(k[keep], ratio[keep], label=label, lw=1.2)
    ax.axhline(1.0, color="grey", ls="--", lw=0.8)
    ax.set_xlabel("wavenumber k")
    ax.set_ylabel("E_residual(k) / E_target(k)")
    ax.set_title("residual spectrum")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save_figure(fig, path)

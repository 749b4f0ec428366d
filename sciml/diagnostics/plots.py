"""Figures written by the library (matplotlib, Agg backend)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from sciml.core.figures import save_figure  # noqa: E402


def plot_fields(
    rows: Mapping[str, Sequence[tuple[str, np.ndarray]]], path: str | os.PathLike
) -> Path:
    """A grid of 2D fields: one row per key, panels ``(title, field)`` left to right."""
    n_cols = max(len(panels) for panels in rows.values())
    fig, axes = plt.subplots(
        len(rows), n_cols, figsize=(3.6 * n_cols, 3 * len(rows)), squeeze=False
    )
    for r, (label, panels) in enumerate(rows.items()):
        for c in range(n_cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(panels):
                ax.axis("off")
                continue
            title, values = panels[c]
            image = ax.imshow(np.asarray(values).T, origin="lower", cmap="viridis")
            fig.colorbar(image, ax=ax, fraction=0.046)
            ax.set_title(title, fontsize=9)
        axes[r, 0].set_ylabel(label)
    return save_figure(fig, path)


def plot_spectra(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]],
    path: str | os.PathLike,
    title: str = "energy spectrum",
) -> Path:
    """Log-log E(k) curves, one per label (k = 0 left out)."""
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, (k, energy) in curves.items():
        keep = (k > 0) & (energy > 0)
        ax.loglog(k[keep], energy[keep], label=label, lw=1.2)
    ax.set_xlabel("wavenumber k")
    ax.set_ylabel("E(k)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    return save_figure(fig, path)


def plot_sparsity(matrices: Mapping[str, sp.spmatrix], path: str | os.PathLike) -> Path:
    """Sparsity patterns side by side."""
    fig, axes = plt.subplots(1, len(matrices), figsize=(3 * len(matrices), 3), squeeze=False)
    for ax, (name, matrix) in zip(axes[0], matrices.items(), strict=True):
        ax.spy(matrix, markersize=0.2 if matrix.nnz > 20000 else 0.6)
        ax.set_title(f"{name}\nn={matrix.shape[0]}, nnz={matrix.nnz}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    return save_figure(fig, path)

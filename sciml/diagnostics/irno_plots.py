"""Plots of a refinement run: error per iterate, band-error ratios per iterate, and the
contraction factor per step."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sciml.core.figures import save_figure  # noqa: E402
from sciml.diagnostics.bands import BANDS  # noqa: E402


def plot_refinement(report: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """Three panels over the step k (0 = base): relative L2 and VRMSE; error per frequency
    band as a ratio to the base (log scale); contraction factor q_k. A dashed line marks K."""
    rows = report["per_step"]
    steps = range(len(rows))
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for key in ("rel_l2", "vrmse"):
        axes[0].plot(steps, [r[key] for r in rows], marker="o", label=key)
    axes[0].set_ylabel("test error")
    for band in BANDS:
        axes[1].plot(steps, [r["band_ratio"][band] for r in rows], marker="o", label=band)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("band error / base's")
    axes[2].plot(range(len(report["q"])), report["q"], marker="o", color="k", label="q")
    axes[2].axhline(1.0, color="r", lw=0.8)
    axes[2].set_ylabel("contraction factor q at h_k")
    for ax in axes:
        ax.axvline(report["steps"], color="grey", ls="--", lw=0.8)
        ax.set_xlabel("refinement step k")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)

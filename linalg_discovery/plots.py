"""Figures of searches and of the benchmark (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sciml.core.figures import save_figure  # noqa: E402


def plot_search_curves(
    curves: Mapping[str, Sequence[tuple[int, float]]], path: str | Path, title: str = ""
) -> Path:
    """Best reward found against simulations, one line per search; written to ``path``."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, curve in curves.items():
        if curve:
            sims, best = zip(*curve, strict=True)
            ax.step(sims, best, where="post", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("simulations")
    ax.set_ylabel("best reward")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_benchmark(results: Mapping, path: str | Path) -> Path:
    """Left: unique program evaluations per stage for each search (median over seeds); right:
    time of the exported solver and the baselines at equal accuracy."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    runs = results.get("stages", [])
    names = list(dict.fromkeys(r["stage"] for r in runs))
    searches = list(dict.fromkeys(r["search"] for r in runs))
    width = 0.8 / max(len(searches), 1)
    for i, search in enumerate(searches):
        values = []
        for name in names:
            sims = sorted(
                r["evaluations"] for r in runs if r["stage"] == name and r["search"] == search
            )
            values.append(sims[len(sims) // 2] if sims else 0)
        found = sum(r["found"] for r in runs if r["search"] == search)
        total = sum(1 for r in runs if r["search"] == search)
        label = f"{search} (target found {found}/{total})"
        left.bar([k + i * width for k in range(len(names))], values, width, label=label)
    left.set_xticks(
        [k + 0.4 - width / 2 for k in range(len(names))], names, rotation=60, ha="right"
    )
    left.set_yscale("log")
    left.set_ylabel("unique program evaluations (median over seeds)")
    left.legend()
    solver = results.get("solver", {})
    labels = [
        k
        for k in (
            "exported",
            "exported-d16-k8",
            "numpy.lstsq(gelsd)",
            "scipy.lstsq(gelsy)",
            "householder-qr",
            "scipy.lsqr+sketched-R",
            "scipy.lsqr",
        )
        if k in solver
    ]
    right.bar(labels, [solver[k]["seconds"] for k in labels])
    right.tick_params(axis="x", labelrotation=20)
    for k, label in enumerate(labels):
        right.annotate(
            f"fwd {solver[label]['forward_error']:.0e}",
            (k, solver[label]["seconds"]),
            ha="center",
            va="bottom",
        )
    right.set_yscale("log")
    right.set_ylabel("seconds (annotated: forward error)")
    right.set_title(solver.get("problem", ""))
    fig.tight_layout()
    return save_figure(fig, path)

"""Figures for the benchmark and the demo (matplotlib, Agg backend); files are written to a
temporary name and renamed."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sciml.core.figures import save_figure  # noqa: E402


def plot_residual_polynomials(
    lam: np.ndarray, curves: dict[str, np.ndarray], eigenvalues: np.ndarray | None, path
) -> None:
    """1 − λp(λ) of several polynomials over the (scaled) spectrum, eigenvalues as ticks."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, values in curves.items():
        ax.plot(lam, values, label=label, lw=1.4)
    if eigenvalues is not None:
        ax.plot(
            eigenvalues,
            np.full(eigenvalues.size, -1.05),
            "|",
            color="0.4",
            ms=6,
            label="eigenvalues (Ritz)",
        )
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.set_xscale("log")
    ax.set_ylim(-1.1, 1.1)
    ax.set_xlabel("λ of the Jacobi-scaled operator")
    ax.set_ylabel("1 − λ p(λ)")
    ax.legend(fontsize=8)
    ax.set_title("residual polynomials, degree-10 preconditioners")
    save_figure(fig, path)


def plot_convergence(histories: dict[str, tuple[np.ndarray, np.ndarray]], path) -> None:
    """Relative residual against cumulative matvecs (left) and outer iterations (right)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for label, (matvecs, residuals) in histories.items():
        axes[0].semilogy(matvecs, residuals, label=label, lw=1.2)
        axes[1].semilogy(np.arange(1, residuals.size + 1), residuals, label=label, lw=1.2)
    axes[0].set_xlabel("matvecs with A (setup included)")
    axes[1].set_xlabel("outer CG iterations (= global reductions / 3)")
    for ax in axes:
        ax.set_ylabel("‖b − Ax‖ / ‖b‖")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    save_figure(fig, path)


def plot_benchmark(results: dict[str, Any], path) -> None:
    """Four panels: matvecs / Jacobi-CG per method and matrix; outer iterations / Jacobi-CG;
    f(A)b relative errors per method; matvecs to 8 eigenpairs per method."""
    from solvers.comparison import POLY_METHODS

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    spd = [r for r in results["matrices"] if r["kind"] != "nonsymmetric" and "cg" in r]
    for key, ax, title in (
        ("matvecs", axes[0, 0], "total matvecs / Jacobi-CG (CG, rtol 1e-8)"),
        ("iterations", axes[0, 1], "outer iterations / Jacobi-CG"),
    ):
        for j, method in enumerate(POLY_METHODS + ("pyamg-sa",)):
            ys = []
            for row in spd:
                ref, entry = row["cg"]["jacobi"], row["cg"].get(method, {})
                if "error" not in entry and entry.get("converged"):
                    ys.append(entry[key] / ref[key])
            ax.plot(np.full(len(ys), j) + np.linspace(-0.2, 0.2, len(ys)), ys, "o", ms=4)
        ax.set_xticks(range(len(POLY_METHODS) + 1), POLY_METHODS + ("pyamg-sa",), rotation=30)
        ax.set_yscale("log")
        ax.axhline(1.0, color="0.6", lw=0.8)
        if key == "matvecs":
            ax.axhline(1.2, color="r", lw=0.8, ls="--", label="target 1.2")
            ax.legend(fontsize=8)
        ax.set_title(title)
    ax = axes[1, 0]
    methods = ("learned", "chebyshev", "lanczos", "krylov")
    labels = [f"{r['f']}\n{r['matrix'].split('/')[-1]}" for r in results["funm"]]
    x = np.arange(len(labels))
    for j, method in enumerate(methods):
        ax.bar(
            x + (j - 1.5) * 0.2,
            [r[method]["relative_error"] for r in results["funm"]],
            0.2,
            label=method,
        )
    ax.set_xticks(x, labels, fontsize=6, rotation=90)
    ax.set_yscale("log")
    ax.set_ylabel("relative error of f(A)b")
    ax.set_title("f(A)b, degree 10 (step: 20); Lanczos at equal total matvecs (probe + d)")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    eig_methods = (
        "filtered",
        "filtered+learned",
        "filtered-lanczos",
        "arpack",
        "lobpcg",
        "lobpcg+learned",
    )
    labels = [f"{r['matrix'].split('/')[-1]} {r['which']}" for r in results["eigs"]]
    x = np.arange(len(labels))
    for j, method in enumerate(eig_methods):
        vals = [r[method]["matvecs"] if method in r else np.nan for r in results["eigs"]]
        ax.bar(x + (j - 2) * 0.16, vals, 0.16, label=method)
    ax.set_xticks(x, labels, fontsize=7, rotation=30)
    ax.set_yscale("log")
    ax.set_ylabel("matvecs to 8 eigenpairs (rel. residual 1e-6)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)

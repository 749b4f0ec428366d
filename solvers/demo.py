"""The ``sciml demo`` stage of AutoSpec: SciPy CG on a shipped real SPD matrix with the learned
polynomial preconditioner, against Jacobi-CG (the reference on the same scaled operator), the
Chebyshev polynomial of the same degree and pyamg smoothed aggregation."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from sciml.data.matrices import load_matrix
from solvers.comparison import solve
from solvers.plots import plot_convergence, plot_residual_polynomials
from solvers.preconditioner import polynomial_preconditioner

DEMO_MATRIX = "HB/bcsstk15"
DEMO_METHODS = ("jacobi", "chebyshev", "learned", "pyamg-sa")
DEGREE = 10


def demo_stage(out_dir: Path, seed: int, progress: bool) -> str:
    """Solve bcsstk15 (n = 3948) to rtol 1e-8 with each method, write
    ``figures/autospec_residual_polynomials.png`` and ``figures/autospec_convergence.png`` under
    ``out_dir`` and return a Markdown section (table + image links relative to ``out_dir``).
    Takes a few seconds."""
    out_dir = Path(out_dir)
    figures = out_dir / "figures"
    a = load_matrix(DEMO_MATRIX)
    b = np.random.default_rng(seed).standard_normal(a.shape[0])
    rows, histories = {}, {}
    for method in DEMO_METHODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            row = solve(a, b, method, degree=DEGREE, seed=seed, history=True)
        rows[method] = row
        per_step = 1 + (DEGREE if method in ("chebyshev", "learned") else 0)
        steps = np.arange(1, len(row["history"]) + 1)
        histories[method] = (row["setup_matvecs"] + per_step * steps, np.array(row["history"]))
    plot_convergence(histories, figures / "autospec_convergence.png")

    curves, ritz = {}, None
    for method in ("chebyshev", "learned"):
        m = polynomial_preconditioner(a, DEGREE, method, seed)
        ritz = m.probe.ritz
        lam = np.geomspace(1e-4 * m.probe.upper, m.probe.upper, 600)
        curves[f"{method} (used: {m.method})"] = m.residual_polynomial(lam)
    plot_residual_polynomials(lam, curves, ritz, figures / "autospec_residual_polynomials.png")

    ref = rows["jacobi"]["matvecs"]
    lines = [
        f"`{DEMO_MATRIX}` (n = {a.shape[0]}, nnz = {a.nnz}), b ~ N(0, I) (seed {seed}), "
        f"`scipy.sparse.linalg.cg` to rtol 1e-8, polynomial degree {DEGREE} in the "
        "Jacobi-scaled operator. Matvecs include the 20-step Lanczos probe; the reference is "
        "Jacobi-CG (CG on the same scaled operator); pyamg's V-cycles are not counted as "
        "matvecs.",
        "",
        "| method | outer iterations | matvecs | vs Jacobi-CG | inner products | seconds | "
        "converged |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for method, row in rows.items():
        lines.append(
            f"| {method} | {row['iterations']} | {row['matvecs']} | {row['matvecs'] / ref:.2f} | "
            f"{row['inner_products']} | {row['seconds']:.2f} | {row['converged']} |"
        )
    lines += [
        "",
        "![residual polynomials](figures/autospec_residual_polynomials.png)",
        "",
        "![convergence](figures/autospec_convergence.png)",
        "",
    ]
    return "\n".join(lines)

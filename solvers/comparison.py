"""The comparison harness used by the benchmark, ``sciml precond eval`` and the demo: one
right-hand side, every preconditioner, SciPy's CG / MINRES (SPD) or GMRES, counted alike.

Per method: outer ``iterations``; ``matvecs`` = outer products with A + those inside the
preconditioner + its setup (probe, Arnoldi); ``inner_products`` = global reductions of the setup
and of the outer solve, counted alike: CG 3 per iteration (⟨r, z⟩, ⟨p, Ap⟩, ‖r‖), MINRES 3,
GMRES j+2 at inner step j (modified Gram–Schmidt), a probe or Arnoldi step 3 (see
:mod:`solvers.probes`); ``setup_matvecs``/``setup_inner_products`` the setup's part;
``method_used`` the polynomial actually applied and, after a fallback, ``fallback`` why (not
positive for CG/MINRES, or not shrinking residuals for GMRES); ``seconds`` = setup + solve wall
time; ``converged`` = the solver's own test (SciPy ``info == 0``; MINRES
tests a preconditioned residual estimate), with ``relative_residual`` = ‖b − Ax‖/‖b‖ checked afresh.
pyamg smoothed aggregation and ILU (spilu) are strong references: their matvecs count only the
outer products with A (a V-cycle or a triangular solve is not a product with A), and
``work_units`` adds the cost of one application in units of nnz(A) (operator complexity × 2
smoothing sweeps + 1, resp. nnz(L+U)/nnz(A)). ILU is not symmetric, so its rows always use
GMRES (marked ``"solver": "gmres"``).
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyamg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.core.checks import check_tolerance
from sciml.core.rng import numpy_global_seed
from solvers.linear_operators import CountingOperator, check_operator, is_symmetric
from solvers.methods import POLYNOMIAL_METHODS
from solvers.preconditioner import polynomial_preconditioner
from solvers.registry import get_model

POLY_METHODS = POLYNOMIAL_METHODS.names()
METHODS = ("none", *POLY_METHODS, "pyamg-sa", "ilu")
FIELDS = ("iterations", "matvecs", "inner_products", "seconds", "converged")


def _preconditioner(
    method: str, a: sp.csr_matrix, degree: int, seed: int, solver: str, model_dir, model=None
):
    """(M, setup matvecs, setup reductions, counter of products inside M, work units per
    application)."""
    if method == "none":
        return None, 0, 0, None, 0.0
    if method == "pyamg-sa":
        with numpy_global_seed(seed):  # pyamg draws its spectral-radius start vector here
            ml = pyamg.smoothed_aggregation_solver(a)
        return ml.aspreconditioner(cycle="V"), 0, 0, None, 2.0 * ml.operator_complexity() + 1.0
    if method == "ilu":
        ilu = spla.spilu(a.tocsc(), drop_tol=1e-4, fill_factor=10)
        m = spla.LinearOperator(a.shape, matvec=ilu.solve, dtype=np.float64)
        return m, 0, 0, None, (ilu.L.nnz + ilu.U.nnz) / a.nnz
    deg = 1 if method == "jacobi" else degree
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = polynomial_preconditioner(
            a, deg, method, seed, solver=solver, model_dir=model_dir, model=model
        )
    return m, m.setup_matvecs, m.setup_reductions, m, float(m.degree)


def solve(
    a: sp.csr_matrix,
    b: np.ndarray,
    method: str,
    *,
    solver: str = "cg",
    degree: int = 10,
    rtol: float = 1e-8,
    maxiter: int = 20_000,
    seed: int = 0,
    history: bool = False,
    model_dir=None,
    model=None,
) -> dict[str, Any]:
    """Solve Ax = b with ``solver`` ∈ {cg, minres, gmres} and preconditioner ``method``;
    the counts of the module docstring (and the relative residual history when asked)."""
    if method not in METHODS and method not in POLYNOMIAL_METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if solver not in ("cg", "minres", "gmres"):
        raise ValueError(f"solver must be 'cg', 'minres' or 'gmres', got {solver!r}")
    start = time.perf_counter()
    m, setup, setup_reductions, inner, work = _preconditioner(
        method, a, degree, seed, solver, model_dir, model
    )
    counter = CountingOperator(a)
    norm_b = np.linalg.norm(b)
    residuals: list[float] = []
    steps = [0]

    def callback(arg):
        steps[0] += 1
        if history and solver != "gmres":
            residuals.append(float(np.linalg.norm(b - a @ arg) / norm_b))
        elif history:
            residuals.append(float(arg))

    if method == "ilu" and solver != "gmres":  # ILU is not symmetric: CG/MINRES would misuse it
        solver = "gmres"
    if solver == "cg":
        x, info = spla.cg(counter, b, rtol=rtol, maxiter=maxiter, M=m, callback=callback)
        reductions = 3 * steps[0]
    elif solver == "minres":
        x, info = spla.minres(counter, b, rtol=rtol, maxiter=maxiter, M=m, callback=callback)
        reductions = 3 * steps[0]
    else:
        restart = 30
        x, info = spla.gmres(
            counter,
            b,
            rtol=rtol,
            restart=restart,
            maxiter=-(-maxiter // restart),  # whole cycles, at least one
            M=m,
            callback=callback,
            callback_type="pr_norm",
        )
        full, part = divmod(steps[0], restart)
        per_cycle = sum(j + 2 for j in range(restart))
        reductions = full * per_cycle + sum(j + 2 for j in range(part))
    seconds = time.perf_counter() - start
    matvecs = counter.matvecs + (inner.matvecs if inner is not None else 0) + setup
    relres = float(np.linalg.norm(b - a @ x) / norm_b)
    out = {
        "iterations": steps[0],
        "matvecs": int(matvecs),
        "setup_matvecs": int(setup),
        "inner_products": int(reductions + setup_reductions),
        "setup_inner_products": int(setup_reductions),
        "seconds": seconds,
        "converged": bool(info == 0),
        "relative_residual": relres,
        "work_units": float(counter.matvecs * (1.0 + work) + setup)
        if method in ("pyamg-sa", "ilu")
        else float(matvecs),
    }
    if history:
        out["history"] = residuals
    if method == "ilu":
        out["solver"] = solver
    if m is not None and method not in ("pyamg-sa", "ilu"):
        out["method_used"] = m.method
        if m.fallback is not None:
            out["fallback"] = m.fallback
    return out


def compare(
    a,
    *,
    name: str = "A",
    methods: tuple[str, ...] | None = None,
    solvers: tuple[str, ...] | None = None,
    degree: int = 10,
    rtol: float = 1e-8,
    seed: int = 0,
    maxiter: int = 20_000,
    model_dir=None,
) -> dict[str, Any]:
    """Solve Ax = b with every preconditioner and Krylov solver, counted alike.

    Every method with every applicable solver (CG and MINRES for symmetric A with a positive
    diagonal, GMRES otherwise) on b = seeded standard normal; methods that cannot apply (e.g.
    a zero diagonal for Jacobi scaling) are reported with an ``error``. The counts of each row
    are those of the module docstring (:mod:`solvers.comparison`).

    Parameters
    ----------
    a : sparse matrix or ndarray
        Square, real, explicit (pyamg and ILU need its entries), not all zero.
    name : str, default "A"
        The label of the matrix in the result.
    methods : tuple of str, optional
        Preconditioners among "none", the polynomial methods of
        :data:`~solvers.methods.POLYNOMIAL_METHODS`, "pyamg-sa" and "ilu" (default: all).
        An unknown name is not refused: its rows hold an ``error``.
    solvers : tuple of str, optional
        Krylov solvers among "cg", "minres" and "gmres" (default: as above).
    degree : int, default 10
        Degree of the polynomial preconditioners.
    rtol : float, default 1e-8
        Relative residual tolerance of the solvers, in [machine epsilon, 1).
    seed : int, default 0
        Seed of b, of the probes and of pyamg's setup.
    maxiter : int, default 20000
        Iteration cap of the solvers (GMRES: ⌈``maxiter`` / 30⌉ restart cycles of 30).
    model_dir : str or os.PathLike, optional
        Folder of retrained models for "learned" (default: the shipped ones).

    Returns
    -------
    dict
        {"name", "n", "nnz", "symmetric", "degree", "rtol", "<solver>": {method: row}}, a row
        holding ``iterations``, ``matvecs``, ``setup_matvecs``, ``inner_products``,
        ``setup_inner_products``, ``seconds``, ``converged``, ``relative_residual``,
        ``work_units`` (and ``method_used``, ``fallback``, ``solver`` where they apply), or
        ``{"error": message}``.

    Raises
    ------
    ValueError
        For ``rtol`` outside [machine epsilon, 1), a ``maxiter`` < 1, a matrix that is not
        square, is complex or has NaN/Inf entries, the zero matrix, or no learned model at
        ``degree`` in ``model_dir``.
    TypeError
        If ``a`` is a ``LinearOperator`` (or no matrix at all).
    FileNotFoundError
        If ``model_dir`` does not exist.

    See Also
    --------
    compare_matrix : The same for a matrix of the collection, by name.
    format_comparison : The result as a table.
    polynomial_preconditioner : The polynomial preconditioners compared.

    Examples
    --------
    >>> from sciml.data.matrices import poisson2d
    >>> result = compare(poisson2d(8), methods=("jacobi", "chebyshev"), degree=5)
    >>> result["n"], result["symmetric"], [s for s in ("cg", "minres", "gmres") if s in result]
    (64, True, ['cg', 'minres'])
    >>> row = result["cg"]["chebyshev"]
    >>> row["converged"], row["iterations"], row["setup_matvecs"], row["matvecs"]
    (True, 9, 20, 74)
    >>> result["cg"]["jacobi"]["iterations"], result["cg"]["jacobi"]["inner_products"]
    (26, 78)
    """
    _check_settings(rtol, maxiter, model_dir)
    a = check_operator(a)
    if not sp.issparse(a):
        raise TypeError("compare needs an explicit sparse matrix (pyamg and ILU need entries)")
    if a.count_nonzero() == 0:
        raise ValueError("A is the zero matrix: Ax = b has no solution for the random b")
    methods = methods or METHODS
    if model_dir is not None and "learned" in methods:  # the user's models: refuse bad ones now
        get_model("precond", degree, model_dir)
    symmetric = is_symmetric(a)
    spd_like = symmetric and bool(np.all(a.diagonal() > 0))
    solvers = solvers or (("cg", "minres") if spd_like else ("gmres",))
    b = np.random.default_rng(seed).standard_normal(a.shape[0])
    out: dict[str, Any] = {
        "name": name,
        "n": int(a.shape[0]),
        "nnz": int(a.nnz),
        "symmetric": symmetric,
        "degree": degree,
        "rtol": rtol,
    }
    for solver in solvers:
        rows = {}
        for method in methods:
            try:
                rows[method] = solve(
                    a,
                    b,
                    method,
                    solver=solver,
                    degree=degree,
                    rtol=rtol,
                    maxiter=maxiter,
                    seed=seed,
                    model_dir=model_dir,
                )
            except (ValueError, RuntimeError, ArithmeticError) as err:  # e.g. singular ILU
                rows[method] = {"error": str(err)}
        out[solver] = rows
    return out


def _check_settings(rtol: object, maxiter: object, model_dir) -> None:
    """``ValueError``/``FileNotFoundError`` before any work for a tolerance outside [eps, 1), a
    non-positive iteration cap or a models folder that does not exist."""
    check_tolerance(rtol, "rtol")
    if isinstance(maxiter, bool) or not isinstance(maxiter, int) or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    if model_dir is not None and not Path(model_dir).is_dir():
        problem = "is not a folder" if Path(model_dir).exists() else "does not exist"
        raise FileNotFoundError(f"models folder {str(model_dir)!r} {problem}")


def format_comparison(result: dict[str, Any]) -> str:
    """A plain-text table per solver of a :func:`compare` result.

    Rows are methods, columns iterations, matvecs, matvecs relative to the Jacobi row of the
    same solver ("-" without one), inner products, seconds and converged; a row with an
    ``error`` shows its message, a fallback or ILU's GMRES is noted after the row. Solvers
    other than "cg", "minres" and "gmres" are left out.

    Parameters
    ----------
    result : dict
        What :func:`compare` or :func:`compare_matrix` returned.

    Returns
    -------
    str
        A header line (name, n, nnz, degree, rtol), then per solver a blank line, a column
        header and one line per method.

    See Also
    --------
    compare : Makes ``result``.

    Examples
    --------
    >>> from sciml.data.matrices import poisson2d
    >>> result = compare(poisson2d(8), methods=("jacobi", "chebyshev"), solvers=("cg",), degree=5)
    >>> print(format_comparison(result))
    A: n=64, nnz=288, degree=5, rtol=1e-08
    <BLANKLINE>
    CG               iters   matvecs vs jacobi    inner   seconds  converged
    jacobi              26        26      1.00       78     ...  True
    chebyshev            9        74      2.85       88     ...  True
    """
    lines = [
        f"{result['name']}: n={result['n']}, nnz={result['nnz']}, degree={result['degree']}, "
        f"rtol={result['rtol']:g}"
    ]
    for solver in ("cg", "minres", "gmres"):
        if solver not in result:
            continue
        rows = result[solver]
        ref = rows.get("jacobi", {}).get("matvecs")
        lines.append("")
        lines.append(
            f"{solver.upper():<14}{'iters':>8}{'matvecs':>10}{'vs jacobi':>10}"
            f"{'inner':>9}{'seconds':>10}  converged"
        )
        for method, row in rows.items():
            if "error" in row:
                lines.append(f"{method:<14}  error: {row['error']}")
                continue
            ratio = f"{row['matvecs'] / ref:.2f}" if ref else "-"
            note = ""
            if row.get("method_used", method) != method:
                why = row.get("fallback", "polynomial not positive")
                note = f"  (fell back to {row['method_used']}: {why})"
            elif "solver" in row:
                note = f"  (with {row['solver']})"
            lines.append(
                f"{method:<14}{row['iterations']:>8}{row['matvecs']:>10}{ratio:>10}"
                f"{row['inner_products']:>9}{row['seconds']:>10.3f}  {row['converged']}{note}"
            )
    return "\n".join(lines)


def compare_matrix(
    name: str,
    *,
    degree: int = 10,
    rtol: float = 1e-8,
    seed: int = 0,
    maxiter: int = 20_000,
    model_dir: str | os.PathLike | None = None,
    methods: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """:func:`compare` for a matrix of the collection (``sciml precond eval --matrix NAME``).

    The matrix is loaded by :func:`sciml.data.matrices.load_matrix`; the ``RuntimeWarning``
    of a polynomial fallback is silenced (the row's ``method_used`` and ``fallback`` say it).

    Parameters
    ----------
    name : str
        A name :func:`sciml.data.matrices.load_matrix` knows, e.g. "HB/nos4" or
        "poisson2d-16".
    degree : int, default 10
        Degree of the polynomial preconditioners.
    rtol : float, default 1e-8
        Relative residual tolerance of the solvers, in [machine epsilon, 1).
    seed : int, default 0
        Seed of b, of the probes and of pyamg's setup.
    maxiter : int, default 20000
        Iteration cap of the solvers.
    model_dir : str or os.PathLike, optional
        Folder of retrained models for "learned" (default: the shipped ones).
    methods : tuple of str, optional
        Preconditioners to compare (default: all, see :func:`compare`).

    Returns
    -------
    dict
        {"name", "n", "nnz", "symmetric", "degree", "rtol", "<solver>": {method: {iterations,
        matvecs, setup_matvecs, inner_products, seconds, converged, relative_residual, ...}}}.

    Raises
    ------
    ValueError
        For an unknown name (from :func:`sciml.data.matrices.load_matrix`), ``rtol`` outside
        [machine epsilon, 1), a ``maxiter`` < 1, or as :func:`compare` does.
    FileNotFoundError
        If ``model_dir`` does not exist (checked before the matrix is loaded).

    See Also
    --------
    compare : The same for a matrix in hand.
    format_comparison : The result as a table.

    Examples
    --------
    >>> result = compare_matrix("HB/nos4", methods=("jacobi", "learned"))
    >>> result["name"], result["n"], result["nnz"], result["symmetric"]
    ('HB/nos4', 100, 594, True)
    >>> jacobi, learned = result["cg"]["jacobi"], result["cg"]["learned"]
    >>> jacobi["converged"], learned["converged"], learned["method_used"]
    (True, True, 'learned')
    >>> learned["iterations"] < jacobi["iterations"] / 4  # degree 10: 12 against 77
    True
    """
    from sciml.data.matrices import load_matrix

    _check_settings(rtol, maxiter, model_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return compare(
            load_matrix(name),
            name=name,
            degree=degree,
            rtol=rtol,
            seed=seed,
            maxiter=maxiter,
            model_dir=model_dir,
            methods=methods,
        )

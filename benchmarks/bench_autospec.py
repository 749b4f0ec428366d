"""AutoSpec benchmark: learned polynomial preconditioners, matrix functions and filtered
eigensolvers against classical baselines, all measured in the same run (trained only on
synthetic diagonal operators; the real matrices are never seen in training).

- ``matrices``: per matrix, CG and MINRES (SPD) or GMRES (nonsymmetric) to rtol 1e-8 with every
  preconditioner of :mod:`solvers.comparison` (degree 10): iterations, matvecs (setup included),
  inner products, seconds, converged. The reference is CG with Jacobi, i.e. CG on the same scaled
  operator the polynomials act on.
- ``funm``: relative error of f(A)b at degree d = 10 (20 for the step) for the learned expansion,
  the Chebyshev interpolant on the same probe and interval, Lanczos with the same total matvecs
  (probe + d, "lanczos"), Lanczos with d matvecs ("lanczos-d": the comparison for the learned
  method with its probe amortised over many right-hand sides, reported separately and labelled)
  and SciPy's ``funm_multiply_krylov`` (rtol 1e-10, its own matvecs).
- ``funm_structured``: f(A)b on spectra with structure: synthetic (large isolated
  eigenvalues above a bulk, small ones below it, five clusters, two bands with a gap; seeds
  2001–2004) and the shipped real matrices whose spectra have them (power networks and
  bcsstk08: most eigenvalues below 1% of λ_max, a few large outliers, relative gaps of 0.28–0.61
  of the span). Per function (same four as ``funm``, same degrees): the polynomial fitted to the
  probe's spectral measure ("measure", :mod:`solvers.measure_fit`), the Chebyshev interpolant and
  the learned expansion on the same probe, Lanczos with the same total matvecs (probe + d) and
  Lanczos with d + ⌊probe/m⌋ = d steps, which is equal total matvecs for a block of m ≥ 21
  right-hand sides sharing one probe ("lanczos-block").
- ``eigs``: matvecs to k = 8 eigenpairs at relative residual 1e-6: filtered subspace iteration
  with the Chebyshev filter ("filtered") and with the learned filter ("filtered+learned"; both
  with locking and a degree per column, at most 12), ARPACK on the degree-2 Chebyshev filter
  of the probe's [θ_9, u] ("filtered-lanczos", :mod:`solvers.filtered_lanczos`), ARPACK,
  LOBPCG, LOBPCG with the learned preconditioner (smallest ones). ARPACK can miss a copy of a
  multiple eigenvalue with small residuals; the inertia check of :func:`solvers.eigsh` then
  marks it not converged, and the ratio to ARPACK is also given where both converged.
- ``heldout``: operators the models never saw (seeds 1001–1007; training draws its spectra from
  seeds 0 and 10 000), each handed to ``polynomial_preconditioner`` as a matrix-free
  ``LinearOperator`` that counts its products (symmetry test and probe included): outlier
  spectra (a bulk plus a few large isolated eigenvalues), badly scaled operators D K D, rotated
  anisotropic diffusion, 3D Poisson, a clustered spectrum and a Darcy field. CG to rtol 1e-8 with
  the learned degree-10 polynomial, Chebyshev of degree 10 on the same probe, and
  ``degree="auto"`` with a reduction costing one matvec (ρ = 1) and nothing (ρ = 0); the
  references are plain CG and Jacobi-CG (the diagonal is given to the reference only).
- ``families``: per family of :mod:`solvers.family` (Darcy fields, anisotropic diffusion), a
  degree-10 model fitted to members 0–47 (32×32 grid; 36 train, 12 validation) and CG on held-out
  members 1000–1007 with Jacobi, Chebyshev on the same probe, the shipped model and the fitted
  one (all Jacobi-scaled, probe counted).
- ``distributed``: CG on 2 gloo processes (:mod:`solvers.distributed`: rows split, all_gather +
  local SpMV per matvec, all_reduce per reduction) on three small systems where communication
  dominates: Jacobi-CG, learned and Chebyshev degree-10 polynomial CG; wall time per solve
  (median of 5, probe setup excluded), time in all_gather / all_reduce, and the cost model
  matvecs·t_mv + reductions·t_red + local work (CG iterations, polynomial steps), every unit
  measured apart in back-to-back calls just before each solve (turns alternate).
  ``--gpu`` adds ``distributed_gpu`` (:mod:`benchmarks.autospec_distributed`): the same on
  ``torch.cuda.device_count()`` ranks with ``device="cuda"`` (NCCL, CUDA sparse matvecs, one
  host synchronisation per CG iteration) on HB/gr_30_30, HB/1138_bus and HB/bcsstk15, median
  of 3, rows labelled with the device name.
- ``summary``: the issue's targets on the median real SPD matrix, met or missed, with ratios;
  global reductions include every setup (probe, Arnoldi); a preconditioner that fell back to
  another polynomial is counted as the one used (``method_used``, ``fallbacks``), and a learned
  row that fell back is left out of the learned medians.

Every solve stops at 20,000 outer iterations (a polynomial method: 220,000 matvecs).
Quick mode: 9 real SPD, 2 generated SPD, 2 nonsymmetric matrices, CG only for the SPD ones
(MINRES on 2), 3 matrices for f(A)b and eigenpairs. Full mode: all shipped SPD (16) and
nonsymmetric (4) matrices, CG and MINRES everywhere, more generated matrices.
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from tqdm.auto import tqdm

from benchmarks.autospec_distributed import (
    compare_distributed,
    gpu_section,
    summarise_distributed,
)
from sciml.data.matrices import (
    anisotropic2d,
    darcy,
    list_matrices,
    load_matrix,
    poisson2d,
    poisson3d,
    synthetic,
    synthetic_symmetric,
)
from solvers.comparison import compare
from solvers.eigen import eigsh
from solvers.matfun import funm, scalar_function
from solvers.preconditioner import polynomial_preconditioner

DEGREE = 10
QUICK_SPD = (
    "HB/nos4",
    "HB/494_bus",
    "HB/gr_30_30",
    "HB/nos3",
    "HB/bcsstk08",
    "HB/bcsstk09",
    "HB/1138_bus",
    "HB/bcsstk21",
    "HB/bcsstk15",
)
QUICK_MINRES = ("HB/nos3", "HB/bcsstk15")
QUICK_GENERATED = (("poisson2d-64", {}), ("synthetic-geometric-2000", {"cond": 1e5, "seed": 1}))
FULL_GENERATED = QUICK_GENERATED + (
    ("poisson3d-16", {}),
    ("anisotropic2d-64", {}),
    ("darcy-64", {}),
    ("synthetic-clustered-2000", {"cond": 1e6, "seed": 2}),
    ("synthetic-outliers-2000", {"cond": 1e6, "seed": 3}),
)
QUICK_NONSYM = ("Bai/pde2961", "HB/orsirr_1")
FUNM_MATRICES = ("HB/nos4", "HB/gr_30_30", "poisson2d-24")
PROBE_STEPS = 20
EIG_MATRICES = ("HB/gr_30_30", "HB/nos3", "poisson2d-24")
FUNCTIONS = (
    ("inv", {}, DEGREE),
    ("invsqrt", {}, DEGREE),
    ("exp", {"tau": 10.0}, DEGREE),
    ("step", {"fraction": 0.1}, 20),
)


def _spd_names(quick: bool) -> list[str]:
    if quick:
        return list(QUICK_SPD)
    return [m.name for m in list_matrices("suitesparse") if m.spd]


def _nonsym_names(quick: bool) -> list[str]:
    if quick:
        return list(QUICK_NONSYM)
    return [m.name for m in list_matrices("suitesparse") if not m.symmetric]


def preconditioning(quick: bool, progress: bool) -> list[dict[str, Any]]:
    jobs = [(n, {}, "real-spd") for n in _spd_names(quick)]
    jobs += [(n, p, "generated-spd") for n, p in (QUICK_GENERATED if quick else FULL_GENERATED)]
    jobs += [(n, {}, "nonsymmetric") for n in _nonsym_names(quick)]
    rows = []
    for name, params, kind in tqdm(jobs, desc="preconditioning", disable=not progress):
        a = load_matrix(name, **params)
        solvers = None
        if kind != "nonsymmetric":
            solvers = ("cg", "minres") if (not quick or name in QUICK_MINRES) else ("cg",)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = compare(a, name=name, solvers=solvers, degree=DEGREE, maxiter=20_000)
        rows.append({**result, "kind": kind, "params": params})
    return rows


HELDOUT_METHODS = (
    ("learned", {"degree": DEGREE, "method": "learned"}),
    ("chebyshev", {"degree": DEGREE, "method": "chebyshev"}),
    ("auto", {"degree": "auto", "method": "learned", "reduction_cost": 1.0}),
    ("auto-matvecs", {"degree": "auto", "method": "learned", "reduction_cost": 0.0}),
)


def _badly_scaled(a: sp.csr_matrix, seed: int, decades: float) -> sp.csr_matrix:
    """D A D with log10 of the diagonal D uniform in [−decades, decades]."""
    d = sp.diags(10.0 ** np.random.default_rng(seed).uniform(-decades, decades, a.shape[0]))
    return sp.csr_matrix(d @ a @ d)


def heldout_cases() -> list[tuple[str, sp.csr_matrix]]:
    """The seeded held-out operators (module docstring)."""
    bulk5 = np.random.default_rng(1001).uniform(1.0, 10.0, 1995)
    bulk3 = np.geomspace(1.0, 100.0, 1997)
    return [
        ("outliers-5", synthetic_symmetric(np.r_[bulk5, np.geomspace(1e3, 1e4, 5)], seed=1001)),
        ("outliers-3", synthetic_symmetric(np.r_[bulk3, 2e4, 5e4, 1e5], seed=1002)),
        ("badly-scaled-poisson2d-40", _badly_scaled(poisson2d(40), 1003, 1.5)),
        ("badly-scaled-darcy-48", _badly_scaled(darcy(48, seed=1004), 1005, 1.0)),
        ("anisotropic2d-48", anisotropic2d(48, epsilon=1e-2, theta=0.3)),
        ("poisson3d-14", poisson3d(14)),
        ("clustered-2000", synthetic("clustered", 2000, cond=1e5, seed=1006)),
        ("darcy-48", darcy(48, seed=1007)),
    ]


class _Counted(spla.LinearOperator):
    """A matrix-free view of ``a`` that counts its products (a block of m columns counts m)."""

    def __init__(self, a):
        super().__init__(dtype=np.dtype(np.float64), shape=a.shape)
        self.a, self.products = a, 0

    def _matvec(self, x):
        self.products += 1
        return self.a @ np.ravel(x)

    def _matmat(self, x):
        self.products += x.shape[1]
        return self.a @ x


def _cg(a, b: np.ndarray, m=None, exact=None) -> dict[str, Any]:
    """CG on ``a`` (residual checked afresh with ``exact``, default ``a``, uncounted)."""
    op, steps = _Counted(a), [0]
    exact = a if exact is None else exact
    x, info = spla.cg(
        op, b, rtol=1e-8, maxiter=20_000, M=m, callback=lambda _: steps.__setitem__(0, steps[0] + 1)
    )
    return {
        "iterations": steps[0],
        "matvecs": op.products,
        "inner_products": 3 * steps[0],
        "converged": bool(info == 0),
        "relative_residual": float(np.linalg.norm(b - exact @ x) / np.linalg.norm(b)),
    }


def heldout(progress: bool) -> list[dict[str, Any]]:
    """Total matvecs (probe and symmetry test included) and reductions per held-out operator."""
    rows = []
    for name, a in tqdm(heldout_cases(), desc="held-out", disable=not progress):
        b = np.random.default_rng(7).standard_normal(a.shape[0])
        jacobi = spla.aslinearoperator(sp.diags(1.0 / a.diagonal()))
        row: dict[str, Any] = {"name": name, "n": int(a.shape[0])}
        row["cg"], row["jacobi-cg"] = _cg(a, b), _cg(a, b, jacobi)
        for label, options in HELDOUT_METHODS:
            op = _Counted(a)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                m = polynomial_preconditioner(op, seed=0, **options)
            setup = op.products
            result = _cg(op, b, m, exact=a)
            result["matvecs"] = op.products  # outer + inside M + setup, all through op
            result["inner_products"] += m.setup_reductions
            row[label] = {
                **result,
                "setup_matvecs": setup,
                "method_used": m.method,
                "degree": m.degree,
            }
        best = min(row["cg"]["matvecs"], row["jacobi-cg"]["matvecs"])
        for label, _ in HELDOUT_METHODS:
            row[f"{label}_over_best_cg"] = row[label]["matvecs"] / best
            row[f"{label}_over_chebyshev"] = row[label]["matvecs"] / row["chebyshev"]["matvecs"]
        rows.append(row)
    return rows


FAMILY_METHODS = (
    ("jacobi", "jacobi", False),
    ("chebyshev", "chebyshev", False),
    ("shipped", "learned", False),
    ("fitted", "learned", True),
)


def families(progress: bool) -> list[dict[str, Any]]:
    """Fit one model per family, then solve its held-out members with every method."""
    import tempfile

    from solvers.comparison import solve
    from solvers.family import FAMILIES, family_members, fit_preconditioner

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for family in tqdm(FAMILIES, desc="families", disable=not progress):
            path = f"{tmp}/{family}-d{DEGREE}.pt"
            start = time.perf_counter()
            fit = fit_preconditioner(family_members(family, 48, size=32), DEGREE, path)
            fit_seconds = time.perf_counter() - start
            rows = []
            for index, a in enumerate(family_members(family, 8, start=1000, size=32)):
                b = np.random.default_rng(3).standard_normal(a.shape[0])
                row: dict[str, Any] = {"member": 1000 + index}
                for label, method, fitted in FAMILY_METHODS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        row[label] = solve(
                            a, b, method, degree=DEGREE, model=path if fitted else None
                        )
                rows.append(row)
            out.append({"family": family, "fit": fit, "fit_seconds": fit_seconds, "rows": rows})
    return out


def summarise_families(results: list[dict]) -> dict[str, Any]:
    """Per family and learned model: median matvecs over Chebyshev and Jacobi-CG, median
    Jacobi-CG reductions over the model's (probe included), against the issue's targets."""
    out: dict[str, Any] = {}
    for entry in results:
        rows = entry["rows"]
        for label in ("shipped", "fitted"):
            cheb = _median([r[label]["matvecs"] / r["chebyshev"]["matvecs"] for r in rows])
            jac = _median([r[label]["matvecs"] / r["jacobi"]["matvecs"] for r in rows])
            red = _median(
                [r["jacobi"]["inner_products"] / r[label]["inner_products"] for r in rows]
            )
            ok = all(r[label]["converged"] and r[label]["method_used"] == "learned" for r in rows)
            out[f"{entry['family']}/{label}"] = {
                "matvecs_over_chebyshev": cheb,
                "matvecs_over_jacobi_cg": jac,
                "jacobi_cg_over_reductions": red,
                "le_0.75x_chebyshev_met": bool(ok and cheb <= 0.75),
                "le_1.2x_jacobi_cg_met": bool(ok and jac <= 1.2),
                "ge_5x_fewer_reductions_met": bool(ok and red >= 5.0),
                "all_converged_as_learned": ok,
            }
    return out


def distributed(progress: bool) -> list[dict[str, Any]]:
    """Jacobi-CG and polynomial CG on 2 gloo ranks (module docstring)."""
    from solvers.family import family_member

    cases = [
        ("poisson2d-32", poisson2d(32)),
        ("darcy-32 (member 1010)", family_member("darcy", 1010, 32)),
        ("anisotropic-32 (member 1010)", family_member("anisotropic", 1010, 32)),
    ]
    return compare_distributed(cases, world=2, repeats=5, progress=progress)


def _exact(a, b: np.ndarray, f: str, **kw) -> np.ndarray:
    w, v = scipy.linalg.eigh(a.toarray())
    return v @ (scalar_function(f, **kw)(w) * (v.T @ b))


def matrix_functions(progress: bool) -> list[dict[str, Any]]:
    rows = []
    for name in tqdm(FUNM_MATRICES, desc="f(A)b", disable=not progress):
        a = load_matrix(name)
        b = np.random.default_rng(0).standard_normal(a.shape[0])
        lmax = float(scipy.linalg.eigvalsh(a.toarray())[-1])
        for f, spec, degree in FUNCTIONS:
            kw = {}
            if f == "exp":
                kw["t"] = spec["tau"] / lmax
            if f == "step":
                kw["threshold"] = spec["fraction"] * lmax
            exact = _exact(a, b, f, **kw)
            entry: dict[str, Any] = {"matrix": name, "f": f, "degree": degree, **kw}
            runs = (
                ("learned", "learned", degree),
                ("chebyshev", "chebyshev", degree),
                ("lanczos", "lanczos", PROBE_STEPS + degree),  # equal total matvecs
                ("lanczos-d", "lanczos", degree),  # equal matvecs per vector, probe amortised
                ("krylov", "krylov", degree),
            )
            for label, method, deg in runs:
                start = time.perf_counter()
                r = funm(a, b, f, deg, method, probe_steps=PROBE_STEPS, **kw)
                entry[label] = {
                    "relative_error": float(np.linalg.norm(r.x - exact) / np.linalg.norm(exact)),
                    "matvecs": r.matvecs,
                    "matvecs_per_vector": r.matvecs - r.setup_matvecs,
                    "inner_products": r.inner_products,
                    "seconds": time.perf_counter() - start,
                }
            err = {m: entry[m]["relative_error"] for m in ("learned", "chebyshev", "lanczos")}
            err["lanczos-d"] = entry["lanczos-d"]["relative_error"]
            assert entry["learned"]["matvecs"] == entry["lanczos"]["matvecs"]
            entry["learned_over_chebyshev"] = err["learned"] / max(err["chebyshev"], 1e-300)
            entry["learned_over_lanczos"] = err["learned"] / max(err["lanczos"], 1e-300)
            entry["learned_probe_amortised_over_lanczos_d"] = err["learned"] / max(
                err["lanczos-d"], 1e-300
            )
            rows.append(entry)
    return rows


STRUCTURED_BLOCK = 21  # right-hand sides sharing one probe in "lanczos-block"


def structured_cases() -> list[tuple[str, sp.csr_matrix]]:
    """Synthetic spectra with outliers, clusters and a gap (seeded), and the shipped real
    matrices whose spectra have large outliers and gaps (module docstring)."""
    rng = np.random.default_rng(2001)
    large = np.r_[rng.uniform(1.0, 10.0, 995), np.geomspace(1.5e3, 1e4, 5)]
    rng = np.random.default_rng(2004)
    gap = np.r_[rng.uniform(1.0, 2.0, 500), rng.uniform(50.0, 100.0, 500)]
    cases = [
        ("outliers-large-1000", synthetic_symmetric(large, seed=2001)),
        ("outliers-small-1000", synthetic("outliers", 1000, cond=1e4, seed=2002)),
        ("clustered-1000", synthetic("clustered", 1000, cond=1e4, seed=2003)),
        ("gap-1000", synthetic_symmetric(gap, seed=2004)),
    ]
    return cases + [
        (n, load_matrix(n)) for n in ("HB/494_bus", "HB/685_bus", "HB/1138_bus", "HB/bcsstk08")
    ]


def _spectrum_shape(w: np.ndarray) -> dict[str, float]:
    span = w[-1] - w[0]
    return {
        "lambda_min": float(w[0]),
        "lambda_max": float(w[-1]),
        "largest_gap_over_span": float(np.diff(w).max() / span),
        "fraction_below_1pct_of_lambda_max": float(np.mean(w < 0.01 * w[-1])),
    }


def structured_matrix_functions(progress: bool) -> list[dict[str, Any]]:
    """Relative f(A)b errors on structured spectra at equal total matvecs (module docstring)."""
    rows = []
    for name, a in tqdm(structured_cases(), desc="f(A)b structured", disable=not progress):
        w, v = scipy.linalg.eigh(a.toarray())
        b = np.random.default_rng(0).standard_normal(a.shape[0])
        shape = _spectrum_shape(w)
        for f, spec, degree in FUNCTIONS:
            kw = {}
            if f == "exp":
                kw["t"] = spec["tau"] / w[-1]
            if f == "step":
                kw["threshold"] = spec["fraction"] * w[-1]
            exact = v @ (scalar_function(f, **kw)(w) * (v.T @ b))
            entry: dict[str, Any] = {"matrix": name, "f": f, "degree": degree, **kw, **shape}
            block_steps = degree + PROBE_STEPS // STRUCTURED_BLOCK
            runs = (
                ("measure", "measure", degree),
                ("chebyshev", "chebyshev", degree),
                ("learned", "learned", degree),
                ("lanczos", "lanczos", PROBE_STEPS + degree),
                ("lanczos-block", "lanczos", block_steps),
            )
            for label, method, deg in runs:
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    r = funm(a, b, f, deg, method, probe_steps=PROBE_STEPS, **kw)
                entry[label] = {
                    "relative_error": float(np.linalg.norm(r.x - exact) / np.linalg.norm(exact)),
                    "matvecs": r.matvecs,
                    "inner_products": r.inner_products,
                    "error_estimate": r.error_estimate,
                    "seconds": time.perf_counter() - start,
                }
            assert entry["measure"]["matvecs"] == entry["lanczos"]["matvecs"]
            err = {k: entry[k]["relative_error"] for k, *_ in runs}
            for other in ("chebyshev", "learned", "lanczos", "lanczos-block"):
                entry[f"measure_over_{other}"] = err["measure"] / max(err[other], 1e-300)
            rows.append(entry)
    return rows


def summarise_structured(rows: list[dict]) -> dict[str, Any]:
    """Median error ratios of the measure fit (all rows and per function) against the targets
    (≤ 0.1× Chebyshev, ≤ Lanczos at equal total matvecs)."""

    def medians(subset: list[dict]) -> dict[str, float | None]:
        return {
            key: _median([r[f"measure_over_{key}"] for r in subset])
            for key in ("chebyshev", "learned", "lanczos", "lanczos-block")
        }

    overall = medians(rows)
    functions = sorted({r["f"] for r in rows})
    return {
        "median_measure_over": overall,
        "median_measure_over_by_function": {
            f: medians([r for r in rows if r["f"] == f]) for f in functions
        },
        "rows_le_0.1x_chebyshev": sum(r["measure_over_chebyshev"] <= 0.1 for r in rows),
        "rows_le_lanczos_equal_totals": sum(r["measure_over_lanczos"] <= 1.0 for r in rows),
        "rows_le_lanczos_block": sum(r["measure_over_lanczos-block"] <= 1.0 for r in rows),
        "rows": len(rows),
        "le_0.1x_chebyshev_met": bool(overall["chebyshev"] <= 0.1),
        "le_lanczos_equal_totals_met": bool(overall["lanczos"] <= 1.0),
    }


def eigenpairs(progress: bool, k: int = 8) -> list[dict[str, Any]]:
    rows = []
    jobs = [(name, which) for name in EIG_MATRICES for which in ("LA", "SA")]
    for name, which in tqdm(jobs, desc="eigenpairs", disable=not progress):
        a = load_matrix(name)
        entry: dict[str, Any] = {"matrix": name, "which": which, "k": k}
        methods = [
            ("filtered", "filtered", {}),
            ("filtered+learned", "filtered", {"filter": "learned"}),
            ("filtered-lanczos", "filtered-lanczos", {}),
            ("arpack", "arpack", {}),
            ("lobpcg", "lobpcg", {}),
        ]
        if which == "SA":
            methods.append(("lobpcg+learned", "lobpcg", {"M": "learned"}))
        for label, method, opts in methods:
            m = polynomial_preconditioner(a, DEGREE, "learned") if "M" in opts else None
            kw = {key: value for key, value in opts.items() if key != "M"}
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eigsh(a, k, which, method, tol=1e-6, M=m, maxiter=300, partial=True, **kw)
            entry[label] = {
                "matvecs": r.matvecs + (m.setup_matvecs if m is not None else 0),
                "converged": r.converged,
                "max_residual": float(r.residuals.max()),
                "seconds": time.perf_counter() - start,
            }
        arpack = entry["arpack"]["matvecs"]
        entry["filtered_over_arpack"] = entry["filtered"]["matvecs"] / arpack
        entry["learned_filter_over_arpack"] = entry["filtered+learned"]["matvecs"] / arpack
        entry["learned_filter_over_chebyshev"] = (
            entry["filtered+learned"]["matvecs"] / entry["filtered"]["matvecs"]
        )
        entry["filtered_lanczos_over_arpack"] = entry["filtered-lanczos"]["matvecs"] / arpack
        entry["filtered_lanczos_over_chebyshev_filter"] = (
            entry["filtered-lanczos"]["matvecs"] / entry["filtered"]["matvecs"]
        )
        rows.append(entry)
    return rows


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def methods_used(rows: list[dict]) -> tuple[dict[str, dict[str, int]], list[dict]]:
    """Per requested method, how often each polynomial was actually used (every matrix and
    solver), and the list of fallbacks (matrix, solver, requested, used)."""
    counts: dict[str, dict[str, int]] = {}
    fallbacks = []
    for row in rows:
        for solver in ("cg", "minres", "gmres"):
            for method, result in row.get(solver, {}).items():
                if "error" in result:
                    continue
                used = result.get("method_used", method)
                counts.setdefault(method, {})
                counts[method][used] = counts[method].get(used, 0) + 1
                if used != method:
                    fallbacks.append(
                        {"matrix": row["name"], "solver": solver, "requested": method, "used": used}
                    )
    return counts, fallbacks


def summarise_heldout(rows: list[dict]) -> dict[str, Any]:
    """Medians over the held-out operators and the issue's two targets per method (Chebyshev
    of degree 10 on the same probe; "met" needs every solve of the method to converge)."""
    out: dict[str, Any] = {}
    for label, _ in HELDOUT_METHODS:
        best = _median([r[f"{label}_over_best_cg"] for r in rows])
        cheb = _median([r[f"{label}_over_chebyshev"] for r in rows])
        converged = sum(r[label]["converged"] for r in rows)
        all_converged = converged == len(rows)  # a target is not met with a failed solve
        used: dict[str, int] = {}
        for r in rows:
            key = f"{r[label]['method_used']}-d{r[label]['degree']}"
            used[key] = used.get(key, 0) + 1
        out[label] = {
            "median_matvecs_over_best_of_cg_and_jacobi_cg": best,
            "median_matvecs_over_chebyshev_same_degree": cheb,
            "le_1.5x_best_cg_met": bool(all_converged and best is not None and best <= 1.5),
            "le_0.75x_chebyshev_met": bool(all_converged and cheb is not None and cheb <= 0.75),
            "converged": converged,
            "method_used": used,
        }
    return out


def summarise(rows: list[dict], funm_rows: list[dict], eig_rows: list[dict]) -> dict[str, Any]:
    """Per real SPD matrix (CG) where the learned polynomial was used: learned/Jacobi-CG
    matvecs, Jacobi-CG/learned outer iterations and global reductions (probe included),
    learned/Chebyshev matvecs (probe interval and pyamg's [u/30, u]); the medians against the
    issue's targets, and the fallbacks."""
    per = []
    for row in rows:
        if row["kind"] != "real-spd":
            continue
        cg = row["cg"]
        if any("error" in cg[m] or not cg[m]["converged"] for m in ("jacobi", "learned")):
            continue
        if cg["learned"].get("method_used", "learned") != "learned":
            continue
        per.append(
            {
                "name": row["name"],
                "learned_over_reference_matvecs": cg["learned"]["matvecs"]
                / cg["jacobi"]["matvecs"],
                "reference_over_learned_iterations": cg["jacobi"]["iterations"]
                / cg["learned"]["iterations"],
                "reference_over_learned_reductions": cg["jacobi"]["inner_products"]
                / cg["learned"]["inner_products"],
                "learned_over_chebyshev_matvecs": cg["learned"]["matvecs"]
                / cg["chebyshev"]["matvecs"],
                "learned_over_chebyshev30_matvecs": cg["learned"]["matvecs"]
                / cg["chebyshev-30"]["matvecs"],
                "learned_seconds": cg["learned"]["seconds"],
                "pyamg_seconds": cg["pyamg-sa"].get("seconds"),
                "ilu_gmres_seconds": cg["ilu"].get("seconds"),
                "jacobi_seconds": cg["jacobi"]["seconds"],
            }
        )
    med = {key: _median([p[key] for p in per]) for key in per[0] if key != "name"} if per else {}
    funm_ratio_cheb = _median([r["learned_over_chebyshev"] for r in funm_rows])
    funm_ratio_lanczos = _median([r["learned_over_lanczos"] for r in funm_rows])
    funm_amortised = _median([r["learned_probe_amortised_over_lanczos_d"] for r in funm_rows])
    counts, fallbacks = methods_used(rows)
    eig_ratio = _median([r["filtered_over_arpack"] for r in eig_rows])
    eig_learned = _median([r["learned_filter_over_arpack"] for r in eig_rows])
    eig_learned_cheb = _median([r["learned_filter_over_chebyshev"] for r in eig_rows])
    lanczos_arpack = _median([r["filtered_lanczos_over_arpack"] for r in eig_rows])
    both = [r for r in eig_rows if r["arpack"]["converged"] and r["filtered-lanczos"]["converged"]]
    lanczos_arpack_converged = _median([r["filtered_lanczos_over_arpack"] for r in both])
    lanczos_cheb = _median([r["filtered_lanczos_over_chebyshev_filter"] for r in eig_rows])
    lanczos_all = all(r["filtered-lanczos"]["converged"] for r in eig_rows)
    targets = {
        "filtered_lanczos_matvecs_le_2x_arpack": {
            "value": lanczos_arpack,
            "value_where_arpack_converged": lanczos_arpack_converged,
            "arpack_converged": sum(r["arpack"]["converged"] for r in eig_rows),
            "cases": len(eig_rows),
            "target": 2.0,
            "met": bool(lanczos_all and lanczos_arpack is not None and lanczos_arpack <= 2.0),
        },
        "filtered_lanczos_matvecs_le_0.75x_chebyshev_filter": {
            "value": lanczos_cheb,
            "target": 0.75,
            "met": bool(lanczos_all and lanczos_cheb is not None and lanczos_cheb <= 0.75),
        },
        "learned_matvecs_le_1.2x_reference": {
            "value": med.get("learned_over_reference_matvecs"),
            "target": 1.2,
            "met": bool(med and med["learned_over_reference_matvecs"] <= 1.2),
        },
        "iterations_ge_degree_over_1.5_fewer": {
            "value": med.get("reference_over_learned_iterations"),
            "target": DEGREE / 1.5,
            "met": bool(med and med["reference_over_learned_iterations"] >= DEGREE / 1.5),
        },
        "reductions_ge_5x_fewer_probe_included": {
            "value": med.get("reference_over_learned_reductions"),
            "target": 5.0,
            "met": bool(med and med["reference_over_learned_reductions"] >= 5.0),
        },
        "learned_vs_chebyshev_probe_interval_25pct_fewer": {
            "value": med.get("learned_over_chebyshev_matvecs"),
            "target": 0.75,
            "met": bool(med and med["learned_over_chebyshev_matvecs"] <= 0.75),
        },
        "learned_vs_chebyshev_u30_25pct_fewer": {
            "value": med.get("learned_over_chebyshev30_matvecs"),
            "target": 0.75,
            "met": bool(med and med["learned_over_chebyshev30_matvecs"] <= 0.75),
        },
        "funm_error_le_0.1x_chebyshev": {
            "value": funm_ratio_cheb,
            "target": 0.1,
            "met": bool(funm_ratio_cheb is not None and funm_ratio_cheb <= 0.1),
        },
        "funm_error_le_lanczos_equal_total_matvecs": {
            "value": funm_ratio_lanczos,
            "target": 1.0,
            "met": bool(funm_ratio_lanczos is not None and funm_ratio_lanczos <= 1.0),
        },
        "eig_matvecs_le_arpack": {
            "value": eig_ratio,
            "target": 1.0,
            "met": bool(eig_ratio is not None and eig_ratio <= 1.0),
        },
        "learned_filter_matvecs_le_arpack": {
            "value": eig_learned,
            "target": 1.0,
            "met": bool(eig_learned is not None and eig_learned <= 1.0),
        },
        "learned_filter_vs_chebyshev_filter_matvecs": {
            "value": eig_learned_cheb,
            "target": 1.0,
            "met": bool(eig_learned_cheb is not None and eig_learned_cheb <= 1.0),
        },
    }
    return {
        "per_matrix": per,
        "median": med,
        "targets": targets,
        "funm_learned_probe_amortised_over_lanczos_d": funm_amortised,
        "method_used": counts,
        "fallbacks": fallbacks,
        "learned_fell_back_on": [
            f["matrix"] for f in fallbacks if f["requested"] == "learned" and f["solver"] == "cg"
        ],
    }


def run(quick: bool = False, progress: bool = True, gpu: bool = False) -> dict[str, Any]:
    """All three parts and the summary (see the module docstring); ``gpu`` adds the
    distributed section on the GPUs (``distributed_gpu``)."""
    if gpu:
        import torch

        if not torch.cuda.is_available():
            raise ValueError("--gpu needs a CUDA device (torch.cuda.is_available() is False)")
    start = time.perf_counter()
    rows = preconditioning(quick, progress)
    heldout_rows = heldout(progress)
    family_results = families(progress)
    distributed_rows = distributed(progress)
    gpu_results = gpu_section(progress) if gpu else None
    funm_rows = matrix_functions(progress)
    structured_rows = structured_matrix_functions(progress)
    eig_rows = eigenpairs(progress)
    results = {
        "benchmark": "autospec",
        "quick": quick,
        "degree": DEGREE,
        "rtol": 1e-8,
        "matrices": rows,
        "funm": funm_rows,
        "funm_structured": structured_rows,
        "eigs": eig_rows,
        "heldout": heldout_rows,
        "families": family_results,
        "distributed": distributed_rows,
        "summary": {
            **summarise(rows, funm_rows, eig_rows),
            "heldout": summarise_heldout(heldout_rows),
            "funm_structured": summarise_structured(structured_rows),
            "families": summarise_families(family_results),
            "distributed": summarise_distributed(distributed_rows),
        },
        "seconds": time.perf_counter() - start,
    }
    if gpu_results is not None:
        results["distributed_gpu"] = gpu_results
        results["summary"]["distributed_gpu"] = gpu_results["summary"]
    return results


def plot(results: dict[str, Any], path) -> None:
    from solvers.plots import plot_benchmark

    plot_benchmark(results, path)

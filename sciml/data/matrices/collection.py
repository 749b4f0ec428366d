"""The named sparse-matrix collection: shipped SuiteSparse files, the pyamg gallery, the
generators of :mod:`sciml.data.matrices.generators` and any Matrix Market file.

Names (see :func:`load_matrix`)::

    HB/bcsstk15, bcsstk15                 SuiteSparse matrices shipped with the package
    pyamg/airfoil, pyamg/bar, ...         pyamg.gallery.load_example
    pyamg/poisson-<N>[x<M>[x<K>]]         pyamg.gallery.poisson(grid)
    pyamg/elasticity-<N>x<M>              pyamg.gallery.linear_elasticity(grid; E, nu)
    pyamg/diffusion-<N>x<M>               stencil_grid(diffusion_stencil_2d(epsilon, theta, type))
    poisson2d-<N>, poisson3d-<N>, anisotropic2d-<N>, darcy-<N>,
    synthetic-<profile>-<N>               generators (keyword parameters pass through)
    path/to/file.mtx[.gz]                 any Matrix Market file
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import numpy as np
import scipy.io
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.core.constants import SYMMETRY_RTOL
from sciml.data.matrices.inertia import symmetric_lu

SOURCES = ("suitesparse", "pyamg", "generator")
DENSE_LIMIT = 500  # matrix_info: dense eigvalsh up to this n, sparse LU + eigsh beyond
MAX_ROWS = 2**24  # generated matrices: ~16.8M rows, a few GB at the stencils' nnz per row


@dataclass(frozen=True)
class MatrixInfo:
    """Catalogue entry of one matrix, as listed by :func:`list_matrices`.

    ``symmetric`` means ``max|A − Aᵀ| ≤ SYMMETRY_RTOL·max|A|``; ``cond`` is κ₂
    (λmax/λmin for SPD, σmax/σmin otherwise) where known.

    Parameters
    ----------
    name : str
        The name :func:`load_matrix` takes (``"HB/bcsstk15"``, ``"poisson2d-32"``).
    n : int
        Number of rows (the matrices are square).
    nnz : int
        Stored entries, both triangles, explicit zeros included.
    symmetric : bool
        Whether A is symmetric to SYMMETRY_RTOL.
    spd : bool
        Whether A is symmetric positive definite.
    kind : str
        Application area ("structural", "CFD", "2D/3D problem", "synthetic", ...).
    source : {"suitesparse", "pyamg", "generator"}
        Where the matrix comes from.
    description : str
        One line on the problem.
    cond : float or None, default None
        The 2-norm condition number, None where not known.

    See Also
    --------
    matrix_info : Properties measured on the matrix itself.

    Examples
    --------
    >>> info = next(m for m in list_matrices("suitesparse") if m.name == "HB/nos4")
    >>> info.n, info.nnz, info.symmetric, info.spd, info.cond
    (100, 594, True, True, 1580.0)
    """

    name: str
    n: int
    nnz: int
    symmetric: bool
    spd: bool
    kind: str
    source: str
    description: str
    cond: float | None = None


# From suitesparse/README.md: name, group, n, nnz (both triangles, explicit zeros included),
# symmetric, SPD, κ₂, kind, description.
_SUITESPARSE: tuple[tuple[str, str, int, int, bool, bool, float, str, str], ...] = (
    ("nos4", "HB", 100, 594, True, True, 1.58e3, "structural",
     "FE beam, Lanczos test set; λ ∈ [0.000538, 0.849]"),
    ("plat362", "HB", 362, 5786, True, True, 2.18e11, "oceanography",
     "Platzman tidal model, nearly singular; λ ∈ [3.55e-12, 0.774]"),
    ("494_bus", "HB", 494, 1666, True, True, 2.42e6, "power network",
     "bus admittance matrix; λ ∈ [0.0124, 3e4]"),
    ("662_bus", "HB", 662, 2474, True, True, 7.94e5, "power network",
     "bus admittance matrix; λ ∈ [0.00505, 4.01e3]"),
    ("685_bus", "HB", 685, 3249, True, True, 4.23e5, "power network",
     "bus admittance matrix; λ ∈ [0.0619, 2.62e4]"),
    ("gr_30_30", "HB", 900, 7744, True, True, 195.0, "2D/3D problem",
     "9-point Laplacian on a 30x30 grid (stored as integer); λ ∈ [0.0615, 12]"),
    ("nos3", "HB", 960, 15844, True, True, 3.77e4, "structural",
     "FE biharmonic plate; λ ∈ [0.0183, 690]"),
    ("bcsstk08", "HB", 1074, 12960, True, True, 2.6e7, "structural",
     "frame building (TV studio); λ ∈ [2.95e3, 7.66e10]"),
    ("bcsstk09", "HB", 1083, 18437, True, True, 9.52e3, "structural",
     "clamped square plate; λ ∈ [7.1e3, 6.76e7]"),
    ("bcsstk10", "HB", 1086, 22070, True, True, 5.24e5, "structural",
     "buckling of a hot washer; λ ∈ [85.4, 4.47e7]"),
    ("1138_bus", "HB", 1138, 4054, True, True, 8.57e6, "power network",
     "bus admittance matrix; λ ∈ [0.00352, 3.01e4]"),
    ("bcsstk13", "HB", 2003, 83883, True, True, 1.1e10, "CFD",
     "fluid flow generalized eigenproblem, stiffness; λ ∈ [284, 3.11e12]"),
    ("bcsstk21", "HB", 3600, 26600, True, True, 1.76e7, "structural",
     "clamped square plate; λ ∈ [7.21, 1.27e8]"),
    ("bcsstk15", "HB", 3948, 117816, True, True, 6.54e9, "structural",
     "offshore platform module; 6 decoupled unit rows, λ ∈ [1, 6.54e9]"),
    ("bcsstk16", "HB", 4884, 290378, True, True, 4.94e9, "structural",
     "dam (Corps of Engineers); 74 decoupled unit rows, λ ∈ [1, 4.94e9]"),
    ("s1rmq4m1", "Cylshell", 5489, 281111, True, True, 1.81e6, "structural",
     "FE cylindrical shell, quad elements; 18,700 explicit zeros; λ ∈ [0.38, 6.87e5]"),
    ("west0479", "HB", 479, 1910, False, False, 3.25e11, "chemical process simulation",
     "8-stage column, badly scaled; 22 explicit zeros; σ ∈ [9.81e-7, 3.19e5]"),
    ("orsirr_1", "HB", 1030, 6858, False, False, 7.71e4, "CFD",
     "oil reservoir simulation; σ ∈ [5.94, 4.58e5]"),
    ("pde2961", "Bai", 2961, 14585, False, False, 642.0, "2D/3D problem",
     "2D convection-diffusion (Elman), 47x63 grid; σ ∈ [0.0162, 10.4]"),
    ("sherman5", "HB", 3312, 20793, False, False, 1.88e5, "CFD",
     "oil reservoir simulation, black oil; σ ∈ [0.0242, 4.55e3]"),
)

# pyamg 5.4 gallery examples (helmholtz_2D is left out: it is complex).
_PYAMG_EXAMPLES: tuple[tuple[str, int, int, bool, bool, float | None, str, str], ...] = (
    ("airfoil", 260, 1682, True, True, 74.9, "2D/3D problem",
     "scalar P1 FE problem on an unstructured 2D airfoil mesh"),
    ("bar", 600, 23402, True, True, 3.35e4, "structural",
     "3D linear elasticity, trilinear hexahedra, 6 rigid-body modes"),
    ("knot", 239, 1667, True, True, 1.04e3, "2D/3D problem",
     "scalar problem on a triangulated knot-shaped surface in 3D"),
    ("local_disc_galerkin_diffusion", 966, 35338, True, True, 4.59e3, "2D/3D problem",
     "local discontinuous Galerkin (p = 5) diffusion in 2D; symmetric to 4e-14"),
    ("recirc_flow", 225, 1849, False, False, 870.0, "CFD",
     "recirculating-flow convection-diffusion, bilinear quads"),
    ("unit_cube", 125, 1473, True, True, 22.0, "2D/3D problem",
     "P1 FE Laplacian on a tetrahedral mesh of the unit cube"),
    ("unit_square", 191, 1243, True, False, None, "2D/3D problem",
     "P1 FE Neumann Laplacian on the unit square: singular (A·1 = 0)"),
)


def _suitesparse_key(name: str) -> str | None:
    for entry in _SUITESPARSE:
        if name in (entry[0], f"{entry[1]}/{entry[0]}"):
            return entry[0]
    return None


def _read_mtx(path: str | os.PathLike[str]) -> sp.csr_matrix:
    """A Matrix Market file as float64 CSR: duplicates summed, indices sorted, zeros kept."""
    try:
        m = scipy.io.mmread(path)
    except (OSError, ValueError, EOFError) as err:
        raise ValueError(f"cannot read {os.fspath(path)!r} as Matrix Market: {err}") from err
    if np.iscomplexobj(m):
        raise ValueError(f"{os.fspath(path)!r} holds a complex matrix; expected a real one")
    a = sp.csr_matrix(m, dtype=np.float64)
    if 0 in a.shape:
        raise ValueError(f"{os.fspath(path)!r} holds an empty matrix of shape {a.shape}")
    if not np.all(np.isfinite(a.data)):
        raise ValueError(f"{os.fspath(path)!r} holds NaN or Inf entries")
    a.sum_duplicates()
    a.sort_indices()
    return a


def _load_suitesparse(key: str) -> sp.csr_matrix:
    resource = files(__package__).joinpath("suitesparse", f"{key}.mtx.gz")
    with as_file(resource) as path:
        return _read_mtx(path)


def _load_pyamg_example(key: str) -> sp.csr_matrix:
    from pyamg.gallery import load_example

    a = sp.csr_matrix(load_example(key)["A"], dtype=np.float64)
    a.sort_indices()
    return a


def _size(text: str, name: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(f"sizes in the name {name!r} must be positive integers, got {value}")
    return value


def _check_rows(rows: int, name: str) -> None:
    """Refuse, before allocating, a generated matrix of more than ``MAX_ROWS`` rows."""
    if rows > MAX_ROWS:
        raise ValueError(
            f"{name!r} would have {rows:,} rows; generated matrices are limited to "
            f"{MAX_ROWS:,} rows (a few GB), pick a smaller size"
        )


def _pyamg_poisson(name: str, grid: str) -> sp.csr_matrix:
    from pyamg.gallery import poisson

    from sciml.data.matrices.generators import _clean

    shape = tuple(_size(g, name) for g in grid.split("x"))
    _check_rows(int(np.prod(shape, dtype=object)), name)
    return _clean(poisson(shape, format="csr"))


def _pyamg_elasticity(
    name: str, nx: str, ny: str, *, E: float = 1e5, nu: float = 0.3
) -> sp.csr_matrix:
    from pyamg.gallery import linear_elasticity

    from sciml.data.matrices.generators import _clean, _real

    E = _real(E, "E", low=0.0, strict=True)
    nu = _real(nu, "nu", low=-1.0, strict=True)
    if nu >= 0.5:
        raise ValueError(f"nu must lie in (-1, 0.5), got {nu!r}")
    grid = (_size(nx, name), _size(ny, name))
    _check_rows(2 * grid[0] * grid[1], name)
    if grid[0] > grid[1]:  # pyamg 5.4 indexes out of bounds there
        raise ValueError(f"{name!r}: pyamg's linear_elasticity needs N <= M in N x M; "
                         f"use 'pyamg/elasticity-{ny}x{nx}' (the same domain turned by 90°)")
    return _clean(linear_elasticity(grid, E=E, nu=nu)[0])


def _pyamg_diffusion(
    name: str, nx: str, ny: str, *, epsilon: float = 1.0, theta: float = 0.0, type: str = "FE"
) -> sp.csr_matrix:
    from pyamg.gallery import diffusion_stencil_2d, stencil_grid

    from sciml.data.matrices.generators import _clean, _real

    epsilon = _real(epsilon, "epsilon", low=0.0, strict=True)
    theta = _real(theta, "theta")
    if type not in ("FE", "FD"):
        raise ValueError(f"type must be 'FE' or 'FD', got {type!r}")
    grid = (_size(nx, name), _size(ny, name))
    _check_rows(grid[0] * grid[1], name)
    stencil = diffusion_stencil_2d(epsilon=epsilon, theta=theta, type=type)
    return _clean(stencil_grid(stencil, grid, format="csr"))


_GRID_DIMS = {"poisson2d": 2, "anisotropic2d": 2, "darcy": 2, "poisson3d": 3}  # rows = N^d


def _generator(function: str) -> Callable[..., sp.csr_matrix]:
    def build(name: str, *groups: str, **params: Any) -> sp.csr_matrix:
        from sciml.data.matrices import generators

        *words, size = groups
        n = _size(size, name)
        _check_rows(n ** _GRID_DIMS.get(function, 1), name)
        return getattr(generators, function)(*words, n, **params)

    return build


@dataclass(frozen=True)
class _Family:
    template: str
    pattern: str
    default: str
    build: Callable[..., sp.csr_matrix]
    params: tuple[str, ...]
    source: str
    symmetric: bool
    spd: bool
    kind: str
    description: str
    provenance: str


_PROFILES = "uniform|clustered|outliers|power-law|geometric"
_FAMILIES: tuple[_Family, ...] = (
    _Family("pyamg/poisson-<N>[x<M>[x<K>]]", r"pyamg/poisson-(\d+(?:x\d+){0,2})",
            "pyamg/poisson-32x32", _pyamg_poisson, (), "pyamg", True, True, "2D/3D problem",
            "finite-difference Laplacian stencil (2, -1 per axis), unscaled, Dirichlet",
            "pyamg.gallery.poisson"),
    _Family("pyamg/elasticity-<N>x<M>", r"pyamg/elasticity-(\d+)x(\d+)", "pyamg/elasticity-16x16",
            _pyamg_elasticity, ("E", "nu"), "pyamg", True, True, "structural",
            "2D linear elasticity, Q1 elements, 2 dofs per node (E=1e5, nu=0.3)",
            "pyamg.gallery.linear_elasticity"),
    _Family("pyamg/diffusion-<N>x<M>", r"pyamg/diffusion-(\d+)x(\d+)", "pyamg/diffusion-32x32",
            _pyamg_diffusion, ("epsilon", "theta", "type"), "pyamg", True, True, "2D/3D problem",
            "rotated anisotropic diffusion stencil (epsilon=1, theta=0, FE by default)",
            "pyamg.gallery.stencil_grid + diffusion_stencil_2d"),
    _Family("poisson2d-<N>", r"poisson2d-(\d+)", "poisson2d-32", _generator("poisson2d"), (),
            "generator", True, True, "2D/3D problem",
            "5-point -Laplacian on the unit square, h^-2 scaled, Dirichlet",
            "sciml.data.matrices.generators.poisson2d"),
    _Family("poisson3d-<N>", r"poisson3d-(\d+)", "poisson3d-16", _generator("poisson3d"), (),
            "generator", True, True, "2D/3D problem",
            "7-point -Laplacian on the unit cube, h^-2 scaled, Dirichlet",
            "sciml.data.matrices.generators.poisson3d"),
    _Family("anisotropic2d-<N>", r"anisotropic2d-(\d+)", "anisotropic2d-32",
            _generator("anisotropic2d"), ("epsilon", "theta", "discretization"), "generator",
            True, True, "2D/3D problem",
            "rotated anisotropic diffusion, Q1 FE (epsilon=1e-3, theta=pi/6 by default)",
            "sciml.data.matrices.generators.anisotropic2d"),
    _Family("darcy-<N>", r"darcy-(\d+)", "darcy-32", _generator("darcy"),
            ("seed", "alpha", "tau", "a_high", "a_low"), "generator", True, True, "2D/3D problem",
            "-div(a grad u), a a thresholded Gaussian random field (12 / 3), finite volumes",
            "sciml.data.matrices.generators.darcy"),
    _Family("synthetic-<profile>-<N>", rf"synthetic-({_PROFILES})-(\d+)",
            "synthetic-geometric-256", _generator("synthetic"),
            ("cond", "seed", "lmax", "layers", "structure"), "generator", True, True,
            "synthetic", "Q diag(lambda) Q^T with a prescribed spectrum (cond=1e4 by default)",
            "sciml.data.matrices.generators.synthetic"),
)
_SYNTHETIC_DEFAULTS = tuple(f"synthetic-{p}-256" for p in _PROFILES.split("|"))


@dataclass(frozen=True)
class _Entry:
    name: str
    source: str
    kind: str
    description: str
    provenance: str
    load: Callable[[], sp.csr_matrix]


def _no_params(name: str, params: dict[str, Any]) -> None:
    if params:
        raise ValueError(f"{name!r} takes no parameters, got {', '.join(sorted(params))}")


def _resolve(name: str | os.PathLike[str], params: dict[str, Any]) -> _Entry:
    if isinstance(name, os.PathLike) or (
        isinstance(name, str) and name.lower().endswith((".mtx", ".mtx.gz"))
    ):
        path = Path(name)
        _no_params(str(path), params)
        if not path.is_file():
            raise FileNotFoundError(f"name: no Matrix Market file at {str(path)!r}")
        return _Entry(str(path), "file", "unknown", "Matrix Market file", f"file {path}",
                      partial(_read_mtx, path))
    if not isinstance(name, str):
        raise TypeError(f"name must be a str or a path, got {type(name).__name__}")
    key = _suitesparse_key(name)
    if key is not None:
        _no_params(name, params)
        _, group, *_, kind, description = next(e for e in _SUITESPARSE if e[0] == key)
        provenance = (f"SuiteSparse Matrix Collection {group}/{key} (Davis & Hu, ACM TOMS 38(1), "
                      f"2011; CC-BY 4.0); shipped as suitesparse/{key}.mtx.gz, see its README.md")
        return _Entry(f"{group}/{key}", "suitesparse", kind, description, provenance,
                      partial(_load_suitesparse, key))
    for example, *_, kind, description in _PYAMG_EXAMPLES:
        if name == f"pyamg/{example}":
            _no_params(name, params)
            return _Entry(name, "pyamg", kind, description,
                          f"pyamg.gallery.load_example({example!r})",
                          partial(_load_pyamg_example, example))
    for family in _FAMILIES:
        match = re.fullmatch(family.pattern, name)
        if match is None:
            continue
        unknown = sorted(set(params) - set(family.params))
        if unknown:
            accepted = ", ".join(family.params) or "none"
            raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {family.template}; "
                             f"accepted: {accepted}")
        args = ", ".join(f"{k}={v!r}" for k, v in params.items())
        return _Entry(name, family.source, family.kind, family.description,
                      f"{family.provenance}({args})" if args else family.provenance,
                      partial(family.build, name, *match.groups(), **params))
    raise _unknown_name(name)


def _unknown_name(name: str) -> ValueError:
    candidates = [e[0] for e in _SUITESPARSE] + [f"{e[1]}/{e[0]}" for e in _SUITESPARSE]
    candidates += [f"pyamg/{e[0]}" for e in _PYAMG_EXAMPLES]
    candidates += [f.default for f in _FAMILIES] + list(_SYNTHETIC_DEFAULTS)
    close = difflib.get_close_matches(name, list(dict.fromkeys(candidates)), n=5, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    families = ", ".join(f.template for f in _FAMILIES)
    return ValueError(
        f"unknown matrix name {name!r}.{hint} Names are: a shipped SuiteSparse matrix "
        f"(GROUP/name or name, see list_matrices('suitesparse')), "
        f"pyamg/<example> ({', '.join(e[0] for e in _PYAMG_EXAMPLES)}), {families} "
        f"(profile: {_PROFILES.replace('|', ', ')}), or a path ending in .mtx or .mtx.gz"
    )


def load_matrix(name: str | os.PathLike[str], **params: Any) -> sp.csr_matrix:
    """The matrix called ``name`` as ``scipy.sparse.csr_matrix`` (float64, sorted indices).

    Names are listed in the module docstring; ``params`` go to the generator or pyamg function
    (``load_matrix("synthetic-clustered-500", cond=1e6, seed=3)``). Files are returned with
    their stored entries, explicit zeros included (s1rmq4m1 has 18,700, west0479 22), so ``nnz``
    matches the collection's table; generated matrices carry no explicit zeros.

    Parameters
    ----------
    name : str or os.PathLike
        A catalogue name (``"HB/bcsstk15"``, ``"pyamg/airfoil"``, ``"poisson2d-64"``,
        ``"synthetic-clustered-500"``, ...) or a path ending in ``.mtx``/``.mtx.gz``.
    **params
        Arguments of the generator or pyamg function behind the name.

    Returns
    -------
    scipy.sparse.csr_matrix
        float64, sorted indices.

    Raises
    ------
    ValueError
        For an unknown name (with close matches) or parameters the name does not take, or a
        file that is not Matrix Market, holds a complex or empty matrix or NaN/Inf entries.
    FileNotFoundError
        For a path that does not exist.

    Examples
    --------
    >>> a = load_matrix("poisson2d-8")
    >>> a.shape, a.nnz, a.dtype
    ((64, 64), 288, dtype('float64'))
    >>> load_matrix("HB/nos4").shape
    (100, 100)
    """
    return _resolve(name, params).load()


@lru_cache(maxsize=1)
def _generated_infos() -> tuple[MatrixInfo, ...]:
    infos = []
    for family in _FAMILIES:
        defaults = _SYNTHETIC_DEFAULTS if family.template.startswith("synthetic") else (
            family.default,)
        for name in defaults:
            a = load_matrix(name)
            cond = 1e4 if family.template.startswith("synthetic") else None
            infos.append(MatrixInfo(name, a.shape[0], a.nnz, family.symmetric, family.spd,
                                    family.kind, family.source, family.description, cond))
    return tuple(infos)


def list_matrices(source: str | None = None) -> list[MatrixInfo]:
    """Catalogue of the collection.

    Shipped and pyamg example matrices come from tables in code (no file is read);
    parameterised families are listed by a default instance, built on first call (cheap).

    Parameters
    ----------
    source : {"suitesparse", "pyamg", "generator"}, optional
        Only the matrices of this source.

    Returns
    -------
    list of MatrixInfo
        ``name``, ``n``, ``nnz``, ``symmetric``, ``spd``, ``kind``, ``source``,
        ``description``, ``cond``.

    Raises
    ------
    ValueError
        For an unknown ``source``.

    Examples
    --------
    >>> shipped = list_matrices("suitesparse")
    >>> [(m.name, m.n, m.spd) for m in shipped if m.name == "HB/bcsstk15"]
    [('HB/bcsstk15', 3948, True)]
    >>> {m.source for m in list_matrices()} == {"suitesparse", "pyamg", "generator"}
    True
    """
    if source is not None and source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)} or None, got {source!r}")
    infos = [MatrixInfo(f"{g}/{k}", n, nnz, sym, spd, kind, "suitesparse", desc, cond)
             for k, g, n, nnz, sym, spd, cond, kind, desc in _SUITESPARSE]
    infos += [MatrixInfo(f"pyamg/{k}", n, nnz, sym, spd, kind, "pyamg", desc, cond)
              for k, n, nnz, sym, spd, cond, kind, desc in _PYAMG_EXAMPLES]
    if source in (None, "pyamg", "generator"):
        infos += _generated_infos()
    return [info for info in infos if source is None or info.source == source]


def _asymmetry(a: sp.csr_matrix) -> float:
    """max|A − Aᵀ| / max|A| (0 for the zero matrix)."""
    scale = abs(a).max() if a.nnz else 0.0
    return float(abs(a - a.T).max() / scale) if scale > 0 else 0.0


def _extreme_eigenvalue(s: sp.spmatrix | spla.LinearOperator, **options: Any) -> float | None:
    """One eigenvalue by ARPACK (``eigsh``, k = 1), or ``None`` if it does not converge."""
    try:
        return float(spla.eigsh(s, k=1, return_eigenvectors=False, **options)[0])
    except spla.ArpackNoConvergence:
        return None


def _symmetric_spectrum(s: sp.csr_matrix) -> tuple[bool, float | None, float | None, str]:
    """(SPD, λmin, λmax, method) of a symmetric matrix.

    SPD iff λmin > n·eps·max|λ| (so that singular semidefinite matrices are not SPD).
    n ≤ DENSE_LIMIT: dense eigvalsh. Larger: the pivots of a sparse LU with symmetric pivoting
    (SuperLU, SymmetricMode, diagonal pivots) give the inertia (Sylvester's law), so SPD needs
    them all positive; λmax by Lanczos, λmin by shift-invert at 0 reusing that factorisation
    (or by Lanczos for the smallest algebraic one when not SPD). Lanczos runs to machine
    precision: a looser tolerance can stop at the second eigenvalue of a cluster.
    """
    n = s.shape[0]
    tiny = n * np.finfo(float).eps
    if n <= DENSE_LIMIT:
        w = scipy.linalg.eigvalsh(s.toarray())
        return bool(w[0] > tiny * np.abs(w).max()), float(w[0]), float(w[-1]), "dense eigvalsh"
    method = "sparse LU pivots (inertia) + eigsh"
    v0 = np.random.default_rng(0).standard_normal(n)
    lmax = _extreme_eigenvalue(s, which="LA", tol=0.0, v0=v0, maxiter=10 * n)
    try:
        lu = symmetric_lu(s)
    except RuntimeError:  # exactly singular
        return False, None, lmax, method
    spd = bool(np.array_equal(lu.perm_r, lu.perm_c) and np.all(lu.U.diagonal() > 0))
    if spd:
        inverse = spla.LinearOperator((n, n), matvec=lu.solve, dtype=np.float64)
        lmin = _extreme_eigenvalue(s, sigma=0.0, OPinv=inverse, which="LM", tol=1e-10, v0=v0)
        if lmin is not None and lmax is not None:
            spd = bool(lmin > tiny * abs(lmax))
    else:
        lmin = _extreme_eigenvalue(s, which="SA", tol=0.0, v0=v0, maxiter=10 * n)
    return spd, lmin, lmax, method


def matrix_info(name: str | os.PathLike[str], **params: Any) -> dict[str, Any]:
    """Properties of a matrix, measured on the matrix (``sciml matrices info``).

    Size, nnz, nnz per row, range of ``|diag(A)|``, symmetry
    (``max|A − Aᵀ| ≤ SYMMETRY_RTOL·max|A|``), SPD and λmin/λmax for symmetric ones, source
    and provenance.
    The spectrum of a symmetric matrix is computed on (A + Aᵀ)/2: by dense ``eigvalsh`` up to
    n = 500; beyond, SPD is decided by the pivots of a sparse symmetric LU (the inertia) and
    λmin, λmax come from ARPACK (``None`` if it does not converge). SPD means
    λmin > n·eps·``|λmax|``, so a singular semidefinite matrix is not SPD.

    Parameters
    ----------
    name : str or os.PathLike
        A catalogue name or a Matrix Market path, as for :func:`load_matrix`.
    **params
        Arguments of the generator or pyamg function behind the name.

    Returns
    -------
    dict
        Plain Python values (JSON-ready), ``None`` where a quantity does not apply: ``name``,
        ``source``, ``kind``, ``description``, ``provenance``, ``params``, ``shape``, ``n``,
        ``nnz``, ``explicit_zeros``, ``nnz_per_row_mean``, ``nnz_per_row_max``,
        ``diag_abs_min``, ``diag_abs_max``, ``symmetric``, ``asymmetry``
        (``max|A − Aᵀ| / max|A|``, square matrices only), ``spd``, ``lambda_min``,
        ``lambda_max``, ``cond_estimate`` (λmax/λmin, SPD only) and ``spectrum_method``.

    Raises
    ------
    ValueError
        As :func:`load_matrix`: an unknown name, parameters the name does not take, or an
        unreadable Matrix Market file.
    FileNotFoundError
        For a Matrix Market path that does not exist.
    TypeError
        If ``name`` is neither a string nor a path.

    See Also
    --------
    load_matrix : The matrix itself.
    list_matrices : The catalogue, without loading the matrices.

    Examples
    --------
    >>> import numpy as np
    >>> info = matrix_info("poisson2d-8")
    >>> info["shape"], info["nnz"], info["symmetric"], info["spd"]
    ([64, 64], 288, True, True)

    λmin of the 2-D Poisson matrix is 8h⁻² sin²(πh/2), h = 1/9:

    >>> h = 1 / 9
    >>> bool(np.isclose(info["lambda_min"], 8 / h**2 * np.sin(np.pi * h / 2) ** 2))
    True
    """
    entry = _resolve(name, params)
    a = entry.load()
    rows, cols = a.shape
    per_row = np.diff(a.indptr)
    diagonal = np.abs(a.diagonal())
    asymmetry = _asymmetry(a) if rows == cols else None
    symmetric = asymmetry is not None and asymmetry <= SYMMETRY_RTOL
    spd, lmin, lmax, method = False, None, None, None
    if symmetric:
        spd, lmin, lmax, method = _symmetric_spectrum(((a + a.T) * 0.5).tocsr())
    return {
        "name": entry.name,
        "source": entry.source,
        "kind": entry.kind,
        "description": entry.description,
        "provenance": entry.provenance,
        "params": dict(params),
        "shape": [rows, cols],
        "n": rows,
        "nnz": int(a.nnz),
        "explicit_zeros": int(np.count_nonzero(a.data == 0)),
        "nnz_per_row_mean": float(a.nnz / rows) if rows else 0.0,
        "nnz_per_row_max": int(per_row.max()) if rows else 0,
        "diag_abs_min": float(diagonal.min()) if diagonal.size else None,
        "diag_abs_max": float(diagonal.max()) if diagonal.size else None,
        "symmetric": symmetric,
        "asymmetry": asymmetry,
        "spd": spd,
        "lambda_min": lmin,
        "lambda_max": lmax,
        "cond_estimate": lmax / lmin if spd and lmin else None,
        "spectrum_method": method,
    }

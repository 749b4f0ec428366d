"""Matrix generators: model PDE operators, operators with a prescribed spectrum and tall
least-squares problems with a prescribed condition number and row coherence.

Every function is plain NumPy/SciPy, returns a new array or ``scipy.sparse.csr_matrix``
(float64, sorted indices, no explicit zeros) and takes a ``seed`` where it draws random numbers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from pyamg.gallery import diffusion_stencil_2d, poisson, stencil_grid
from scipy.optimize import brentq

from sciml.data.pde.darcy import darcy_coefficient, darcy_operator

SPECTRUM_PROFILES = ("uniform", "clustered", "outliers", "power-law", "geometric")
SeedLike = int | np.random.Generator


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _real(value: object, name: str, *, low: float = -np.inf, strict: bool = False) -> float:
    """``value`` as a finite float that is > ``low`` (strict) or >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value) or value < low or (strict and value == low):
        bound = f"> {low:g}" if strict else f">= {low:g}"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return value


def _rng(seed: SeedLike) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise TypeError(f"seed must be an integer or a numpy Generator, got {seed!r}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def _clean(a: sp.sparray | sp.spmatrix) -> sp.csr_matrix:
    a = sp.csr_matrix(a, dtype=np.float64)
    a.eliminate_zeros()
    a.sort_indices()
    return a


def poisson2d(n: int) -> sp.csr_matrix:
    """Five-point −Δ on the unit square, n×n interior points, u = 0 on the boundary.

    A = h⁻²·(4, −1 stencil), h = 1/(n+1); eigenvalues 4h⁻²(sin²(iπh/2) + sin²(jπh/2)),
    1 ≤ i, j ≤ n. Row i·n + j is the point (x_i, y_j).

    Parameters
    ----------
    n : int
        Interior points per axis (≥ 1); A is n²×n².

    Returns
    -------
    scipy.sparse.csr_matrix
        The SPD n²×n² matrix, float64, at most 5 entries a row.

    Raises
    ------
    TypeError
        If ``n`` is not an integer (``bool`` included).
    ValueError
        If ``n`` < 1.

    See Also
    --------
    poisson3d : The 3-D analogue.
    anisotropic2d : Rotated anisotropic diffusion.

    Examples
    --------
    >>> import numpy as np
    >>> a = poisson2d(4)
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((16, 16), 64, 0)

    The smallest eigenvalue is 8h⁻² sin²(πh/2):

    >>> h = 1 / 5
    >>> bool(np.isclose(np.linalg.eigvalsh(a.toarray())[0], 8 / h**2 * np.sin(np.pi * h / 2) ** 2))
    True
    """
    n = _positive_int(n, "n")
    return _clean(poisson((n, n), format="csr") * float(n + 1) ** 2)


def poisson3d(n: int) -> sp.csr_matrix:
    """Seven-point −Δ on the unit cube, n³ interior points, h⁻²-scaled as in :func:`poisson2d`.

    A = h⁻²·(6, −1 stencil), h = 1/(n+1), u = 0 on the boundary; eigenvalues
    4h⁻²(sin²(iπh/2) + sin²(jπh/2) + sin²(kπh/2)), 1 ≤ i, j, k ≤ n.

    Parameters
    ----------
    n : int
        Interior points per axis (≥ 1); A is n³×n³.

    Returns
    -------
    scipy.sparse.csr_matrix
        The SPD n³×n³ matrix, float64, at most 7 entries a row.

    Raises
    ------
    TypeError
        If ``n`` is not an integer (``bool`` included).
    ValueError
        If ``n`` < 1.

    See Also
    --------
    poisson2d : The 2-D analogue.

    Examples
    --------
    >>> import numpy as np
    >>> a = poisson3d(3)
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((27, 27), 135, 0)
    >>> h = 1 / 4  # smallest eigenvalue 12 h⁻² sin²(πh/2)
    >>> bool(np.isclose(np.linalg.eigvalsh(a.toarray())[0], 12 / h**2 * np.sin(np.pi * h / 2) ** 2))
    True
    """
    n = _positive_int(n, "n")
    return _clean(poisson((n, n, n), format="csr") * float(n + 1) ** 2)


def anisotropic2d(
    n: int, *, epsilon: float = 1e-3, theta: float = np.pi / 6, discretization: str = "FE"
) -> sp.csr_matrix:
    """Rotated anisotropic diffusion −∇·(Q diag(1, ε) Qᵀ ∇u), Q the rotation by θ.

    On n×n interior points with u = 0 on the boundary (pyamg ``diffusion_stencil_2d`` +
    ``stencil_grid``).

    Unscaled stencil: for ``"FE"`` the bilinear (Q1) stiffness matrix, which in 2D does not
    depend on h; for ``"FD"`` h²·(finite-difference operator). Row i·n + j is the point
    (x_i, y_j); for θ = 0, A = K⊗M + ε M⊗K with K = tridiag(−1, 2, −1), M = tridiag(1, 4, 1)/6.

    Parameters
    ----------
    n : int
        Interior points per axis (≥ 1); A is n²×n².
    epsilon : float, default 1e-3
        Keyword-only. Diffusion coefficient across the rotated axis (finite, > 0).
    theta : float, default π/6
        Keyword-only. Rotation angle of the principal axes, in radians (finite).
    discretization : {"FE", "FD"}, default "FE"
        Keyword-only. Bilinear finite elements or finite differences (pyamg's ``type``).

    Returns
    -------
    scipy.sparse.csr_matrix
        The symmetric n²×n² matrix, float64, at most 9 entries a row.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, or ``epsilon`` or ``theta`` not a real number.
    ValueError
        If ``n`` < 1, ``epsilon`` is not finite and > 0, ``theta`` is not finite, or
        ``discretization`` is neither "FE" nor "FD".

    See Also
    --------
    poisson2d : The isotropic five-point Laplacian, h⁻²-scaled.

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> a = anisotropic2d(4)
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((16, 16), 100, 0)

    For θ = 0 the matrix is the Kronecker sum above:

    >>> k = sp.diags([-1.0, 2.0, -1.0], [-1, 0, 1], shape=(3, 3))
    >>> m = sp.diags([1.0, 4.0, 1.0], [-1, 0, 1], shape=(3, 3)) / 6
    >>> b = anisotropic2d(3, epsilon=0.5, theta=0.0)
    >>> bool(np.allclose(b.toarray(), (sp.kron(k, m) + 0.5 * sp.kron(m, k)).toarray()))
    True
    """
    n = _positive_int(n, "n")
    epsilon = _real(epsilon, "epsilon", low=0.0, strict=True)
    theta = _real(theta, "theta")
    if discretization not in ("FE", "FD"):
        raise ValueError(f"discretization must be 'FE' or 'FD', got {discretization!r}")
    stencil = diffusion_stencil_2d(epsilon=epsilon, theta=theta, type=discretization)
    return _clean(stencil_grid(stencil, (n, n), format="csr"))


def darcy(
    n: int,
    *,
    seed: SeedLike = 0,
    alpha: float = 2.0,
    tau: float = 3.0,
    a_high: float = 12.0,
    a_low: float = 3.0,
) -> sp.csr_matrix:
    """Variable-coefficient diffusion −∇·(a∇u) on n×n cells (SPD, n² unknowns).

    The coefficient a is the thresholded Gaussian random field of the Darcy benchmark
    (:func:`sciml.data.pde.darcy.darcy_coefficient`, :func:`~sciml.data.pde.darcy.darcy_operator`).

    Parameters
    ----------
    n : int
        Cells per axis (≥ 1); A is n²×n².
    seed : int or numpy.random.Generator, default 0
        Keyword-only. Seed (≥ 0) or generator of the random field.
    alpha : float, default 2.0
        Keyword-only. Smoothness exponent of the field's covariance (τ² − Δ)^(−α) (> 0).
    tau : float, default 3.0
        Keyword-only. Inverse length scale of the field (> 0).
    a_high : float, default 12.0
        Keyword-only. Coefficient where the field is ≥ 0 (> 0).
    a_low : float, default 3.0
        Keyword-only. Coefficient where the field is < 0 (> 0).

    Returns
    -------
    scipy.sparse.csr_matrix
        The SPD n²×n² matrix, float64.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, a coefficient not a real number, or ``seed`` neither an
        integer nor a Generator.
    ValueError
        If ``n`` < 1, a coefficient is not finite and > 0, or ``seed`` < 0.

    Examples
    --------
    >>> import numpy as np
    >>> a = darcy(8, seed=0)
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((64, 64), 288, 0)
    >>> bool(np.linalg.eigvalsh(a.toarray())[0] > 0)
    True
    """
    n = _positive_int(n, "n")
    alpha, tau, a_high, a_low = (
        _real(value, name, low=0.0, strict=True)
        for value, name in ((alpha, "alpha"), (tau, "tau"), (a_high, "a_high"), (a_low, "a_low"))
    )
    a = darcy_coefficient(_rng(seed), n, alpha=alpha, tau=tau, a_high=a_high, a_low=a_low)
    return _clean(darcy_operator(a))


def synthetic_spectrum(
    profile: str, n: int, *, cond: float = 1e4, seed: SeedLike = 0, lmax: float = 1.0
) -> np.ndarray:
    """``n`` eigenvalues in [lmax/cond, lmax], both ends attained, sorted ascending.

    Profiles: ``uniform`` (equispaced), ``geometric`` (equispaced in log),
    ``power-law`` (λ_k = lmax·k^(−p), k = 1..n, p = log(cond)/log(n)),
    ``clustered`` (5 equal clusters: t = c_k + 0.01·U(−1, 1) around c_k = k/4, rescaled to
    [0, 1], λ = (lmax/cond)·cond^t),
    ``outliers`` (max(1, n//50) small eigenvalues log-equispaced from lmax/cond up to a random
    bulk, uniform in [lmax/min(cond, 10), lmax]). Only the last two are random.

    Parameters
    ----------
    profile : {"uniform", "clustered", "outliers", "power-law", "geometric"}
        Distribution of the eigenvalues (:data:`SPECTRUM_PROFILES`).
    n : int
        Number of eigenvalues (≥ 2).
    cond : float, default 1e4
        Keyword-only. Ratio λmax/λmin (finite, ≥ 1).
    seed : int or numpy.random.Generator, default 0
        Keyword-only. Seed (≥ 0) or generator; used by the random profiles only.
    lmax : float, default 1.0
        Keyword-only. The largest eigenvalue (finite, > 0).

    Returns
    -------
    numpy.ndarray
        Shape (n,), float64, ascending, first entry lmax/cond and last lmax.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``cond`` or ``lmax`` not a real number, or ``seed``
        neither an integer nor a Generator.
    ValueError
        If ``profile`` is unknown, ``n`` < 2, ``cond`` < 1, ``lmax`` ≤ 0, either is not
        finite, or ``seed`` < 0.

    See Also
    --------
    synthetic_symmetric : A sparse symmetric matrix with given eigenvalues.
    synthetic : The two combined.

    Examples
    --------
    >>> synthetic_spectrum("geometric", 5, cond=100).round(4).tolist()
    [0.01, 0.0316, 0.1, 0.3162, 1.0]
    >>> lam = synthetic_spectrum("clustered", 10, cond=100, seed=0)
    >>> lam.shape, float(lam[0]), float(lam[-1])
    ((10,), 0.01, 1.0)
    """
    if profile not in SPECTRUM_PROFILES:
        raise ValueError(f"profile must be one of {', '.join(SPECTRUM_PROFILES)}; got {profile!r}")
    n = _positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be at least 2 for a spectrum with two ends, got {n}")
    cond = _real(cond, "cond", low=1.0)
    lmax = _real(lmax, "lmax", low=0.0, strict=True)
    lmin = lmax / cond
    rng = _rng(seed)
    if profile == "uniform":
        lam = np.linspace(lmin, lmax, n)
    elif profile == "geometric":
        lam = np.geomspace(lmin, lmax, n)
    elif profile == "power-law":
        lam = lmax * np.arange(1.0, n + 1) ** (-np.log(cond) / np.log(n))
    elif profile == "clustered":
        k = min(n, 5)
        t = np.linspace(0.0, 1.0, k)[np.arange(n) * k // n] + 0.01 * rng.uniform(-1.0, 1.0, n)
        lam = lmin * cond ** ((t - t.min()) / (t.max() - t.min()))
    else:  # outliers
        n_out = max(1, n // 50)
        bulk_low = lmax / min(cond, 10.0)
        bulk = rng.uniform(bulk_low, lmax, n - n_out)
        lam = np.concatenate([np.geomspace(lmin, bulk_low, n_out + 1)[:-1], bulk])
    lam = np.sort(lam)
    lam[0], lam[-1] = lmin, lmax
    return lam


def _rotation_layer(n: int, rng: np.random.Generator, structure: str, layer: int) -> sp.csr_matrix:
    """Disjoint Givens rotations on index pairs: random pairs, or (i, i+1) with i ≡ layer mod 2."""
    if structure == "random":
        order = rng.permutation(n)
        pairs = order[: 2 * (n // 2)].reshape(-1, 2)
    else:
        first = np.arange(layer % 2, n - 1, 2)
        pairs = np.stack([first, first + 1], axis=1)
    i, j = pairs[:, 0], pairs[:, 1]
    angle = rng.uniform(0.0, 2.0 * np.pi, len(i))
    c, s = np.cos(angle), np.sin(angle)
    fixed = np.setdiff1d(np.arange(n), pairs.ravel())
    rows = np.concatenate([i, i, j, j, fixed])
    cols = np.concatenate([i, j, i, j, fixed])
    vals = np.concatenate([c, -s, s, c, np.ones(len(fixed))])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def synthetic_symmetric(
    eigenvalues: np.ndarray, *, seed: SeedLike = 0, layers: int = 3, structure: str = "random"
) -> sp.csr_matrix:
    """Sparse symmetric A = Q diag(λ) Qᵀ with exactly the given eigenvalues (to rounding).

    Q = G_L ⋯ G_1 is a product of ``layers`` layers of disjoint Givens rotations with random
    angles, and λ is randomly permuted first. ``structure="random"``: each layer rotates a random
    pairing of the indices, so a row of A has at most 4^L entries (about 2, 6, 21, 75 on average
    for L = 1..4; L ≥ 3 makes A irreducible with high probability). ``structure="banded"``:
    layers rotate neighbours (i, i+1), alternately from i = 0 and i = 1, so A has bandwidth
    2L − 1 (at most 4L − 1 entries per row).
    The result is symmetrised exactly, (A + Aᵀ)/2.

    Parameters
    ----------
    eigenvalues : array_like
        The eigenvalues λ, a non-empty finite 1-D array; n = ``len(eigenvalues)``.
    seed : int or numpy.random.Generator, default 0
        Keyword-only. Seed (≥ 0) or generator of the permutation, pairings and angles.
    layers : int, default 3
        Keyword-only. Number L of rotation layers (≥ 1).
    structure : {"random", "banded"}, default "random"
        Keyword-only. Random pairings, or neighbour pairs (a banded A).

    Returns
    -------
    scipy.sparse.csr_matrix
        The symmetric n×n matrix, float64.

    Raises
    ------
    TypeError
        If ``layers`` is not an integer, or ``seed`` neither an integer nor a Generator.
    ValueError
        If ``eigenvalues`` is not a non-empty finite 1-D array, ``layers`` < 1, ``seed`` < 0,
        or ``structure`` is unknown.

    Examples
    --------
    >>> import numpy as np
    >>> a = synthetic_symmetric(np.arange(1.0, 9.0), layers=1, structure="banded")
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((8, 8), 16, 0)
    >>> np.linalg.eigvalsh(a.toarray()).round(8).tolist()
    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size < 1 or not np.all(np.isfinite(lam)):
        raise ValueError(f"eigenvalues must be a non-empty finite 1D array, got shape {lam.shape}")
    layers = _positive_int(layers, "layers")
    if structure not in ("random", "banded"):
        raise ValueError(f"structure must be 'random' or 'banded', got {structure!r}")
    rng = _rng(seed)
    n = lam.size
    a = sp.diags(rng.permutation(lam)).tocsr()
    for layer in range(layers):
        g = _rotation_layer(n, rng, structure, layer)
        a = g @ a @ g.T
    return _clean((a + a.T) * 0.5)


def synthetic(
    profile: str,
    n: int,
    *,
    cond: float = 1e4,
    seed: SeedLike = 0,
    lmax: float = 1.0,
    layers: int = 3,
    structure: str = "random",
) -> sp.csr_matrix:
    """:func:`synthetic_symmetric` of :func:`synthetic_spectrum`; SPD with κ₂ = ``cond``.

    One generator, made from ``seed``, draws the spectrum and then Q, so the result is
    determined by ``seed``.

    Parameters
    ----------
    profile : {"uniform", "clustered", "outliers", "power-law", "geometric"}
        Distribution of the eigenvalues (see :func:`synthetic_spectrum`).
    n : int
        Size (≥ 2).
    cond : float, default 1e4
        Keyword-only. Condition number κ₂ = λmax/λmin (finite, ≥ 1).
    seed : int or numpy.random.Generator, default 0
        Keyword-only. Seed (≥ 0) or generator.
    lmax : float, default 1.0
        Keyword-only. The largest eigenvalue (finite, > 0).
    layers : int, default 3
        Keyword-only. Givens-rotation layers (see :func:`synthetic_symmetric`).
    structure : {"random", "banded"}, default "random"
        Keyword-only. Sparsity pattern (see :func:`synthetic_symmetric`).

    Returns
    -------
    scipy.sparse.csr_matrix
        The SPD n×n matrix, float64.

    Raises
    ------
    TypeError
        If ``n`` or ``layers`` is not an integer, ``cond`` or ``lmax`` not a real number, or
        ``seed`` neither an integer nor a Generator.
    ValueError
        As :func:`synthetic_spectrum` and :func:`synthetic_symmetric` refuse their arguments.

    Examples
    --------
    >>> import numpy as np
    >>> a = synthetic("uniform", 50, cond=1e3, seed=0)
    >>> a.shape, a.nnz, (a != a.T).nnz  # exactly symmetric
    ((50, 50), 900, 0)
    >>> lam = np.linalg.eigvalsh(a.toarray())
    >>> bool(np.isclose(lam[-1] / lam[0], 1e3))
    True
    """
    rng = _rng(seed)
    lam = synthetic_spectrum(profile, n, cond=cond, seed=rng, lmax=lmax)
    return synthetic_symmetric(lam, seed=rng, layers=layers, structure=structure)


def leverage_scores(a: np.ndarray) -> np.ndarray:
    """Row leverage scores ℓ_i = ‖U_i‖², U an orthonormal basis of range(A).

    U comes from the thin QR of A, so A must have full column rank: the rank is not checked,
    and a rank-deficient A gives meaningless scores. For full rank, Σ ℓ_i = n and
    0 ≤ ℓ_i ≤ 1.

    Parameters
    ----------
    a : array_like
        An m×n matrix (m ≥ n) of full column rank.

    Returns
    -------
    numpy.ndarray
        Shape (m,), the leverage score of each row.

    See Also
    --------
    coherence : Row coherence m·max ℓ_i / n.

    Examples
    --------
    >>> import numpy as np
    >>> leverage_scores(np.eye(3)[:, :2]).tolist()
    [1.0, 1.0, 0.0]
    >>> a = np.random.default_rng(0).standard_normal((6, 2))
    >>> round(float(leverage_scores(a).sum()), 10)
    2.0
    """
    q = np.linalg.qr(np.asarray(a, dtype=np.float64))[0]
    return np.einsum("ij,ij->i", q, q)


def coherence(a: np.ndarray) -> float:
    """Row coherence μ(A) = m·max_i ℓ_i / n ∈ [1, m/n] of an m×n matrix of full column rank.

    ℓ are the :func:`leverage_scores`; μ = 1 when every row carries the same weight, m/n
    when n rows span range(A) alone.

    Parameters
    ----------
    a : array_like
        An m×n matrix (m ≥ n) of full column rank.

    Returns
    -------
    float
        The coherence μ(A).

    Examples
    --------
    >>> import numpy as np
    >>> coherence(np.vstack([np.eye(2), np.zeros((2, 2))]))  # the maximum, m/n
    2.0
    >>> coherence(np.ones((4, 1)))  # the minimum
    1.0
    """
    m, n = np.shape(a)
    return float(m * leverage_scores(a).max() / n)


class LeastSquaresProblem(NamedTuple):
    """A least-squares problem min‖Ax − b‖₂ with its exact solution ``x``.

    Returned by :func:`least_squares`; a named tuple, so ``A, x, b = problem`` works.

    Parameters
    ----------
    A : numpy.ndarray
        The m×n matrix.
    x : numpy.ndarray
        The least-squares solution, shape (n,).
    b : numpy.ndarray
        The right-hand side, shape (m,).

    Examples
    --------
    >>> import numpy as np
    >>> p = least_squares(8, 3, seed=0)
    >>> A, x, b = p
    >>> A.shape, x.shape, b.shape
    ((8, 3), (3,), (8,))
    """

    A: np.ndarray
    x: np.ndarray
    b: np.ndarray


def least_squares(
    m: int,
    n: int,
    *,
    cond: float = 1e3,
    coherence: float = 1.0,
    residual: float = 0.0,
    seed: SeedLike = 0,
) -> LeastSquaresProblem:
    """Dense tall problem A = U Σ Vᵀ (m×n) with κ₂(A) = ``cond`` and μ(U) = ``coherence``.

    Σ = geomspace(1, 1/cond, n); V is a random orthogonal matrix. U comes from the QR of
    diag(w)·G, G Gaussian: the weights w first put the rows of G in radial isotropic position
    (iterative rescaling w_i² ← w_i²·(n/m)/ℓ_i, which gives μ → 1) as far as needed, then scale
    n random rows by s ≥ 1, with s found by root-finding so that μ hits the target (s → ∞
    makes those rows an orthonormal basis: μ → m/n). μ(U) lands within 1e-8 relative of the
    target; μ(A) recomputed from A by QR is only as accurate as eps·cond. The rescaling converges
    slowly when m is close to n (``RuntimeError`` after 1000 steps).
    b = Ax + r with r ⊥ range(A) and ‖r‖ = residual·‖Ax‖, so ``x`` is the exact least-squares
    solution.

    Parameters
    ----------
    m : int
        Rows (≥ n).
    n : int
        Columns (≥ 1).
    cond : float, default 1e3
        Keyword-only. Condition number κ₂(A) (finite, ≥ 1).
    coherence : float, default 1.0
        Keyword-only. Row coherence μ(U) in [1, m/n) (exactly 1 when m = n).
    residual : float, default 0.0
        Keyword-only. ‖r‖/‖Ax‖ (finite, ≥ 0); ignored when m = n (then r = 0).
    seed : int or numpy.random.Generator, default 0
        Keyword-only. Seed (≥ 0) or generator.

    Returns
    -------
    LeastSquaresProblem
        ``(A, x, b)``: A of shape (m, n), x of shape (n,), b of shape (m,).

    Raises
    ------
    TypeError
        If ``m`` or ``n`` is not an integer, ``cond``, ``coherence`` or ``residual`` not a real
        number, or ``seed`` neither an integer nor a Generator.
    ValueError
        If ``m`` < ``n``, a size < 1, ``cond`` < 1, ``coherence`` is outside [1, m/n) or too
        close to m/n to reach, ``residual`` < 0, a number is not finite, or ``seed`` < 0.
    RuntimeError
        If the rescaling towards a low coherence does not converge in 1000 steps.

    See Also
    --------
    coherence : Row coherence of a matrix.
    leverage_scores : Row leverage scores of a matrix.

    Examples
    --------
    >>> import numpy as np
    >>> p = least_squares(20, 4, cond=100, coherence=2.0, residual=0.1, seed=0)
    >>> p.A.shape, round(float(np.linalg.cond(p.A)), 6), round(coherence(p.A), 6)
    ((20, 4), 100.0, 2.0)
    >>> bool(np.allclose(np.linalg.lstsq(p.A, p.b, rcond=None)[0], p.x))
    True
    """
    m, n = _positive_int(m, "m"), _positive_int(n, "n")
    if m < n:
        raise ValueError(f"m must be >= n for a tall problem, got m={m}, n={n}")
    cond = _real(cond, "cond", low=1.0)
    target = _real(coherence, "coherence", low=1.0)
    if (m > n and target >= m / n) or (m == n and target != 1.0):
        raise ValueError(
            f"coherence must lie in [1, m/n) = [1, {m / n:g}) (exactly 1 when m == n), "
            f"got {target!r}"
        )
    residual = _real(residual, "residual", low=0.0)
    rng = _rng(seed)
    g = rng.standard_normal((m, n))
    heavy = rng.choice(m, size=n, replace=False)
    w = np.ones(m)
    lev = leverage_scores(g)
    for _ in range(1000):
        if m * lev.max() / n <= target * (1.0 + 1e-8):
            break
        w *= np.sqrt(n / (m * lev))
        lev = leverage_scores(w[:, None] * g)
    else:
        raise RuntimeError(
            f"coherence {target!r} not reached in 1000 rescaling steps for m={m}, n={n} "
            f"(got {m * lev.max() / n:.8g}); ask for a larger coherence or a taller matrix"
        )

    def weighted(log_s: float) -> np.ndarray:
        scaled = w.copy()
        scaled[heavy] *= np.exp(log_s)
        return scaled[:, None] * g

    def excess(log_s: float) -> float:
        return m * leverage_scores(weighted(log_s)).max() / n - target

    log_s = 0.0
    if excess(0.0) < 0.0:
        high = 1.0
        while excess(high) < 0.0:
            high *= 2.0
            if high > 512.0:
                raise ValueError(f"coherence {target!r} is too close to m/n = {m / n:g}")
        log_s = brentq(excess, 0.0, high, xtol=1e-14, rtol=1e-14)
    u = np.linalg.qr(weighted(log_s))[0]
    v = np.linalg.qr(rng.standard_normal((n, n)))[0]
    a = (u * np.geomspace(1.0, 1.0 / cond, n)) @ v.T
    x = rng.standard_normal(n)
    ax = a @ x
    b = ax
    if residual > 0.0 and m > n:
        z = rng.standard_normal(m)
        z -= u @ (u.T @ z)
        b = ax + z * (residual * np.linalg.norm(ax) / np.linalg.norm(z))
    return LeastSquaresProblem(a, x, b)

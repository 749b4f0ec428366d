"""``eigsh(A, k)``: k extreme eigenpairs of a symmetric A by polynomial-filtered subspace
iteration (ChFSI, Zhou & Saad 2007), with ARPACK and LOBPCG as references; every result counts
its matvecs (a block of m columns counts m).

Filters act on Â = (A − cI)/e, c = (b+a)/2, e = (b−a)/2, which maps the damped interval [a, b]
(a = the cut, the largest Ritz value of the active block; b = the probe's upper bound) to
[−1, 1]; the wanted eigenvalues lie below −1. With x_0 = (a_0 − c)/e (a_0 the lowest Ritz
value) and t_j = T_j(x_0), the scaled terms S_j = T_j(Â)X/t_j obey S_0 = X, S_1 = ÂX/x_0,
S_{j+1} = 2ρ_j ÂS_j − ρ_jρ_{j−1}S_{j−1} with ρ_j = t_j/t_{j+1} = 1/(2x_0 − ρ_{j−1}), so nothing
overflows at any degree. "chebyshev": S_m (Zhou–Saad's T_m filter, with a degree per column as
in ChASE); "learned": Σ_j c_j T_j(Â)X/t_m = Σ_j c_j (Π_{i=j}^{m−1} ρ_i) S_j with the shipped
network's coefficients (task "filter" of :mod:`solvers.learner`) for the columns that need the
full degree, the Chebyshev filter of lower degree for the others.
Convergence (as ARPACK): ‖A x_i − θ_i x_i‖ ≤ tol·|θ_i| for the k wanted pairs; a run that
stops short raises :class:`EigNoConvergence` (or warns, with ``partial=True``).
A residual test cannot see a missed copy of a multiple eigenvalue (ARPACK with shift-invert
returns 5 of the 6 copies of λ = 1 of bcsstk15 with small residuals); for an explicit sparse A
the count of eigenvalues in the interval the result spans is checked by Sylvester's law of
inertia (:func:`sciml.data.matrices.inertia.count_below`), one sparse LDLᵀ per end.
Shift-invert (``sigma``): the same iteration on B = (A − σI)⁻¹ (sparse LU), whose largest
eigenvalues 1/(λ − σ) belong to the eigenvalues just above σ, λ = σ + 1/θ; this is what a
clustered lower end of a wide spectrum needs (bcsstk15: λ_1..8 ∈ [1, 823], λ_max ≈ 6.5e9),
where no polynomial of moderate degree separates the wanted eigenvalues.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.core.checks import check_integer, check_nonnegative, check_tolerance
from sciml.data.matrices.inertia import count_below
from solvers.linear_operators import CountingOperator, check_degree, check_operator, is_symmetric
from solvers.probes import lanczos

EIG_METHODS = ("filtered", "filtered-lanczos", "arpack", "lobpcg")
FILTERS = ("chebyshev", "learned")
MIN_DEGREE = 4  # lowest per-column degree of the adaptive Chebyshev filter
PROBE_MARGIN = 1.05
DEFAULT_DEGREE = {"chebyshev": 12, "learned": 12}  # the filter model ships at degree 12
FILTERED_LANCZOS_DEGREE = 2  # fewest matvecs (a Lanczos step on p(A) costs deg matvecs)


@dataclass(frozen=True)
class EigResult:
    """The result of :func:`eigsh`: k eigenpairs, their residuals and what they cost.

    Eigenvalues ascending (k of them), eigenvectors as columns, the matvecs used, outer
    iterations, whether all k met the tolerance, and their relative residuals.

    Parameters
    ----------
    values : ndarray
        Eigenvalues θ_i, ascending, shape (k,) (fewer when a method found fewer).
    vectors : ndarray
        Eigenvectors as columns, shape (n, k), in the order of ``values``.
    matvecs : int
        Products with A (a block of m columns counts m; with ``sigma``, solves with
        A − σI), the LOBPCG preconditioner's own products included.
    iterations : int
        Outer sweeps of "filtered", ARPACK runs (1 or 2) of "filtered-lanczos"; 0 for
        "arpack" and "lobpcg".
    converged : bool
        Whether all k pairs met the tolerance (and, when checked, the inertia count).
    residuals : ndarray
        Relative residuals ‖A x_i − θ_i x_i‖ / |θ_i|, shape (k,).
    method : str
        The method used: "filtered-chebyshev", "filtered-learned", "filtered-lanczos",
        "arpack" or "lobpcg", with "-shift-invert" appended when ``sigma`` was given.

    See Also
    --------
    eigsh : Computes it.
    EigNoConvergence : Carries a result that missed the tolerance.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> result = eigsh(a, k=3)
    >>> result.method, result.converged, result.values.shape, result.vectors.shape
    ('filtered-chebyshev', True, (3,), (64, 3))
    >>> bool(np.all(result.residuals <= 1e-6))
    True
    >>> x = result.vectors  # orthonormal; θ_i are A's 3 smallest eigenvalues
    >>> exact = np.linalg.eigvalsh(a.toarray())[:3]
    >>> bool(np.allclose(x.T @ x, np.eye(3))), bool(np.allclose(result.values, exact))
    (True, True)
    """

    values: np.ndarray
    vectors: np.ndarray
    matvecs: int
    iterations: int
    converged: bool
    residuals: np.ndarray
    method: str


class EigNoConvergence(RuntimeError):
    """Raised by :func:`eigsh` when some of the k wanted pairs missed the tolerance.

    Also raised when every residual met it but the inertia count shows that an eigenvalue
    inside the span of the result was missed (a copy of a multiple eigenvalue). Like ARPACK's
    ``ArpackNoConvergence`` it carries the (partial) ``eigenvalues`` and ``eigenvectors``, and
    the whole :class:`EigResult` as ``result`` (with ``converged=False``).

    Parameters
    ----------
    message : str
        What was missed: the pairs above the tolerance with their residuals, or the count.
    result : EigResult
        The partial result.

    Attributes
    ----------
    result : EigResult
        The partial result.
    eigenvalues : ndarray
        ``result.values``.
    eigenvectors : ndarray
        ``result.vectors``.

    See Also
    --------
    eigsh : Raises it (``partial=True`` warns and returns the result instead).
    scipy.sparse.linalg.ArpackNoConvergence : SciPy's counterpart.

    Examples
    --------
    One sweep of the filtered iteration cannot reach ``tol=1e-6``:

    >>> from sciml.data.matrices import poisson2d
    >>> try:
    ...     eigsh(poisson2d(8), k=3, maxiter=1)
    ... except EigNoConvergence as err:
    ...     error = err
    >>> print(error)
    eigsh (filtered-chebyshev) did not converge to tol=1e-06 after ... matvecs: 3 of 3 pairs ...
    >>> error.result.converged, error.eigenvalues.shape, error.eigenvectors.shape
    (False, (3,), (64, 3))
    >>> isinstance(error, RuntimeError)
    True
    """

    def __init__(self, message: str, result: EigResult):
        super().__init__(message)
        self.result = result
        self.eigenvalues = result.values
        self.eigenvectors = result.vectors


def _affine(lower: float, upper: float, a0: float) -> tuple[float, float, float]:
    """(c, e, x_0) of the map λ → (λ − c)/e sending [lower, upper] to [−1, 1]."""
    e, c = 0.5 * (upper - lower), 0.5 * (upper + lower)
    return c, e, (a0 - c) / e


def chebyshev_filter(a, x: np.ndarray, degree, lower: float, upper: float, a0: float) -> np.ndarray:
    """T_m((A − cI)/e) X / T_m((a_0 − c)/e) by the scaled three-term recurrence; ``degree`` is
    one m or one per column (a column stops being multiplied once its degree is reached)."""
    degrees = np.broadcast_to(np.asarray(degree, dtype=int), (x.shape[1],))
    c, e, x0 = _affine(lower, upper, a0)
    out = np.array(x, dtype=np.float64, copy=True)
    cols = np.flatnonzero(degrees >= 1)
    prev = x[:, cols]
    cur = (a @ prev - c * prev) / (e * x0)
    rho_prev = 1.0 / x0
    for step in range(1, int(degrees.max(initial=0)) + 1):
        done = degrees[cols] == step
        out[:, cols[done]] = cur[:, done]
        keep = ~done
        cols, prev, cur = cols[keep], prev[:, keep], cur[:, keep]
        if cols.size == 0:
            break
        rho = 1.0 / (2.0 * x0 - rho_prev)
        prev, cur = cur, (2.0 * rho / e) * (a @ cur - c * cur) - (rho * rho_prev) * prev
        rho_prev = rho
    return out


def expansion_filter(
    a, x: np.ndarray, coeffs: np.ndarray, lower: float, upper: float, a0: float
) -> np.ndarray:
    """Σ_j c_j T_j((A − cI)/e) X / T_m((a_0 − c)/e), m = len(coeffs) − 1, from the scaled
    terms S_j (``degree`` products with A per column)."""
    coeffs = np.asarray(coeffs, dtype=np.float64)
    m = coeffs.size - 1
    c, e, x0 = _affine(lower, upper, a0)
    rho = np.empty(max(m, 1))
    rho[0] = 1.0 / x0
    for j in range(1, m):
        rho[j] = 1.0 / (2.0 * x0 - rho[j - 1])
    weight = np.append(np.cumprod(rho[:m][::-1])[::-1], 1.0)  # t_j/t_m = Π_{i=j}^{m−1} ρ_i
    prev = np.asarray(x, dtype=np.float64)
    out = (coeffs[0] * weight[0]) * prev
    if m == 0:
        return out
    cur = (a @ prev - c * prev) / (e * x0)
    out = out + (coeffs[1] * weight[1]) * cur
    for j in range(1, m):
        prev, cur = cur, (2.0 * rho[j] / e) * (a @ cur - c * cur) - (rho[j] * rho[j - 1]) * prev
        out = out + (coeffs[j + 1] * weight[j + 1]) * cur
    return out


def adaptive_degrees(
    theta: np.ndarray,
    residuals: np.ndarray,
    wanted: int,
    lower: float,
    upper: float,
    tol: float,
    max_degree: int,
) -> np.ndarray:
    """ChASE-style degree per column: m_i with ρ_i^{m_i}·res_i ≈ tol/2, where
    ρ_i = 1/(|x_i| + √(x_i² − 1)) is the per-degree damping of T_m at the Ritz value θ_i;
    the buffer columns (beyond the ``wanted`` ones) get the largest wanted degree."""
    c, e, _ = _affine(lower, upper, lower)
    x = np.maximum(np.abs((theta - c) / e), 1.0 + 1e-12)
    rate = -np.log(x + np.sqrt(x * x - 1.0))
    need = np.log(np.maximum(residuals, tol) / (0.5 * tol)) / -rate
    deg = np.clip(np.ceil(need), MIN_DEGREE, max_degree).astype(int)
    deg[wanted:] = deg[:wanted].max(initial=MIN_DEGREE)
    return deg


def _relative_residuals(ax: np.ndarray, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    r = np.linalg.norm(ax - x * theta, axis=0)
    return r / np.maximum(np.abs(theta), np.finfo(float).tiny)


@dataclass
class _Subspace:
    """Locked (converged) Ritz pairs and the active block with its Ritz values/residuals."""

    locked: np.ndarray
    locked_theta: np.ndarray
    x: np.ndarray
    theta: np.ndarray
    res: np.ndarray

    def lock(self, wanted: int, tol: float) -> None:
        """Move the converged pairs among the first ``wanted`` active ones to the locked set."""
        done = np.zeros(self.theta.size, dtype=bool)
        done[:wanted] = self.res[:wanted] <= tol
        self.locked = np.hstack([self.locked, self.x[:, done]])
        self.locked_theta = np.concatenate([self.locked_theta, self.theta[done]])
        self.x, self.theta, self.res = self.x[:, ~done], self.theta[~done], self.res[~done]


def _start(op, n: int, block: int, steps: int, seed: int, residuals=_relative_residuals):
    """Seeded Lanczos probe (``steps`` matvecs) for the upper bound θ_max + r_max + 5%·max|θ|,
    and a seeded random block after Rayleigh–Ritz (``block`` matvecs). Lanczos Ritz vectors are
    no start block: one Krylov space holds one vector per multiple eigenvalue."""
    lz = lanczos(op, np.random.default_rng(seed).standard_normal(n), max(steps, 2))
    theta, y = scipy.linalg.eigh(lz.tridiagonal)
    res = np.abs(lz.beta[-1] * y[-1, :])
    upper = float(theta[-1] + res[-1] + (PROBE_MARGIN - 1.0) * np.abs(theta).max())
    x = np.linalg.qr(np.random.default_rng(seed + 1).standard_normal((n, block)))[0]
    ax = op @ x
    theta_x, w = scipy.linalg.eigh(0.5 * (x.T @ ax + ax.T @ x))
    x, ax = x @ w, ax @ w
    sub = _Subspace(np.zeros((n, 0)), np.zeros(0), x, theta_x, residuals(ax, x, theta_x))
    return upper, sub, lz


class _Deflated:
    """X ↦ P·op(X) with P = I − V Vᵀ for the locked (orthonormal) vectors V."""

    def __init__(self, op, locked: np.ndarray):
        self.op, self.locked = op, locked

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        y = self.op @ x
        return y - self.locked @ (self.locked.T @ y)


def _orthonormal(y: np.ndarray, locked: np.ndarray) -> np.ndarray:
    """Y orthogonalised twice against the locked vectors, then orthonormalised (QR)."""
    for _ in range(2):
        if locked.shape[1]:
            y = y - locked @ (locked.T @ y)
    return np.linalg.qr(y)[0]


def _filtered(
    counter, k, which, degree, tol, seed, maxiter, filt, block, probe_steps, model_dir, shift=None
):
    """Filtered subspace iteration on ``counter``; with ``shift`` = (A, σ) ``counter`` is
    (A − σI)⁻¹ and convergence is judged on A's residuals at λ = σ + 1/θ (the inverse's own
    residuals understate A's by up to ‖A‖/|λ|)."""
    sign = 1.0 if which == "SA" else -1.0
    op = counter if sign > 0 else -counter
    n = counter.shape[0]
    block = min(block, n)

    def residuals(ax: np.ndarray, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        if shift is None:
            return _relative_residuals(ax, x, theta)
        original, sigma = shift
        return _relative_residuals(original @ x, x, sigma + 1.0 / (sign * theta))

    upper, sub, lz = _start(op, n, block, probe_steps, seed, residuals)
    learned = _learned_filter(lz, upper, degree, model_dir) if filt == "learned" else None
    iteration = 0
    for iteration in range(1, maxiter + 1):
        sub.lock(k - sub.locked_theta.size, tol)
        wanted = k - sub.locked_theta.size
        if wanted <= 0:
            iteration -= 1
            break
        filter_op = op
        if shift is not None and sub.locked_theta.size:
            # deflated: the locked pairs lie far beyond the active ones (θ = 1/(λ − σ)), and
            # the filter would amplify their rounding-level components past the wanted ones
            filter_op, a0 = _Deflated(op, sub.locked), sub.theta[0]
        else:
            a0 = min(sub.theta[0], sub.locked_theta.min(initial=np.inf))
        lower = sub.theta[-1]
        if lower >= upper:  # the block already spans the whole spectrum
            lower = 0.5 * (sub.theta[0] + upper)
        deg = adaptive_degrees(sub.theta, sub.res, wanted, lower, upper, tol, degree)
        full = deg >= degree  # the learned filter replaces T_m at the full degree
        if learned is None or not full.any():
            y = chebyshev_filter(filter_op, sub.x, deg, lower, upper, a0)
        else:
            y = chebyshev_filter(filter_op, sub.x, np.where(full, 0, deg), lower, upper, a0)
            start, coeffs = learned(sub.theta[wanted - 1], lower)
            start = max(start, 0.5 * (a0 + lower))  # keep the wanted end outside [start, u]
            y[:, full] = expansion_filter(filter_op, sub.x[:, full], coeffs, start, upper, a0)
        x = _orthonormal(y, sub.locked)
        ax = op @ x
        theta, w = scipy.linalg.eigh(0.5 * (x.T @ ax + ax.T @ x))
        sub.x, ax = x @ w, ax @ w
        sub.theta, sub.res = theta, residuals(ax, sub.x, theta)
    else:
        sub.lock(k - sub.locked_theta.size, tol)
    # the locked pairs and the lowest active ones; an active Ritz value a rounding error below
    # a locked copy of a multiple eigenvalue must not displace it
    active = k - sub.locked_theta.size
    values = np.concatenate([sub.locked_theta, sub.theta[:active]])
    vectors = np.hstack([sub.locked, sub.x[:, :active]])
    order = np.argsort(values)
    return values[order] * sign, vectors[:, order], iteration


def _learned_filter(lz, upper: float, degree: int, model_dir):
    """(wanted edge, cut) ↦ (start of the damped interval, Chebyshev coefficients on it) from
    the shipped filter network, for the features of the seeded Lanczos probe (spectrum
    normalised to [θ_min, u])."""
    from solvers.probes import SpectralProbe
    from solvers.registry import filter_coefficients, get_model

    model = get_model("filter", degree, model_dir)
    theta, y = scipy.linalg.eigh(lz.tridiagonal)
    res = np.abs(lz.beta[-1] * y[-1, :])
    low = float(theta[0])
    result = SpectralProbe(theta, res, upper, low, lz.alpha.size, True)

    def predict(edge: float, cut: float) -> tuple[float, np.ndarray]:
        width = upper - low
        lo, coeffs = filter_coefficients(model, result, (edge - low) / width, (cut - low) / width)
        return low + lo * width, coeffs

    return predict


def eigsh(
    A,
    k: int = 8,
    which: str = "SA",
    method: str = "filtered",
    *,
    filter: str = "chebyshev",
    degree: int | None = None,
    tol: float = 1e-6,
    seed: int = 0,
    maxiter: int = 500,
    block: int | None = None,
    probe_steps: int | None = None,
    M=None,
    model_dir=None,
    sigma: float | None = None,
    partial: bool = False,
    count_check: bool = True,
) -> EigResult:
    """k smallest ("SA") or largest ("LA") eigenpairs of symmetric A.

    "filtered": ``probe_steps`` seeded Lanczos steps (default 20) give the upper bound u; a
    seeded random block of ``block`` vectors (default k + ⌈k/2⌉ + 2, after Rayleigh–Ritz);
    each sweep filters the active block on [its largest Ritz value, u], orthonormalises it
    against the locked vectors and does Rayleigh–Ritz; converged wanted pairs are locked.
    ``filter``: "chebyshev" (T_m with a degree per column, at most ``degree``, default 12) or
    "learned" (the shipped network's degree-``degree`` filter, default 12, same for all columns).
    "filtered-lanczos": ARPACK on the Chebyshev filter p(A) of degree ``degree`` (default 2)
    that damps [θ_{k+1}, u] of the probe (:mod:`solvers.filtered_lanczos`; Chebyshev filter
    only); the Rayleigh quotients of A are checked against ``tol``.
    "arpack": ``scipy.sparse.linalg.eigsh`` (seeded v0); "lobpcg": ``scipy.sparse.linalg.lobpcg``
    with the optional preconditioner ``M`` (e.g. a :func:`polynomial_preconditioner`, whose own
    matvecs are added to the count) and its own stopping rule ‖r_i‖ ≤ ``tol``.

    ``sigma`` (shift-invert, explicit sparse A only): the method runs on (A − σI)⁻¹ from one
    sparse LU factorisation and returns the k eigenvalues just above σ ("SA") or just below σ
    ("LA"); ``matvecs`` then counts solves. Use it for clustered ends of wide spectra, e.g.
    ``sigma=0`` for the smallest eigenvalues of an SPD stiffness matrix.

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
        Symmetric, of shape (n, n).
    k : int, default 8
        Number of eigenpairs, 1 ≤ k < n.
    which : {"SA", "LA"}, default "SA"
        Smallest or largest algebraic.
    method : {"filtered", "filtered-lanczos", "arpack", "lobpcg"}, default "filtered"
        See above.
    filter : {"chebyshev", "learned"}, default "chebyshev"
        Filter kind of "filtered" ("filtered-lanczos" takes "chebyshev" only).
    degree : int, optional
        Filter degree (>= 1); default 12 for "filtered" (the learned filter ships at 12 only),
        2 for "filtered-lanczos".
    tol : float, default 1e-6
        Relative residual tolerance, in [machine epsilon, 1); tol=0, SciPy's "machine
        precision", is refused: no residual test can certify it.
    seed : int, default 0
        Seed of the random vectors (an integer >= 0).
    maxiter : int, default 500
        Outer iterations (>= 1): sweeps of "filtered", maxiter·n ARPACK iterations, LOBPCG
        iterations.
    block : int, optional
        Block size of "filtered", an integer > k; default k + ⌈k/2⌉ + 2 (at most n is used).
    probe_steps : int, optional
        Lanczos steps of the probe (>= 2), default 20.
    M : LinearOperator, optional
        LOBPCG preconditioner of shape (n, n) (method "lobpcg" only, not with ``sigma``).
    model_dir : str or os.PathLike, optional
        Folder of retrained models for ``filter="learned"`` (default: the shipped ones).
    sigma : float, optional
        Shift of the shift-invert mode (explicit sparse A only).
    partial : bool, default False
        Warn instead of raising when some pair misses ``tol``.
    count_check : bool, default True
        For an explicit sparse A, check by inertia counts (one sparse LDLᵀ of A − μI per end)
        that no eigenvalue inside the span of the result was missed; ARPACK, LOBPCG and the
        filtered method can all miss copies of a multiple eigenvalue with small residuals.

    Returns
    -------
    EigResult
        ``values`` ascending, ``vectors`` as columns, ``matvecs``, ``iterations``,
        ``converged`` (false when some pair missed ``tol`` within ``maxiter``),
        ``residuals``, ``method``.

    Raises
    ------
    EigNoConvergence
        If some wanted pair misses ``tol`` after ``maxiter`` sweeps (the message names them and
        the alternative), or the inertia count finds eigenvalues the result missed. With
        ``partial=True`` a ``RuntimeWarning`` is issued instead and the
        result comes back with ``converged=False``.
    ValueError
        For bad arguments, a non-symmetric A, or a ``sigma`` at which A − σI is singular.
    TypeError
        If A is not a matrix or ``LinearOperator``, or ``degree`` is not an integer.
    FileNotFoundError
        If ``model_dir`` does not exist (``filter="learned"``).

    See Also
    --------
    EigResult : The result.
    EigNoConvergence : Raised when the result misses ``tol``.
    scipy.sparse.linalg.eigsh : ARPACK (method "arpack").
    scipy.sparse.linalg.lobpcg : LOBPCG (method "lobpcg").

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> A = sp.diags(np.arange(1.0, 201.0))
    >>> eigsh(A, k=3, which="SA", sigma=0.0).values.round(6)
    array([1., 2., 3.])
    >>> from sciml.data.matrices import load_matrix
    >>> a = load_matrix("poisson2d-16")
    >>> result = eigsh(a, k=4, which="SA")
    >>> exact = np.linalg.eigvalsh(a.toarray())[:4]
    >>> result.converged, bool(np.allclose(result.values, exact, rtol=1e-5))
    (True, True)
    """
    operator = check_operator(A)
    n = operator.shape[0]
    if filter not in FILTERS:
        raise ValueError(f"filter must be one of {', '.join(FILTERS)}, got {filter!r}")
    if method == "filtered-lanczos" and filter != "chebyshev":
        raise ValueError(
            f"filter must be 'chebyshev' for method='filtered-lanczos', got {filter!r}"
        )
    if degree is None:
        degree = FILTERED_LANCZOS_DEGREE if method == "filtered-lanczos" else DEFAULT_DEGREE[filter]
    degree = check_degree(degree)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k < n:
        raise ValueError(f"k must be an integer with 1 <= k < n = {n}, got {k!r}")
    if which not in ("SA", "LA"):
        raise ValueError(f"which must be 'SA' or 'LA', got {which!r}")
    if method not in EIG_METHODS:
        raise ValueError(f"method must be one of {', '.join(EIG_METHODS)}, got {method!r}")
    if block is None:
        block = k + (k + 1) // 2 + 2
    if isinstance(block, bool) or not isinstance(block, int | np.integer) or block <= k:
        raise ValueError(f"block must be an integer > k = {k}, got {block!r}")
    if probe_steps is None:
        probe_steps = 20
    if isinstance(probe_steps, bool) or not isinstance(probe_steps, int | np.integer):
        raise ValueError(f"probe_steps must be an integer >= 2, got {probe_steps!r}")
    if probe_steps < 2:
        raise ValueError(f"probe_steps must be an integer >= 2, got {probe_steps!r}")
    if not isinstance(partial, bool):
        raise ValueError(f"partial must be True or False, got {partial!r}")
    if not isinstance(count_check, bool):
        raise ValueError(f"count_check must be True or False, got {count_check!r}")
    tol = check_tolerance(tol, "tol")
    maxiter = check_integer(maxiter, "maxiter", minimum=1)
    seed = check_nonnegative(seed, "seed", integer=True)
    if M is not None and method != "lobpcg":
        raise ValueError(f"M (a preconditioner) is for method='lobpcg' only, got method={method!r}")
    if M is not None and getattr(M, "shape", None) != (n, n):
        shape = getattr(M, "shape", type(M).__name__)
        raise ValueError(f"M must be an operator of shape ({n}, {n}) like A, got {shape}")
    if not is_symmetric(operator, seed=seed):
        raise ValueError("A is not symmetric: eigsh needs a symmetric matrix")
    if sigma is None and sp.issparse(operator) and operator.count_nonzero() == 0:
        # every vector is an eigenvector of 0 (and ARPACK stops on its zero product A v0)
        label = f"filtered-{filter}" if method == "filtered" else method
        return EigResult(np.zeros(k), np.eye(n, k), 0, 0, True, np.zeros(k), label)
    target, solve_which = operator, which
    if sigma is not None:
        if M is not None:
            raise ValueError("M (a preconditioner for A) cannot be combined with sigma")
        target = _shift_inverted(operator, sigma)
        solve_which = "LA" if which == "SA" else "SA"  # λ just above σ ↔ largest 1/(λ − σ)
    counter = CountingOperator(target)
    rng = np.random.default_rng(seed)
    iterations = 0
    label = method
    if method == "filtered":
        shift = None if sigma is None else (operator, float(sigma))
        options = (degree, tol, seed, maxiter, filter, block, probe_steps, model_dir, shift)
        values, vectors, iterations = _filtered(counter, k, solve_which, *options)
        label = f"filtered-{filter}"
    elif method == "filtered-lanczos":
        from solvers.filtered_lanczos import filtered_lanczos

        op = counter if solve_which == "SA" else -counter
        values, vectors, iterations = filtered_lanczos(
            op, k, degree, tol, seed, maxiter, probe_steps
        )
        values = values if solve_which == "SA" else -values
    elif method == "arpack":
        try:
            v0, limit, wh = rng.standard_normal(n), maxiter * n, solve_which
            values, vectors = spla.eigsh(counter, k, which=wh, tol=tol, v0=v0, maxiter=limit)
        except spla.ArpackNoConvergence as err:
            values, vectors = err.eigenvalues, err.eigenvectors
    else:
        x0 = rng.standard_normal((n, k + max(8, k)))
        with warnings.catch_warnings():  # non-convergence is reported below, once
            warnings.simplefilter("ignore", UserWarning)
            values, vectors = spla.lobpcg(
                counter, x0, M=M, largest=solve_which == "LA", tol=tol, maxiter=maxiter
            )
        order = np.argsort(values)
        values, vectors = values[order], vectors[:, order]
        values, vectors = (
            (values[:k], vectors[:, :k]) if solve_which == "SA" else (values[-k:], vectors[:, -k:])
        )
    if sigma is not None:
        values = sigma + 1.0 / values
        label = f"{label}-shift-invert"
    order = np.argsort(values)
    values, vectors = values[order], vectors[:, order]
    matvecs = counter.matvecs + (getattr(M, "matvecs", 0) if method == "lobpcg" else 0)
    residuals = _relative_residuals(operator @ vectors, vectors, values)
    converged = values.size == k and bool(np.all(residuals <= tol))
    result = EigResult(values, vectors, matvecs, iterations, converged, residuals, label)
    if not converged:
        _report_no_convergence(result, k, tol, which, sigma, partial)
    elif count_check and sp.issparse(operator):
        result = _check_count(operator, result, k, tol, which, sigma, partial)
    return result


def _check_count(operator, result: EigResult, k: int, tol: float, which: str, sigma, partial):
    """Compare k with the number of eigenvalues in the span of the result, widened by the
    residual bound |λ − θ| ≤ tol·|θ| (twice): ν(A − μI) differences (Sylvester). More than k
    is right when the far end θ_k is a multiple eigenvalue that k cuts through (k = 1 of the
    identity): then the count short of θ_k's band must equal the returned values there. An
    uncertain count (see :func:`~sciml.data.matrices.inertia.count_below`) leaves the result
    as it is."""
    values = result.values
    n = operator.shape[0]
    edge = values[-1] if which == "SA" else values[0]
    delta = 2.0 * tol * abs(edge)

    def span(end: float) -> tuple[float | None, float | None, int | None]:
        """(below, above, number of eigenvalues in between) from σ (or the spectrum's end)."""
        below, above = (sigma, end) if which == "SA" else (end, sigma)
        high = n if above is None else count_below(operator, above)
        low = 0 if below is None else count_below(operator, below)
        return below, above, None if high is None or low is None else high - low

    below, above, found = span(edge + delta if which == "SA" else edge - delta)
    if found is None or found == k:
        return result
    if found > k:  # the band of θ_k holds more copies than were asked for
        short = edge - delta if which == "SA" else edge + delta
        inside = int(np.sum(values < short) if which == "SA" else np.sum(values > short))
        if span(short)[2] in (None, inside):
            return result
    lo = "-inf" if below is None else f"{below:.6g}"
    hi = "inf" if above is None else f"{above:.6g}"
    missed = replace(result, converged=False)
    message = (
        f"eigsh ({result.method}): {k} eigenvalues found, but the inertia of A - mu*I counts "
        f"{found} in ({lo}, {hi}): a multiple or clustered eigenvalue was missed although "
        "every residual met tol; use method='filtered' (it locks converged pairs), a larger "
        "k, or another seed"
    )
    if not partial:
        raise EigNoConvergence(message + " (pass partial=True for the partial result)", missed)
    warnings.warn(message, RuntimeWarning, stacklevel=3)
    return missed


def _shift_inverted(operator, sigma: object) -> spla.LinearOperator:
    """(A − σI)⁻¹ as a ``LinearOperator`` applying one sparse LU factorisation (SuperLU)."""
    if isinstance(sigma, bool) or not isinstance(sigma, int | float | np.integer | np.floating):
        raise ValueError(f"sigma must be a real number, got {sigma!r}")
    if not np.isfinite(sigma):
        raise ValueError(f"sigma must be finite, got {sigma!r}")
    if not sp.issparse(operator):
        raise ValueError("sigma needs A as an explicit (sparse or dense) matrix to factorise")
    shifted = (operator - float(sigma) * sp.identity(operator.shape[0], format="csr")).tocsc()
    try:
        lu = spla.splu(shifted)
    except RuntimeError as err:  # SuperLU: "Factor is exactly singular"
        raise ValueError(f"A - sigma*I is singular at sigma={sigma!r}: pick another sigma") from err

    def solve(x: np.ndarray) -> np.ndarray:
        return lu.solve(np.asarray(x, dtype=np.float64))

    n = operator.shape[0]
    return spla.LinearOperator((n, n), matvec=solve, matmat=solve, dtype=np.float64)


def _report_no_convergence(
    result: EigResult, k: int, tol: float, which: str, sigma, partial: bool
) -> None:
    """Raise :class:`EigNoConvergence` (or warn, ``partial=True``) naming the missed pairs."""
    bad = np.flatnonzero(result.residuals > tol)
    pairs = ", ".join(
        f"#{i} (λ≈{result.values[i]:.6g}, residual {result.residuals[i]:.1e})" for i in bad[:8]
    )
    more = f" and {bad.size - 8} more" if bad.size > 8 else ""
    found = "" if result.values.size == k else f"; only {result.values.size} of {k} pairs found"
    hint = ""
    if sigma is None and which == "SA":
        hint = (
            "; for a clustered lower end of a wide spectrum use shift-invert, e.g. sigma=0 for "
            "an SPD matrix (or method='arpack' with sigma)"
        )
    message = (
        f"eigsh ({result.method}) did not converge to tol={tol:g} after {result.matvecs} "
        f"matvecs: {bad.size} of {result.values.size} pairs missed it: {pairs}{more}{found}{hint}"
    )
    if not partial:
        raise EigNoConvergence(message + " (pass partial=True for the partial result)", result)
    warnings.warn(message, RuntimeWarning, stacklevel=3)

"""``funm(A, b, f)``: f(A)b for symmetric A by a degree-d polynomial applied with d matvecs and
no inner products (learned, Chebyshev interpolant on the probe interval, or fitted to the
probe's spectral measure), or by Lanczos /
SciPy's restarted Krylov method as references.

Functions (see :data:`solvers.objectives.FUNCTIONS`): "inv" A⁻¹, "invsqrt" A^{-1/2} (both need
SPD A), "exp" exp(−tA), "step" the spectral projector onto eigenvalues below ``threshold``.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from sciml.core.checks import check_nonnegative, check_positive
from solvers.linear_operators import (
    CountingOperator,
    check_degree,
    check_operator,
    check_vector,
    is_symmetric,
)
from solvers.measure_fit import band_error_estimate, measure_fit
from solvers.objectives import FUNCTIONS
from solvers.probes import SpectralProbe, krylov_reductions, lanczos, probe
from solvers.recurrences import chebyshev_interpolant, chebyshev_polynomial
from solvers.registry import get_model, predict

FUNM_METHODS = ("learned", "chebyshev", "measure", "lanczos", "krylov")
KRYLOV_RTOL = 1e-10
KRYLOV_RESTART = 20
KRYLOV_MAX_RESTARTS = 20


@dataclass(frozen=True)
class FunmResult:
    """The result of :func:`funm`: f(A)b and what computing it cost.

    f(A)b in ``x``; ``matvecs`` = probe + application (``setup_matvecs`` the probe's part),
    ``inner_products`` the global reductions the method needed, ``interval`` the polynomial's
    interval (None for Krylov methods), ``error_estimate`` the estimated relative error (see
    :func:`funm`).

    Parameters
    ----------
    x : ndarray
        f(A)b, shaped like ``b``: (n,) or (n, m).
    matvecs : int
        Products with A in all (a block of m columns counts m), the probe's included.
    setup_matvecs : int
        The probe's part of ``matvecs`` (0 for "lanczos" and "krylov").
    inner_products : int
        Global reductions: the probe's 3·steps + 1 for the polynomial methods, 3d + 1 per
        column for "lanczos"; -1 for "krylov" (SciPy's count is not exposed).
    method : str
        The method used.
    interval : tuple of float or None
        The interval [a, u] of the polynomial, None for "lanczos" and "krylov".
    error_estimate : float, default 0.0
        The estimated relative error (see :func:`funm`).

    See Also
    --------
    funm : Computes it.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> a = a / a.diagonal().max()
    >>> result = funm(a, np.ones((64, 2)), "exp", degree=10, method="chebyshev")
    >>> result.x.shape, result.matvecs, result.setup_matvecs, result.inner_products
    ((64, 2), 40, 20, 61)
    >>> result.method, bool(result.error_estimate < 1e-6)
    ('chebyshev', True)
    """

    x: np.ndarray
    matvecs: int
    setup_matvecs: int
    inner_products: int
    method: str
    interval: tuple[float, float] | None
    error_estimate: float = 0.0


def scalar_function(f: str, *, t: float = 1.0, threshold: float | None = None):
    """f as a NumPy callable on eigenvalues (for Lanczos' f(T) and for checking results)."""
    if f == "inv":
        return lambda lam: 1.0 / lam
    if f == "invsqrt":
        return lambda lam: 1.0 / np.sqrt(lam)
    if f == "exp":
        return lambda lam: np.exp(-t * lam)
    return lambda lam: (lam < threshold) * 1.0


def funm(
    A,
    b,
    f: str,
    degree: int = 10,
    method: str = "learned",
    *,
    t: float = 1.0,
    threshold: float | None = None,
    seed: int = 0,
    probe_steps: int = 20,
    model_dir=None,
    rtol: float = 1e-6,
) -> FunmResult:
    """f(A)b with A symmetric (SPD for "inv"/"invsqrt"), b of shape (n,) or (n, m).

    "learned"/"chebyshev": degree-d expansion Σ c_k T_k on an interval from a seeded probe
    (``probe_steps`` matvecs and 3·steps + 1 reductions, shared by all columns), then d matvecs
    per column and no inner product; the Chebyshev interpolant uses the interval the learned
    model starts from, :func:`probe_interval` (Jackson-damped for "step").
    "measure": degree-d least-squares fit of f in the probe's Gauss quadrature measure (Ritz
    values and weights, :func:`solvers.measure_fit.measure_fit`), same probe and interval, d
    matvecs per column, no inner product: for spectra with gaps, clusters or outliers.
    "lanczos": ‖b‖ Q_d f(T_d) e_1 from d Lanczos steps per column (d matvecs, 3d + 1
    reductions).
    "krylov": ``scipy.sparse.linalg.funm_multiply_krylov`` (rtol 1e-10 of ‖f(A)b‖, restart 20).

    Every method estimates its relative error and warns (``RuntimeWarning``) above ``rtol``:
    polynomials by max|p − f| / max|f| on a grid of [min(a, θ_min), u] (outside a band of
    width π(u − a)/(d + 2) around the threshold for "step"; for "measure" only within the Ritz
    values' residual bands [θ_i − r_i, θ_i + r_i]); eigenvalues below the probe's
    smallest Ritz value θ_min are not seen. Lanczos by ‖x_d − x_{d−1}‖/‖x_d‖; "krylov" when
    SciPy's restarts run out.

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
        Symmetric, of shape (n, n).
    b : ndarray
        Shape (n,) or (n, m).
    f : {"inv", "invsqrt", "exp", "step"}
        A⁻¹, A^{-1/2}, exp(−tA), or the spectral projector 1(λ < ``threshold``).
    degree : int, default 10
        Polynomial degree, or Lanczos steps (>= 1; "krylov" ignores it).
    method : {"learned", "chebyshev", "measure", "lanczos", "krylov"}, default "learned"
        See above.
    t : float, default 1.0
        Time of ``"exp"`` (> 0).
    threshold : float, optional
        Cut of ``"step"`` (required there).
    seed : int, default 0
        Seed of the probe's start vector (>= 0).
    probe_steps : int, default 20
        Lanczos steps of the probe (>= 2).
    model_dir : str or os.PathLike, optional
        Folder of retrained models (default: the shipped ones).
    rtol : float, default 1e-6
        Estimated relative error above which a ``RuntimeWarning`` says the result is inaccurate.

    Returns
    -------
    FunmResult
        ``x`` (shaped like ``b``), ``matvecs``, ``setup_matvecs``, ``inner_products``,
        ``method``, ``interval``, ``error_estimate``.

    Raises
    ------
    ValueError
        For a nonsymmetric A, an unknown ``f`` or ``method``, a bad ``t``/``threshold``/``rtol``,
        ``seed``, ``degree`` or ``probe_steps``, a ``b`` of the wrong shape or with NaN/Inf, an
        indefinite A (probe Ritz value <= 0) with "inv", "invsqrt" or "learned", an A that is
        zero on the probe's Krylov space, or a learned model that does not exist at ``degree``.
    TypeError
        If A is not a matrix or ``LinearOperator``, or ``degree`` is not an integer.
    FileNotFoundError
        If ``model_dir`` does not exist (method "learned").

    Warns
    -----
    RuntimeWarning
        When the estimated relative error exceeds ``rtol`` (names the estimate and remedies).

    See Also
    --------
    FunmResult : The result.
    probe : The spectral probe of the polynomial methods.
    scipy.sparse.linalg.expm_multiply : exp(A)b by SciPy.
    scipy.sparse.linalg.funm_multiply_krylov : The "krylov" method.

    Examples
    --------
    >>> import numpy as np, scipy.sparse.linalg as spla
    >>> from sciml.data.matrices import load_matrix
    >>> a = load_matrix("poisson2d-16")
    >>> a = a / a.diagonal().max()  # spectrum in (0, 2)
    >>> b = np.ones(a.shape[0])
    >>> result = funm(a, b, "exp", degree=10, method="chebyshev")
    >>> exact = spla.expm_multiply(-a, b)
    >>> bool(np.linalg.norm(result.x - exact) < 1e-8 * np.linalg.norm(exact)), result.matvecs
    (True, 30)

    The learned degree-10 polynomial and 10 Lanczos steps against the dense exponential:

    >>> import scipy.linalg
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> a = a / a.diagonal().max()
    >>> b = np.ones(64)
    >>> exact = scipy.linalg.expm(-a.toarray()) @ b
    >>> net = funm(a, b, "exp", degree=10, method="learned")
    >>> krylov = funm(a, b, "exp", degree=10, method="lanczos")
    >>> bool(np.allclose(net.x, exact)), bool(np.allclose(krylov.x, exact))
    (True, True)
    >>> net.matvecs, net.inner_products, krylov.matvecs, krylov.inner_products
    (30, 61, 10, 31)
    """
    operator = check_operator(A)
    n = operator.shape[0]
    b = check_vector(b, n)
    degree = check_degree(degree)
    if f not in FUNCTIONS:
        raise ValueError(f"f must be one of {', '.join(FUNCTIONS)}, got {f!r}")
    if method not in FUNM_METHODS:
        raise ValueError(f"method must be one of {', '.join(FUNM_METHODS)}, got {method!r}")
    if not is_symmetric(operator, seed=seed):
        raise ValueError("A is not symmetric: funm supports symmetric matrices only")
    if f == "exp":
        t = check_positive(t, "t")
    real = isinstance(threshold, numbers.Real) and not isinstance(threshold, bool)
    if f == "step" and not (real and np.isfinite(threshold)):
        raise ValueError(f"f='step' needs a finite threshold, got {threshold!r}")
    rtol = check_positive(rtol, "rtol")
    seed = check_nonnegative(seed, "seed", integer=True)
    scalar = scalar_function(f, t=t, threshold=threshold)
    counter = CountingOperator(operator)
    columns = b.reshape(n, -1)
    if method in ("lanczos", "krylov"):
        solved = [
            _krylov(method, counter, col, scalar, degree, f, t, threshold) for col in columns.T
        ]
        out = np.column_stack([x for x, _ in solved])
        estimate = max(e for _, e in solved)
        _warn_if_inaccurate(estimate, rtol, f, method, degree)
        reductions = krylov_reductions(degree) * columns.shape[1] if method == "lanczos" else -1
        return FunmResult(
            out.reshape(b.shape), counter.matvecs, 0, reductions, method, None, estimate
        )
    result = probe(operator, steps=probe_steps, seed=seed)
    if (f in ("inv", "invsqrt") or method == "learned") and result.lower <= 0.0:
        raise ValueError(
            f"A is indefinite (probe Ritz value {result.lower:.3g} <= 0): f={f!r} with "
            f"method={method!r} needs SPD A"
        )
    upper = result.upper
    if not upper > result.lower:  # one Ritz value 0 with residual 0: A v = 0 on a random v
        raise ValueError(
            "A is the zero matrix on the probe's Krylov space (its one Ritz value is 0 with "
            "residual 0): f(A)b = f(0)b needs no polynomial"
        )
    if method == "learned":
        param = {"exp": t * upper, "step": (threshold or 0.0) / upper}.get(f, 1.0)
        a_hat, coeffs = predict(get_model(f, degree, model_dir), result, param)
        lower = a_hat * upper
        coeffs = coeffs * upper ** (-FUNCTIONS[f].scale_power)
    elif method == "chebyshev":
        lower = probe_interval(result)[0]
        coeffs = chebyshev_interpolant(scalar, lower, upper, degree, jackson=f == "step")
    if method == "measure":
        lower = probe_interval(result)[0]
        polynomial = measure_fit(result, scalar, degree, n, lower, upper)
        estimate = band_error_estimate(result, polynomial, scalar, checked_lower(result, lower))
    else:
        polynomial = chebyshev_polynomial(coeffs, lower, upper)
        estimate = polynomial_error_estimate(
            polynomial,
            scalar,
            checked_lower(result, lower),
            upper,
            threshold if f == "step" else None,
        )
    _warn_if_inaccurate(estimate, rtol, f, method, degree)
    x = polynomial.apply(counter, columns)
    return FunmResult(
        x.reshape(b.shape),
        counter.matvecs + result.matvecs,
        result.matvecs,
        result.reductions,
        method,
        (lower, upper),
        estimate,
    )


def checked_lower(result: SpectralProbe, lower: float) -> float:
    """Lower end of the interval on which a polynomial is checked: the probe's θ_min
    overestimates λ_min, so down to max(θ_min − r, θ_min/2) (r its Ritz residual), or to the
    polynomial's own lower end a when that is lower."""
    theta, residual = result.ritz[0], result.residuals[0]
    return min(lower, max(theta - residual, 0.5 * theta) if theta > 0 else theta)


def polynomial_error_estimate(
    polynomial, scalar, lower: float, upper: float, threshold: float | None = None
) -> float:
    """max|p(λ) − f(λ)| / max|f(λ)| over 4097 points of [lower, upper] (Chebyshev-spaced, so
    the ends are resolved); with ``threshold`` (a jump of f) the points within
    π(upper − lower)/(d + 2) of it, the resolution of a degree-d expansion, are left out."""
    grid = 0.5 * (lower + upper) - 0.5 * (upper - lower) * np.cos(np.linspace(0, np.pi, 4097))
    if threshold is not None:
        band = np.pi * (upper - lower) / (polynomial.degree + 2)
        grid = grid[np.abs(grid - threshold) > band]
    if grid.size == 0:
        return 0.0
    values = scalar(grid)
    deviation = np.abs(polynomial.evaluate(grid) - values).max()
    scale = np.abs(values).max()
    if scale == 0.0:  # f underflows on the whole interval (exp of a large t·λ)
        return 0.0 if deviation == 0.0 else float("inf")
    error = deviation / scale
    return float(error) if np.isfinite(error) else float("inf")


def _warn_if_inaccurate(estimate: float, rtol: float, f: str, method: str, degree: int) -> None:
    if estimate <= rtol:
        return
    remedy = (
        "raise max_restarts of the Krylov method or scale A"
        if method == "krylov"
        else f"raise degree (now {degree}), scale A so that its spectrum (times t for 'exp') "
        "is narrower, or use method='krylov'"
    )
    warnings.warn(
        f"funm({f!r}, method={method!r}): estimated relative error {estimate:.2g} exceeds "
        f"rtol={rtol:.2g}; {remedy}",
        RuntimeWarning,
        stacklevel=3,
    )


def probe_interval(result: SpectralProbe) -> tuple[float, float]:
    """[a, u] with a = θ_min clamped to [1e-8·u, 0.5·u]: the interval of the Chebyshev
    interpolant and the one an untrained learned model starts from (same probe, same interval).
    An indefinite spectrum (θ_min ≤ 0) keeps its negative part: a = θ_min − r, r the Ritz
    residual of θ_min, since θ_min overestimates λ_min."""
    upper = result.upper
    if result.lower <= 0.0:
        return result.ritz[0] - result.residuals[0], upper
    return min(max(result.lower / upper, 1e-8), 0.5) * upper, upper


def _krylov(method, counter, b, scalar, degree, f, t, threshold) -> tuple[np.ndarray, float]:
    """f(A)b of one column and its estimated relative error: for Lanczos ‖x_d − x_{d−1}‖/‖x_d‖;
    for SciPy's restarted method 0, or inf when it used all its restarts."""
    norm_b = np.linalg.norm(b)
    if norm_b == 0.0:
        return np.zeros_like(b), 0.0
    if method == "lanczos":
        lz = lanczos(counter, b, degree)
        x = norm_b * lz.q @ _f_of_tridiagonal(lz.tridiagonal, scalar)
        m = lz.alpha.size
        if m == 1 or m < degree:  # one step, or an invariant subspace: exact
            return x, 0.0
        previous = norm_b * lz.q[:, : m - 1] @ _f_of_tridiagonal(lz.tridiagonal[:-1, :-1], scalar)
        norm_x = np.linalg.norm(x)
        change = np.linalg.norm(x - previous)
        if norm_x == 0.0:  # f(T) underflowed to 0 (exp of a large t·λ)
            return x, np.inf if change > 0 else 0.0
        return x, float(change / norm_x)
    x, exhausted = _restarted_krylov(counter, b, f, t, threshold, KRYLOV_RTOL)
    norm_x = np.linalg.norm(x)
    if exhausted:
        return x, np.inf
    if not 0 < norm_x < norm_b:
        return x, 0.0
    # SciPy's tolerance is relative to ‖b‖: again relative to ‖x‖, judged by the change
    refined, exhausted = _restarted_krylov(
        counter, b, f, t, threshold, KRYLOV_RTOL * norm_x / norm_b
    )
    change = np.linalg.norm(refined - x) / np.linalg.norm(refined) if exhausted else 0.0
    return refined, float(change)


def _f_of_tridiagonal(tridiagonal: np.ndarray, scalar) -> np.ndarray:
    """f(T) e_1 for a symmetric tridiagonal T."""
    w, v = scipy.linalg.eigh(tridiagonal)
    return v @ (scalar(w) * v[0, :])


def _restarted_krylov(counter, b, f, t, threshold, rtol) -> tuple[np.ndarray, bool]:
    """SciPy's restarted Krylov f(A)b and whether it used every restart (not converged)."""
    before = counter.matvecs
    if b.size <= KRYLOV_RESTART:  # one cycle of m >= n steps would span the whole space
        return _dense_function(counter @ np.eye(b.size), f, t, threshold) @ b, False
    try:
        x = spla.funm_multiply_krylov(
            lambda h: _dense_function(h, f, t, threshold),
            counter,
            b,
            assume_a="hermitian",
            rtol=rtol,
            restart_every_m=KRYLOV_RESTART,
            max_restarts=KRYLOV_MAX_RESTARTS,
        )
    except IndexError:  # SciPy's breakdown at the first step: Ab = λb (e.g. a 1×1 A)
        ab = counter @ b
        lam = float(b @ ab) / float(b @ b)
        if np.linalg.norm(ab - lam * b) > 1e-12 * np.linalg.norm(ab):
            raise
        return _dense_function(np.array([[lam]]), f, t, threshold)[0, 0] * b, False
    cap = KRYLOV_RESTART * min(KRYLOV_MAX_RESTARTS, b.size // KRYLOV_RESTART + 1)
    return x, counter.matvecs - before >= cap


def _dense_function(x: np.ndarray, f: str, t: float, threshold: float | None) -> np.ndarray:
    """f of the small (block-Hessenberg, nonsymmetric) matrix of the restarted Krylov method."""
    if f == "inv":
        return np.linalg.inv(x)
    if f == "invsqrt":
        return np.linalg.inv(scipy.linalg.sqrtm(x)).real
    if f == "exp":
        return scipy.linalg.expm(-t * x)
    w, v = np.linalg.eig(x)
    return ((v * (w.real < threshold)) @ np.linalg.inv(v)).real

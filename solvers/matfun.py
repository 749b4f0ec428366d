"""``funm(A, b, f)``: f(A)b for symmetric A by a degree-d polynomial applied with d matvecs and
no inner products (learned or Chebyshev interpolant on the probe interval), or by Lanczos /
SciPy's restarted Krylov method as references.

Functions (see :data:`solvers.objectives.FUNCTIONS`): "inv" A⁻¹, "invsqrt" A^{-1/2} (both need
SPD A), "exp" exp(−tA), "step" the spectral projector onto eigenvalues below ``threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse.linalg as spla

from solvers.linear_operators import (
    CountingOperator,
    check_degree,
    check_operator,
    check_vector,
    is_symmetric,
)
from solvers.objectives import FUNCTIONS
from solvers.probes import SpectralProbe, krylov_reductions, lanczos, probe
from solvers.recurrences import chebyshev_interpolant, chebyshev_polynomial
from solvers.registry import get_model, predict

FUNM_METHODS = ("learned", "chebyshev", "lanczos", "krylov")


@dataclass(frozen=True)
class FunmResult:
    """f(A)b in ``x``; ``matvecs`` = probe + application (``setup_matvecs`` the probe's part),
    ``inner_products`` the global reductions the method needed, ``interval`` the polynomial's
    interval (None for Krylov methods)."""

    x: np.ndarray
    matvecs: int
    setup_matvecs: int
    inner_products: int
    method: str
    interval: tuple[float, float] | None


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
) -> FunmResult:
    """f(A)b with A symmetric (SPD for "inv"/"invsqrt"), b of shape (n,) or (n, m).

    "learned"/"chebyshev": degree-d expansion Σ c_k T_k on an interval from a seeded probe
    (``probe_steps`` matvecs and 3·steps + 1 reductions, shared by all columns), then d matvecs
    per column and no inner product; the Chebyshev interpolant uses the interval the learned
    model starts from, :func:`probe_interval` (Jackson-damped for "step").
    "lanczos": ‖b‖ Q_d f(T_d) e_1 from d Lanczos steps per column (d matvecs, 3d + 1
    reductions).
    "krylov": ``scipy.sparse.linalg.funm_multiply_krylov`` (rtol 1e-10, restart 20).

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
        Symmetric, of shape (n, n).
    b : ndarray
        Shape (n,) or (n, m).
    f : {"inv", "invsqrt", "exp", "step"}
        A⁻¹, A^{-1/2}, exp(−tA), or the spectral projector 1(λ < ``threshold``).
    degree : int
        Polynomial degree, or Lanczos steps.
    method : {"learned", "chebyshev", "lanczos", "krylov"}
        See above.
    t : float
        Time of ``"exp"``.
    threshold : float, optional
        Cut of ``"step"`` (required there).
    seed : int
        Seed of the probe's start vector.
    probe_steps : int
        Lanczos steps of the probe.
    model_dir : str or os.PathLike, optional
        Folder of retrained models (default: the shipped ones).

    Returns
    -------
    FunmResult
        ``x`` (shaped like ``b``), ``matvecs``, ``setup_matvecs``, ``inner_products``,
        ``method``, ``interval``.

    Raises
    ------
    ValueError
        For a nonsymmetric A, an unknown ``f`` or ``method``, a bad ``t``/``threshold``, or a
        learned model that does not exist at ``degree``.

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
    if f == "exp" and not (np.isfinite(t) and t > 0):
        raise ValueError(f"t must be a finite positive number, got {t!r}")
    if f == "step" and (threshold is None or not np.isfinite(threshold)):
        raise ValueError(f"f='step' needs a finite threshold, got {threshold!r}")
    scalar = scalar_function(f, t=t, threshold=threshold)
    counter = CountingOperator(operator)
    columns = b.reshape(n, -1)
    if method in ("lanczos", "krylov"):
        out = np.column_stack(
            [_krylov(method, counter, col, scalar, degree, f, t, threshold) for col in columns.T]
        )
        reductions = krylov_reductions(degree) * columns.shape[1] if method == "lanczos" else -1
        return FunmResult(out.reshape(b.shape), counter.matvecs, 0, reductions, method, None)
    result = probe(operator, steps=probe_steps, seed=seed)
    if (f in ("inv", "invsqrt") or method == "learned") and result.lower <= 0.0:
        raise ValueError(
            f"A is indefinite (probe Ritz value {result.lower:.3g} <= 0): f={f!r} with "
            f"method={method!r} needs SPD A"
        )
    upper = result.upper
    if method == "learned":
        param = {"exp": t * upper, "step": (threshold or 0.0) / upper}.get(f, 1.0)
        a_hat, coeffs = predict(get_model(f, degree, model_dir), result, param)
        lower = a_hat * upper
        coeffs = coeffs * upper ** (-FUNCTIONS[f].scale_power)
    else:
        lower = probe_interval(result)[0]
        coeffs = chebyshev_interpolant(scalar, lower, upper, degree, jackson=f == "step")
    x = chebyshev_polynomial(coeffs, lower, upper).apply(counter, columns)
    return FunmResult(
        x.reshape(b.shape),
        counter.matvecs + result.matvecs,
        result.matvecs,
        result.reductions,
        method,
        (lower, upper),
    )


def probe_interval(result: SpectralProbe) -> tuple[float, float]:
    """[a, u] with a = θ_min clamped to [1e-8·u, 0.5·u]: the interval of the Chebyshev
    interpolant and the one an untrained learned model starts from (same probe, same interval)."""
    upper = result.upper
    return min(max(result.lower / upper, 1e-8), 0.5) * upper, upper


def _krylov(method, counter, b, scalar, degree, f, t, threshold) -> np.ndarray:
    if method == "lanczos":
        lz = lanczos(counter, b, degree)
        w, v = scipy.linalg.eigh(lz.tridiagonal)
        return np.linalg.norm(b) * lz.q @ (v @ (scalar(w) * v[0, :]))
    return spla.funm_multiply_krylov(
        lambda x: _dense_function(x, f, t, threshold),
        counter,
        b,
        assume_a="hermitian",
        rtol=1e-10,
    )


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

"""``polynomial_preconditioner``: M = S p(SAS) S ≈ A⁻¹ as a SciPy ``LinearOperator`` (with
``matmat``) for ``scipy.sparse.linalg.cg/minres/gmres`` and pyamg's Krylov solvers.

S = D^{-1/2} (Jacobi scaling, explicit matrices) or I; p is a learned or classical polynomial of
degree d in the scaled operator, fitted to a seeded spectral probe of it. For CG/MINRES, M must
be SPD: p > 0 is checked on [0, u] (u the probe's upper bound); a failing polynomial is replaced
by the Chebyshev iteration on the probe interval with a warning (``method`` then names the
polynomial actually used, ``requested_method`` the one asked for). For GMRES (A need not be
definite) p must make the residual operator contract on a few seeded random vectors V,
‖(I − Âp(Â))V‖_F < ‖V‖_F with Â = SAS; a polynomial that does not (eigenvalues left of the
interval p was fitted on, as for HB/west0479) would slow GMRES down, and is replaced by Jacobi
(the identity without scaling) with a warning.

Setup costs are counted like a solve: ``setup_matvecs`` and ``setup_reductions`` (global inner
products) of the probe, of Arnoldi for gmres-poly, of the GMRES contraction test
(``CONTRACTION_VECTORS``·(d + 1) products, one reduction) and, for a ``LinearOperator``, of the
symmetry test (two products, one reduction).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from sciml.core.checks import check_nonnegative
from solvers.autodegree import choose_degree
from solvers.baselines import chebyshev_from_probe, jacobi_polynomial
from solvers.linear_operators import (
    CountingOperator,
    check_degree,
    check_operator,
    is_symmetric,
    jacobi_scaling,
    scaled_operator,
)
from solvers.methods import POLYNOMIAL_METHODS, PolynomialMethod
from solvers.probes import SpectralProbe, krylov_reductions, probe
from solvers.recurrences import RecurrencePolynomial
from solvers.registry import available_models, get_model, model_from_file, predict

SOLVERS = ("auto", "cg", "minres", "gmres")
POSITIVITY_GRID = 2001
AUTO_DEGREES = {"learned": (), "chebyshev": (5, 10, 20)}  # learned: the shipped degrees
SYMMETRY_TEST_COST = (2, 1)  # (matvecs, reductions) of is_symmetric on a LinearOperator
CONTRACTION_VECTORS = 4  # seeded random vectors of the GMRES-path test ‖(I − Âp(Â))V‖ < ‖V‖


class PolynomialPreconditioner(spla.LinearOperator):
    """A polynomial preconditioner M X = S p(SAS)(S X) as a SciPy ``LinearOperator``.

    ``matvecs`` counts products with A made by applications (a block of m columns counts m),
    ``setup_matvecs`` and ``setup_reductions`` those of the setup (probe, Arnoldi for
    gmres-poly, symmetry test of a ``LinearOperator``); ``method`` is the polynomial used,
    ``requested_method`` the one asked for (they differ after a fallback, whose reason is
    ``fallback``, else None); ``polynomial`` has ``evaluate(λ)`` on the scaled spectrum,
    ``interval`` is the probe's [θ_min, u] (None for Jacobi, which needs no probe).
    Build it with :func:`polynomial_preconditioner`, which checks the arguments and
    counts the setup; the constructor takes the parts as they are.

    Parameters
    ----------
    operator : CountingOperator
        The (scaled) operator SAS, wrapped so that products with it are counted.
    scale : ndarray or None
        The diagonal of S (shape (n,)), or None for no scaling (S = I).
    polynomial : object
        The polynomial p, with ``degree``, ``evaluate(λ)`` and ``apply(operator, X)``.
    method : str
        Name of the polynomial used.
    probe_result : SpectralProbe or None
        The probe p was fitted to (None for a method that needs none, e.g. Jacobi).
    setup_matvecs : int
        Products with A made by the setup.
    symmetric : bool
        Whether A is symmetric (then so is M, and ``rmatvec`` applies M).
    setup_reductions : int, default 0
        Global reductions made by the setup.
    requested_method : str or None, default None
        The method asked for; None means ``method``.
    fallback : str or None, default None
        Why ``method`` replaced ``requested_method``, or None.

    Attributes
    ----------
    matvecs : int
        Products with A made by applications of M so far.
    degree : int
        Degree d of p: d products with A per column and application.
    interval : tuple of float or None
        The probe's (θ_min, u) on the scaled spectrum, or None without a probe.
    probe : SpectralProbe or None
        The probe of SAS.
    setup_matvecs, setup_reductions : int
        The setup's cost.
    method, requested_method, fallback : str or None
        As above.

    See Also
    --------
    polynomial_preconditioner : Builds it.

    Examples
    --------
    >>> import numpy as np
    >>> from sciml.data.matrices import poisson2d
    >>> a = poisson2d(8)
    >>> m = polynomial_preconditioner(a, 4, "chebyshev")
    >>> isinstance(m, PolynomialPreconditioner), m.shape, m.degree, m.method
    (True, (64, 64), 4, 'chebyshev')
    >>> m.setup_matvecs, m.setup_reductions, m.matvecs  # a 20-step probe
    (20, 61, 0)
    >>> y = m @ np.ones((64, 3))  # 4 products per column
    >>> m.matvecs
    12
    >>> float(m.residual_polynomial(np.array([0.0]))[0])  # 1 − λp(λ) at λ = 0
    1.0
    """

    def __init__(
        self,
        operator: CountingOperator,
        scale: np.ndarray | None,
        polynomial,
        *,
        method: str,
        probe_result: SpectralProbe | None,
        setup_matvecs: int,
        symmetric: bool,
        setup_reductions: int = 0,
        requested_method: str | None = None,
        fallback: str | None = None,
    ):
        super().__init__(dtype=np.dtype(np.float64), shape=operator.shape)
        self.operator = operator
        self.scale = scale
        self.polynomial = polynomial
        self.method = method
        self.probe = probe_result
        self.setup_matvecs = setup_matvecs
        self.setup_reductions = setup_reductions
        self.requested_method = requested_method or method
        self.fallback = fallback
        self.symmetric = symmetric

    @property
    def degree(self) -> int:
        return int(self.polynomial.degree)

    @property
    def matvecs(self) -> int:
        return self.operator.matvecs

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.probe is None else (self.probe.lower, self.probe.upper)

    def residual_polynomial(self, lam: np.ndarray) -> np.ndarray:
        """1 − λp(λ) on the scaled spectrum."""
        lam = np.asarray(lam, dtype=np.float64)
        return 1.0 - lam * self.polynomial.evaluate(lam)

    def _matmat(self, x: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(x):  # M is real: M(u + iv) = Mu + iMv, not M applied to u alone
            return self._matmat(x.real) + 1j * self._matmat(x.imag)
        if self.scale is None:
            return self.polynomial.apply(self.operator, x)
        s = self.scale[:, None]
        return s * self.polynomial.apply(self.operator, s * x)

    def _matvec(self, x: np.ndarray) -> np.ndarray:
        return self._matmat(np.reshape(x, (-1, 1)))[:, 0]

    def _rmatvec(self, x: np.ndarray) -> np.ndarray:
        if not self.symmetric:
            raise NotImplementedError("rmatvec of a preconditioner for a nonsymmetric A")
        return self._matvec(x)


def learned_polynomial(
    result: SpectralProbe, degree: int, directory=None, model=None
) -> RecurrencePolynomial:
    """The learned preconditioning recurrence P_{k+1} = (1 − λ/θ_k)P_k, p = Σ P_k/θ_k with the
    model's roots θ_k = u·θ̂_k for this probe (``model``: a model file, else the registry's)."""
    if model is None:
        net = get_model("precond", degree, directory)
    else:
        net = model_from_file(model, degree)
    _, roots = predict(net, result)
    roots = roots * result.upper
    ones = np.ones(degree)
    return RecurrencePolynomial(-1.0 / roots[:-1], ones, np.zeros(degree), 1.0 / roots)


LEARNED = PolynomialMethod(
    lambda operator, probe, degree, *, model_dir, model=None, **_: learned_polynomial(
        probe, degree, model_dir, model
    )
)


def _polynomial(
    method: str, operator, result: SpectralProbe, degree: int, seed: int, directory, model=None
):
    return POLYNOMIAL_METHODS[method].build(
        operator, result, degree, seed=seed, model_dir=directory, model=model
    )


def _auto_degree(method, counter, result, seed, directory, reduction_cost: float) -> int:
    """:func:`solvers.autodegree.choose_degree` over the degrees available for ``method``."""
    if method == "learned":
        degrees = [d for task, d in available_models(directory) if task == "precond"]
    else:
        degrees = list(AUTO_DEGREES["chebyshev"])
    candidates = {d: _polynomial(method, counter, result, d, seed, directory) for d in degrees}
    return choose_degree(candidates, result, reduction_cost)


def _is_positive(polynomial, upper: float, ritz: np.ndarray) -> bool:
    """p > 0 on a grid of (0, u] and at the Ritz values (p(0) is the limit of the grid)."""
    lam = np.concatenate([np.linspace(0.0, upper, POSITIVITY_GRID)[1:], ritz[ritz > 0]])
    values = polynomial.evaluate(lam)
    return bool(np.all(np.isfinite(values)) and np.all(values > 0.0))


def _contraction(polynomial, counter: CountingOperator, seed: int) -> float:
    """‖(I − Âp(Â))V‖_F / ‖V‖_F for ``CONTRACTION_VECTORS`` seeded Gaussian columns V (inf
    when it overflows): below 1, one application of M shrinks a typical residual."""
    n = counter.shape[0]
    v = np.random.default_rng([seed, 2]).standard_normal((n, CONTRACTION_VECTORS))
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = np.linalg.norm(v - counter @ polynomial.apply(counter, v)) / np.linalg.norm(v)
    return float(ratio) if np.isfinite(ratio) else np.inf


def polynomial_preconditioner(
    A,
    degree: int | str = 10,
    method: str = "learned",
    seed: int = 0,
    *,
    solver: str = "auto",
    scaling: str = "auto",
    probe_steps: int = 20,
    model_dir=None,
    reduction_cost: float = 1.0,
    model: str | os.PathLike | None = None,
) -> PolynomialPreconditioner:
    """M ≈ A⁻¹ as a ``LinearOperator`` for ``cg/minres`` (SPD A) or ``gmres``.

    ``method``: a name in :data:`~solvers.methods.POLYNOMIAL_METHODS`: "learned" (shipped
    network), "chebyshev" (Saad's iteration on the probe interval [θ_min, u]), "chebyshev-30"
    (on pyamg's [u/30, u]), "neumann" (ω = 1/u), "jacobi" (degree 0), "gmres-poly"
    (Loe–Morgan, from d+1 seeded Arnoldi steps), "least-squares" (Saad's polynomial on [0, u]).
    ``solver``: "cg"/"minres" need a symmetric positive definite A (checked: symmetry, positive
    diagonal, positive probe spectrum) and get an SPD M; "gmres" any A; "auto" picks "cg" for
    symmetric A; for "gmres" a polynomial that does not shrink residuals on a few seeded
    random vectors, ‖(I − Âp(Â))V‖ ≥ ‖V‖ (A's spectrum reaches where 1 − λp(λ) is large, e.g.
    left of 0), is replaced by degree 0 (Jacobi, or the identity without scaling).
    ``scaling``: "jacobi" (S = D^{-1/2}, needs an explicit matrix with nonzero diagonal),
    "none", or "auto" (Jacobi when possible).
    ``degree="auto"`` (learned or chebyshev, CG/MINRES): the degree among 0 (no polynomial:
    plain or Jacobi-scaled CG, ``method`` "identity"/"jacobi") and the available ones with the
    least predicted cost iterations·(d + 1 + 3·``reduction_cost``) on the probed spectrum, see
    :mod:`solvers.autodegree`; the probe is counted in ``setup_matvecs`` whatever is chosen.
    ``model``: a preconditioning model file of this degree (e.g. from
    :func:`solvers.family.fit_preconditioner`) instead of the shipped one (method "learned").

    Parameters
    ----------
    A : sparse matrix, ndarray or LinearOperator
        Square, real.
    degree : int or "auto", default 10
        Degree d of p (d products with A per application), or chosen from the probe.
    method : str, default "learned"
        A registered polynomial method (see above).
    seed : int, default 0
        Seed of the probe (and of the Arnoldi start of "gmres-poly"), an integer >= 0.
    solver : {"auto", "cg", "minres", "gmres"}, default "auto"
        The Krylov method M is for.
    scaling : {"auto", "jacobi", "none"}, default "auto"
        Symmetric diagonal scaling.
    probe_steps : int, default 20
        Lanczos/Arnoldi steps of the spectral probe.
    model_dir : str or os.PathLike, optional
        Folder of retrained models (default: the shipped ones).
    reduction_cost : float, default 1.0
        Price of one global reduction in matvecs, for ``degree="auto"`` (>= 0).
    model : str or os.PathLike, optional
        A preconditioning model file of this degree (method "learned").

    Returns
    -------
    PolynomialPreconditioner
        A ``LinearOperator`` with ``matvecs`` (products with A made by applications),
        ``setup_matvecs``, ``degree``, ``method`` (the one used) and ``polynomial``.

    Raises
    ------
    ValueError
        For an unknown method, solver or scaling, a bad degree, seed or ``reduction_cost``,
        ``model`` with another method or with ``degree="auto"``, no learned model at
        ``degree`` (or a ``model`` file that does not exist or does not match it), or a
        matrix the solver cannot take (not symmetric, not positive definite, no positive
        spectrum; Jacobi scaling of a ``LinearOperator`` or of a zero diagonal entry).
    TypeError
        If A is not a matrix or ``LinearOperator``, or ``degree`` is not an integer or "auto".
    FileNotFoundError
        If ``model_dir`` does not exist (method "learned").

    Warns
    -----
    RuntimeWarning
        When the requested polynomial is replaced (``method`` then names the one used,
        ``fallback`` why): for CG/MINRES one not positive on the spectrum, by Chebyshev; for
        GMRES one that does not shrink residuals, by Jacobi or the identity.

    See Also
    --------
    PolynomialPreconditioner : The operator returned.
    probe : The spectral probe p is fitted to.
    fit_preconditioner : Trains a ``model`` file for a family of matrices.
    scipy.sparse.linalg.cg : A solver that takes M.

    Examples
    --------
    >>> import numpy as np, scipy.sparse.linalg as spla
    >>> from sciml.data.matrices import load_matrix
    >>> a = load_matrix("poisson2d-16")
    >>> b = np.ones(a.shape[0])
    >>> m = polynomial_preconditioner(a, degree=8, method="chebyshev")
    >>> x, info = spla.cg(a, b, M=m, rtol=1e-8)
    >>> info, bool(np.linalg.norm(a @ x - b) <= 1e-8 * np.linalg.norm(b)), m.method
    (0, True, 'chebyshev')

    The shipped learned polynomial of degree 10 on HB/nos4 (100 rows, κ ≈ 1.6e3):

    >>> a = load_matrix("HB/nos4")
    >>> b = np.ones(a.shape[0])
    >>> m = polynomial_preconditioner(a, 10, "learned", seed=0)
    >>> def iterations(M=None):
    ...     count = []
    ...     x, info = spla.cg(a, b, M=M, rtol=1e-10, callback=count.append)
    ...     return info, len(count)
    >>> (info, with_m), (_, without) = iterations(m), iterations()
    >>> info, m.method, bool(with_m < without / 4), m.matvecs == 10 * with_m
    (0, 'learned', True, True)
    """
    operator = check_operator(A)
    builder = POLYNOMIAL_METHODS[method]
    if model is not None and method != "learned":
        raise ValueError(f"model is for method='learned', got method={method!r}")
    if model is not None and isinstance(degree, str):
        raise ValueError("model needs an integer degree (the model's), got degree='auto'")
    auto = isinstance(degree, str) and degree == "auto"
    degree = 1 if auto else check_degree(degree)
    if auto and method not in AUTO_DEGREES:
        raise ValueError(
            f"degree='auto' needs method 'learned' or 'chebyshev', got method={method!r}"
        )
    reduction_cost = check_nonnegative(reduction_cost, "reduction_cost")
    seed = check_nonnegative(seed, "seed", integer=True)
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {', '.join(SOLVERS)}, got {solver!r}")
    if scaling not in ("auto", "jacobi", "none"):
        raise ValueError(f"scaling must be 'auto', 'jacobi' or 'none', got {scaling!r}")
    explicit = sp.issparse(operator)
    symmetric = is_symmetric(operator, seed=seed)
    check_matvecs, check_reductions = (0, 0) if explicit else SYMMETRY_TEST_COST
    if solver == "auto":
        solver = "cg" if symmetric else "gmres"
    spd_path = solver in ("cg", "minres")
    if auto and not spd_path:
        raise ValueError(
            f"degree='auto' models CG: it needs solver 'cg' or 'minres', got {solver!r}"
        )
    if spd_path and not symmetric:
        raise ValueError(
            f"A is not symmetric: solver={solver!r} needs a symmetric positive "
            "definite matrix; use solver='gmres'"
        )
    if spd_path and explicit and np.any(operator.diagonal() <= 0.0):
        raise ValueError(
            f"A has a non-positive diagonal entry, so it is not positive definite "
            f"as solver={solver!r} requires"
        )
    if scaling == "jacobi" and not explicit:
        raise ValueError("scaling='jacobi' needs an explicit matrix, got a LinearOperator")
    use_scaling = scaling == "jacobi" or (
        scaling == "auto" and explicit and np.all(operator.diagonal() != 0.0)
    )
    scale = jacobi_scaling(operator) if use_scaling else None
    scaled = scaled_operator(operator, scale) if use_scaling else operator
    counter = CountingOperator(scaled)
    if not builder.needs_probe:
        return PolynomialPreconditioner(
            counter,
            scale,
            builder.build(counter, None, degree, seed=seed, model_dir=model_dir),
            method=method,
            probe_result=None,
            setup_matvecs=check_matvecs,
            symmetric=symmetric,
            setup_reductions=check_reductions,
        )
    result = probe(scaled, steps=probe_steps, seed=seed, symmetric=symmetric)
    if not result.upper > 0.0:
        raise ValueError(
            f"A has no positive spectrum (largest Ritz value {result.ritz[-1]:.3g}): "
            "a polynomial preconditioner needs a positive definite operator"
        )
    if spd_path and result.lower <= 0.0:
        raise ValueError(
            f"A is indefinite: the probe found a Ritz value {result.lower:.3g} <= 0, but "
            f"solver={solver!r} needs a positive definite matrix"
        )
    requested = method
    if auto:
        degree = _auto_degree(method, counter, result, seed, model_dir, reduction_cost)
        if degree == 0:
            return PolynomialPreconditioner(
                counter,
                scale,
                jacobi_polynomial(),
                method="jacobi" if use_scaling else "identity",
                probe_result=result,
                setup_matvecs=check_matvecs + result.matvecs,
                symmetric=symmetric,
                setup_reductions=check_reductions + result.reductions,
                requested_method=requested,
            )
    polynomial = _polynomial(method, counter, result, degree, seed, model_dir, model)
    setup = check_matvecs + result.matvecs + counter.matvecs
    reductions = check_reductions + result.reductions
    if counter.matvecs:  # Arnoldi of gmres-poly
        reductions += krylov_reductions(counter.matvecs)
    fallback = None
    if spd_path and not _is_positive(polynomial, result.upper, result.ritz):
        warnings.warn(
            f"the {method} polynomial is not positive on [0, {result.upper:.3g}], so M would not "
            "be SPD; falling back to the Chebyshev polynomial of the same degree",
            RuntimeWarning,
            stacklevel=2,
        )
        fallback = "polynomial not positive"
        method, polynomial = "chebyshev", chebyshev_from_probe(result, degree)
    if not spd_path:
        counter.reset()
        ratio = _contraction(polynomial, counter, seed)
        setup, reductions = setup + counter.matvecs, reductions + 1
        if not ratio < 1.0:
            used = "jacobi" if use_scaling else "identity"
            warnings.warn(
                f"the {method} polynomial would slow GMRES down: it does not shrink residuals "
                f"(||(I - A p(A)) v|| / ||v|| = {ratio:.3g} >= 1 on {CONTRACTION_VECTORS} random "
                "vectors, so A's spectrum lies outside where 1 - x p(x) is small); falling back "
                f"to {used} (degree 0)",
                RuntimeWarning,
                stacklevel=2,
            )
            fallback = "polynomial does not shrink residuals"
            method, polynomial = used, jacobi_polynomial()
    counter.reset()
    return PolynomialPreconditioner(
        counter,
        scale,
        polynomial,
        method=method,
        probe_result=result,
        setup_matvecs=setup,
        symmetric=symmetric,
        setup_reductions=reductions,
        requested_method=requested,
        fallback=fallback,
    )

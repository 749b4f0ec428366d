"""The preconditioner-polynomial registry: name → :class:`PolynomialMethod`. A new method is
one function p = build(operator, probe, degree, seed=, model_dir=) wrapped in a
``PolynomialMethod``, and one line below (entries load on first use, so listing the names
imports no SciPy or torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sciml.core.registry import Registry


@dataclass(frozen=True)
class PolynomialMethod:
    """How one method builds p of degree d on the (scaled) operator.

    ``build(operator, probe, degree, *, seed, model_dir)`` returns an object with
    ``evaluate(λ)``, ``apply(A, X)`` and ``degree``; ``probe`` is the operator's
    :class:`~solvers.probes.SpectralProbe`, or ``None`` when ``needs_probe`` is false.
    Products with ``operator`` made while building count as setup matvecs."""

    build: Callable[..., Any]
    needs_probe: bool = True


POLYNOMIAL_METHODS = Registry("preconditioner method")
POLYNOMIAL_METHODS.register("jacobi", "solvers.baselines:JACOBI", help="p = 1, degree 0")
POLYNOMIAL_METHODS.register("neumann", "solvers.baselines:NEUMANN", help="Neumann series, ω = 1/u")
POLYNOMIAL_METHODS.register(
    "chebyshev", "solvers.baselines:CHEBYSHEV", help="Chebyshev iteration on [θ_min, u]"
)
POLYNOMIAL_METHODS.register(
    "chebyshev-30", "solvers.baselines:CHEBYSHEV_30", help="Chebyshev on pyamg's [u/30, u]"
)
POLYNOMIAL_METHODS.register(
    "least-squares", "solvers.baselines:LEAST_SQUARES", help="Saad's least squares on [0, u]"
)
POLYNOMIAL_METHODS.register(
    "gmres-poly", "solvers.baselines:GMRES_POLY", help="Loe–Morgan, d+1 seeded Arnoldi steps"
)
POLYNOMIAL_METHODS.register(
    "learned", "solvers.preconditioner:LEARNED", help="the shipped network's roots"
)

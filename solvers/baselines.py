"""Classical polynomial preconditioners p(A) ≈ A⁻¹ of degree d (d products with A per
application), each with ``evaluate(λ)`` and matrix-free ``apply(A, X)``.

- Jacobi: p = 1 (on the Jacobi-scaled operator this is M = D⁻¹).
- Neumann: p(λ) = ω Σ_{j=0}^{d} (1 − ωλ)^j, residual polynomial (1 − ωλ)^{d+1}.
- Chebyshev (Saad, Iterative Methods, Alg. 12.1): 1 − λp(λ) = T_{d+1}((θ−λ)/δ)/T_{d+1}(θ/δ),
  θ = (a+b)/2, δ = (b−a)/2; p > 0 on [0, b].
- Least squares (Saad 1985): p minimises Σ_j (1 − λ_j p(λ_j))² over Chebyshev–Gauss nodes of
  [a, b], i.e. the Chebyshev-weighted L2 norm of the residual polynomial.
- GMRES polynomial (Loe & Morgan): 1 − λp(λ) = Π_i (1 − λ/θ_i) with θ_i the harmonic Ritz
  values of d+1 Arnoldi steps, applied as a product in Leja order, real arithmetic for pairs.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from solvers.methods import PolynomialMethod
from solvers.probes import SpectralProbe, arnoldi
from solvers.recurrences import MatrixPolynomial, RecurrencePolynomial, chebyshev_polynomial


def jacobi_polynomial() -> RecurrencePolynomial:
    """p = 1: with Jacobi scaling this is the Jacobi preconditioner D⁻¹."""
    empty = np.zeros(0)
    return RecurrencePolynomial(empty, empty, empty, np.ones(1))


def neumann_polynomial(omega: float, degree: int) -> RecurrencePolynomial:
    """p(λ) = ω Σ_{j=0}^{d} (1 − ωλ)^j by P_{k+1} = (1 − ωλ) P_k."""
    return RecurrencePolynomial(
        np.full(degree, -omega), np.ones(degree), np.zeros(degree), np.full(degree + 1, omega)
    )


class ChebyshevIteration(MatrixPolynomial):
    """Saad's Chebyshev iteration with d+1 steps as a polynomial of degree d on [a, b]:
    x = p(A) r with r − A x = T_{d+1}((θ − A)/δ) r / T_{d+1}(σ), σ = θ/δ."""

    def __init__(self, a: float, b: float, degree: int):
        if not 0.0 < a < b:
            raise ValueError(f"the Chebyshev interval needs 0 < a < b, got [{a!r}, {b!r}]")
        self.a, self.b, self.degree = float(a), float(b), int(degree)

    def _run(self, op, r: np.ndarray) -> np.ndarray:
        theta, delta = 0.5 * (self.a + self.b), 0.5 * (self.b - self.a)
        sigma = theta / delta
        rho = 1.0 / sigma
        d = r / theta
        x = d
        res = r
        for _ in range(self.degree):
            res = res - op(d)
            rho_next = 1.0 / (2.0 * sigma - rho)
            d = rho_next * rho * d + (2.0 * rho_next / delta) * res
            rho = rho_next
            x = x + d
        return x


def least_squares_polynomial(a: float, b: float, degree: int) -> RecurrencePolynomial:
    """Chebyshev-basis p on [a, b] minimising Σ_j (1 − λ_j p(λ_j))² over 4(d+1)
    Chebyshev–Gauss nodes λ_j of [a, b] (a = 0 is allowed)."""
    nodes = 4 * (degree + 1)
    x = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    lam = 0.5 * (b - a) * x + 0.5 * (a + b)
    basis = np.cos(np.outer(np.arccos(x), np.arange(degree + 1)))
    coeffs = np.linalg.lstsq(lam[:, None] * basis, np.ones(nodes), rcond=None)[0]
    return chebyshev_polynomial(coeffs, a, b)


class ProductPolynomial(MatrixPolynomial):
    """p(λ) = (1 − Π_i (1 − λ/θ_i))/λ for real or conjugate-paired roots θ_i in the given
    (Leja) order; applying it costs (number of roots − 1) products with A."""

    def __init__(self, roots: np.ndarray):
        self.roots = np.asarray(roots, dtype=np.complex128)
        self.degree = self.roots.size - 1

    def _run(self, op, v: np.ndarray) -> np.ndarray:
        # Invariant: v − A·y = prod = Π_{j<i}(I − A/θ_j) v.
        y, prod = np.zeros_like(v), v
        roots, i, last = self.roots, 0, self.roots.size
        while i < last:
            theta = roots[i]
            if theta.imag == 0.0:
                t = theta.real
                y = y + prod / t
                if i + 1 < last:
                    prod = prod - op(prod) / t
                i += 1
            else:
                mod2 = abs(theta) ** 2
                a_prod = op(prod)
                y = y + (2.0 * theta.real / mod2) * prod - a_prod / mod2
                if i + 2 < last:
                    prod = prod - (2.0 * theta.real / mod2) * a_prod + op(a_prod) / mod2
                i += 2
        return y


def harmonic_ritz_values(a, v: np.ndarray, steps: int) -> np.ndarray:
    """Harmonic Ritz values of ``steps`` Arnoldi steps from v: eigenvalues of
    H_m + h_{m+1,m}² H_m^{-T} e_m e_mᵀ (``steps`` matvecs)."""
    _, h, m = arnoldi(a, v, steps)
    hm = h[:m, :m]
    em = np.zeros(m)
    em[-1] = 1.0
    f = scipy.linalg.solve(hm.T, em)
    return scipy.linalg.eigvals(hm + h[m, m - 1] ** 2 * np.outer(f, em))


def leja_order(roots: np.ndarray) -> np.ndarray:
    """Modified Leja order: largest modulus first, then the root maximising the product of
    distances to those chosen; a complex root is followed by its conjugate."""
    roots = np.asarray(roots, dtype=np.complex128)
    roots = np.where(np.abs(roots.imag) <= 1e-12 * np.abs(roots), roots.real + 0j, roots)
    left = [r for r in roots if r.imag >= 0.0]
    order: list[complex] = []
    while left:
        if order:
            chosen = np.array(order)
            logs = [np.sum(np.log(np.abs(r - chosen) + 1e-300)) for r in left]
            k = int(np.argmax(logs))
        else:
            k = int(np.argmax(np.abs(left)))
        r = left.pop(k)
        order.append(r)
        if r.imag > 0.0:
            order.append(np.conj(r))
    return np.array(order)


def gmres_polynomial(a, v: np.ndarray, degree: int) -> ProductPolynomial:
    """Loe–Morgan GMRES polynomial of degree d from d+1 Arnoldi steps on v, in Leja order, with
    extra copies of roots whose pof_k = Π_{i≠k}|1 − θ_k/θ_i| exceeds 1e4 (stability)."""
    roots = leja_order(harmonic_ritz_values(a, v, degree + 1))
    extra = []
    for k, theta in enumerate(roots):
        others = np.delete(roots, k)
        log_pof = float(np.sum(np.log10(np.abs(1.0 - theta / others) + 1e-300)))
        copies = int(np.ceil((log_pof - 4.0) / 14.0)) if log_pof > 4.0 else 0
        if theta.imag < 0.0:
            continue
        extra += [theta] * copies + ([np.conj(theta)] * copies if theta.imag > 0 else [])
    if extra:
        roots = np.concatenate([roots, extra])
    return ProductPolynomial(roots)


def chebyshev_from_probe(probe: SpectralProbe, degree: int, lower_ratio: float | None = None):
    """Chebyshev iteration on [a, probe.upper] with a = θ_min of the probe, or
    a = upper·lower_ratio when given (pyamg's default interval is lower_ratio = 1/30)."""
    upper = probe.upper
    lower = upper * lower_ratio if lower_ratio is not None else max(probe.lower, 1e-12 * upper)
    return ChebyshevIteration(min(lower, 0.5 * upper), upper, degree)


def _jacobi(operator, probe, degree, **_) -> RecurrencePolynomial:
    return jacobi_polynomial()


def _neumann(operator, probe, degree, **_) -> RecurrencePolynomial:
    return neumann_polynomial(1.0 / probe.upper, degree)


def _chebyshev(operator, probe, degree, **_):
    return chebyshev_from_probe(probe, degree)


def _chebyshev_30(operator, probe, degree, **_):
    return chebyshev_from_probe(probe, degree, 1.0 / 30.0)


def _least_squares(operator, probe, degree, **_) -> RecurrencePolynomial:
    return least_squares_polynomial(0.0, probe.upper, degree)


def _gmres_poly(operator, probe, degree, *, seed: int, **_) -> ProductPolynomial:
    start = np.random.default_rng(seed + 1).standard_normal(operator.shape[0])
    return gmres_polynomial(operator, start, degree)


JACOBI = PolynomialMethod(_jacobi, needs_probe=False)
NEUMANN = PolynomialMethod(_neumann)
CHEBYSHEV = PolynomialMethod(_chebyshev)
CHEBYSHEV_30 = PolynomialMethod(_chebyshev_30)
LEAST_SQUARES = PolynomialMethod(_least_squares)
GMRES_POLY = PolynomialMethod(_gmres_poly)

"""``degree="auto"``: the polynomial degree chosen from the probe by a CG cost model.

The probe's Ritz values split into isolated outliers (converged, r_i ≤ 1e-6·|θ_i|, and at least
a factor 3 away from the rest) and a bulk interval [θ_lo, θ_hi + r_hi]. CG on a spectrum whose
bulk has condition number κ plus k isolated values needs about
k + ⌈½√κ·ln(2/rtol)⌉ iterations; for a polynomial p of degree d the same count is taken for
μ = λp(λ) (κ = max/min of μ over the bulk, k the outliers μ puts outside the bulk's range), and
each iteration costs d + 1 matvecs and 3 global reductions. Polynomial-preconditioned CG never
needs fewer matvecs than CG (its iterate lies in the Krylov space CG optimises over); it saves
reductions. So "auto" minimises iterations·(d + 1 + 3ρ) over d ∈ {0} ∪ the available degrees,
ρ the cost of a reduction in matvecs: ρ = 0 counts matvecs only (and nearly always gives
d = 0), ρ ≫ 1 is a machine where reductions dominate (many processes, a GPU).
"""

from __future__ import annotations

import numpy as np

from solvers.probes import SpectralProbe

RESOLVED = 1e-6
GAP = 3.0
GRID = 400


def split_spectrum(result: SpectralProbe) -> tuple[tuple[float, float], np.ndarray]:
    """((θ_lo, θ_hi + r_hi), outliers): the bulk interval and the isolated converged Ritz
    values at either end of the probe's spectrum."""
    theta, res = result.ritz, result.residuals
    m = theta.size
    resolved = res <= RESOLVED * np.abs(theta)
    hi, lo = m - 1, 0
    for j in range(m - 1, 1, -1):  # theta[j:] isolated above theta[j - 1]: outliers
        if not resolved[j]:
            break
        if theta[j] > GAP * (theta[j - 1] + res[j - 1]):
            hi = j - 1
    for j in range(0, hi - 1):  # theta[: j + 1] isolated below theta[j + 1]
        if not resolved[j]:
            break
        if GAP * theta[j] < theta[j + 1] - res[j + 1]:
            lo = j + 1
    outliers = np.concatenate([theta[:lo], theta[hi + 1 :]])
    return (float(theta[lo]), float(theta[hi] + res[hi])), outliers


def predicted_iterations(
    mu_bulk: np.ndarray, mu_outliers: np.ndarray, rtol: float = 1e-8
) -> float:
    """k + ⌈½√κ ln(2/rtol)⌉ with κ = max/min of μ over the bulk and k the outliers outside;
    ``inf`` when μ is not positive (the polynomial would not give an SPD preconditioner)."""
    if np.any(mu_bulk <= 0.0) or np.any(mu_outliers <= 0.0) or not np.all(np.isfinite(mu_bulk)):
        return float("inf")
    low, high = mu_bulk.min(), mu_bulk.max()
    outside = int(np.sum((mu_outliers < low) | (mu_outliers > high)))
    return outside + np.ceil(0.5 * np.sqrt(high / low) * np.log(2.0 / rtol))


def predicted_matvecs(polynomial, degree: int, result: SpectralProbe) -> float:
    """Outer iterations × (d + 1) for CG preconditioned by ``polynomial`` (None: no polynomial)
    on the spectrum the probe saw."""
    (lo, hi), outliers = split_spectrum(result)
    lam = np.linspace(max(lo, 1e-300), hi, GRID)
    if polynomial is None:
        mu_bulk, mu_out = lam, outliers
    else:
        mu_bulk, mu_out = lam * polynomial.evaluate(lam), outliers * polynomial.evaluate(outliers)
    return predicted_iterations(mu_bulk, mu_out) * (degree + 1)


def choose_degree(
    candidates: dict[int, object], result: SpectralProbe, reduction_cost: float = 1.0
) -> int:
    """The degree among 0 (no polynomial) and ``candidates`` ({degree: polynomial}) with the
    least predicted cost iterations·(d + 1 + 3ρ): d + 1 matvecs and CG's 3 global reductions per
    outer iteration, ρ = ``reduction_cost`` the cost of a reduction in matvecs."""
    costs = {0: predicted_matvecs(None, 0, result) * (1.0 + 3.0 * reduction_cost)}
    for degree, polynomial in candidates.items():
        iterations = predicted_matvecs(polynomial, degree, result) / (degree + 1)
        costs[degree] = iterations * (degree + 1 + 3.0 * reduction_cost)
    return min(sorted(costs), key=lambda d: costs[d])

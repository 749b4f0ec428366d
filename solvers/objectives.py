"""Task targets and self-supervised losses, on spectra normalised by the probe's upper bound
(λ̂ = λ/u ∈ (0, 1]); written once for NumPy and torch arrays (``xp`` is the array module).

Matrix functions f̂ on λ̂ (p(λ) = p̂(λ/u)·u^{−s} maps back):
``inv`` 1/λ (s = 1), ``invsqrt`` λ^{−1/2} (s = 1/2), ``exp`` exp(−τλ̂) with τ = t·u,
``step`` 1[λ̂ < η] with η = threshold/u (the spectral projector below the threshold).
Losses: a smooth max (L_q mean, q = 8) of the error over the spectrum — relative for inv and
invsqrt, absolute for exp and step — and for preconditioning the residual of CG unrolled on the
diagonal operator λ̂ p̂(λ̂) after a fixed budget of outer iterations (Krylov optimality makes this
the quantity the total matvec count depends on), plus a penalty on p̂ < 0 (CG needs SPD M).
The issue's smooth max of |1 − λp(λ)| over the whole spectrum is minimised by the Chebyshev
polynomial of [λ_min, λ_max], which ignores CG's superlinear convergence on real spectra (we
measured it needing several times the matvecs of Jacobi-CG), so the budget loss replaces it.
Filter (eigenvalue problems): log10 of a smooth max of |p̂| over the unwanted eigenvalues over a
smooth min of |p̂| over the wanted ones — the per-sweep damping of filtered subspace iteration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class FunctionSpec:
    """A matrix function: ``scale_power`` s with f(uλ̂) = u^{−s} f̂(λ̂), ``relative`` error
    measure, the meaning of its scalar parameter and the training range of that parameter."""

    name: str
    scale_power: float
    relative: bool
    param: str | None
    param_range: tuple[float, float] = (0.0, 0.0)

    def normalised(self, lam: Any, param: Any, xp: Any = np) -> Any:
        """f̂(λ̂) for λ̂ = λ/u and the normalised parameter (τ = t·u, η = threshold/u)."""
        if self.name == "inv":
            return 1.0 / lam
        if self.name == "invsqrt":
            return 1.0 / xp.sqrt(lam)
        if self.name == "exp":
            return xp.exp(-param * lam)
        return (lam < param) * 1.0


FUNCTIONS = {
    "inv": FunctionSpec("inv", 1.0, True, None),
    "invsqrt": FunctionSpec("invsqrt", 0.5, True, None),
    "exp": FunctionSpec("exp", 0.0, False, "t", (1.0, 100.0)),
    "step": FunctionSpec("step", 0.0, False, "threshold", (0.02, 0.5)),
}


def chebyshev_t(m: int, x: Any, xp: Any = np) -> Any:
    """T_m(x) for real x: cos(m·acos x) on [−1, 1], sign(x)^m·cosh(m·acosh|x|) outside
    (branches clamped away from ±1 so that torch gradients stay finite)."""
    eps = 1e-12
    if xp is torch:
        inner = torch.cos(m * torch.acos(x.clamp(-1.0 + eps, 1.0 - eps)))
        outer = torch.cosh(m * torch.acosh(x.abs().clamp_min(1.0 + eps)))
        outer = torch.where(x < 0, (-1.0) ** m * outer, outer)
        return torch.where(x.abs() <= 1.0, inner, outer)
    x = np.asarray(x, dtype=np.float64)
    inner = np.cos(m * np.arccos(np.clip(x, -1.0, 1.0)))
    outer = np.cosh(m * np.arccosh(np.maximum(np.abs(x), 1.0))) * np.where(x < 0, (-1.0) ** m, 1.0)
    return np.where(np.abs(x) <= 1.0, inner, outer)


def chebyshev_residual(lam: Any, a: Any, b: Any, degree: int, xp: Any = np) -> Any:
    """1 − λp(λ) of the degree-d Chebyshev iteration polynomial on [a, b]:
    T_{d+1}((θ − λ)/δ)/T_{d+1}(θ/δ)."""
    theta, delta = 0.5 * (a + b), 0.5 * (b - a)
    return chebyshev_t(degree + 1, (theta - lam) / delta, xp) / chebyshev_t(
        degree + 1, theta / delta, xp
    )


def smooth_max(x: torch.Tensor, q: float = 8.0, dim: int = -1) -> torch.Tensor:
    """(mean |x|^q)^{1/q}, a differentiable surrogate of max|x| (computed in log space)."""
    logs = q * torch.log(torch.abs(x) + 1e-300)
    n = torch.tensor(float(x.shape[dim]), dtype=x.dtype)
    return torch.exp((torch.logsumexp(logs, dim=dim) - torch.log(n)) / q)


def unrolled_cg_residuals(mu: torch.Tensor, steps: int) -> torch.Tensor:
    """Relative residual norms ‖r_k‖/‖b‖, k = 0..steps, of CG on diag(μ) (batch × n) with
    b = 1 (every eigencomponent equally present), differentiable in μ."""
    b = torch.ones_like(mu)
    x, r = torch.zeros_like(mu), b.clone()
    d = r.clone()
    rr = (r * r).sum(-1)
    norms = [torch.sqrt(rr)]
    for _ in range(steps):
        ad = mu * d
        alpha = rr / _nonzero((d * ad).sum(-1))
        x = x + alpha[:, None] * d
        r = r - alpha[:, None] * ad
        rr_new = (r * r).sum(-1)
        d = r + (rr_new / _nonzero(rr))[:, None] * d
        rr = rr_new
        norms.append(torch.sqrt(rr))
    return torch.stack(norms, -1) / norms[0][:, None]


def _nonzero(x: torch.Tensor, tiny: float = 1e-200) -> torch.Tensor:
    """x with entries of modulus below ``tiny`` replaced by ``tiny`` (converged CG steps)."""
    return torch.where(x.abs() < tiny, torch.full_like(x, tiny), x)


def preconditioning_loss(
    lam: torch.Tensor, p: torch.Tensor, budget: torch.Tensor, p_grid: torch.Tensor
) -> torch.Tensor:
    """mean over the batch of log10 max(‖r_K‖/‖b‖, 1e-12) for CG on diag(λ̂p̂(λ̂)) after K =
    ``budget`` outer iterations, plus 10·max(relu(−p̂)/max|p̂|) on a grid of [0, 1] (the max,
    not the mean: with a mean the trained roots left p̂ < 0 on the top 5% of [0, 1], where the
    training spectra have no eigenvalue, and the SPD check then rejected the polynomial)."""
    steps = int(budget.max())
    res = unrolled_cg_residuals(lam * p, steps)
    at_budget = res.gather(1, budget[:, None].long()).squeeze(1)
    scale = p_grid.abs().amax(-1, keepdim=True).detach()
    negative = torch.relu(-p_grid / scale).amax(-1)
    return (torch.log10(at_budget.clamp_min(1e-12)) + 10.0 * negative).mean()


def function_loss(
    spec: FunctionSpec, lam: torch.Tensor, p: torch.Tensor, param: torch.Tensor
) -> torch.Tensor:
    """mean over the batch of log10 of the smooth max over the spectrum of the error of p̂ as f̂
    (relative error for inv/invsqrt, error/max|f̂| for exp and step)."""
    f = spec.normalised(lam, param[:, None], torch)
    err = p - f
    if spec.relative:
        err = err / f
    else:
        err = err / f.abs().amax(-1, keepdim=True).clamp_min(1e-300)
    return torch.log10(smooth_max(err)).mean()


def masked_log_smooth_max(logs: torch.Tensor, mask: torch.Tensor, q: float) -> torch.Tensor:
    """log of (mean over the masked entries of e^{q·logs})^{1/q}, row by row (a smooth max of
    e^{logs} over the mask, computed in log space)."""
    masked = torch.where(mask, q * logs, torch.full_like(logs, -torch.inf))
    count = mask.sum(-1).clamp_min(1).to(logs.dtype)
    return (torch.logsumexp(masked, -1) - torch.log(count)) / q


def filter_loss(
    p: torch.Tensor, wanted: torch.Tensor, unwanted: torch.Tensor, q: float = 64.0
) -> torch.Tensor:
    """mean over the batch of log10(smooth max_unwanted |p̂| / smooth min_wanted |p̂|), the
    L_q surrogate (q = 64) of the damping max_{j unwanted}|p(λ_j)| / min_{i wanted}|p(λ_i)|."""
    logs = torch.log(p.abs() + 1e-300)
    top = masked_log_smooth_max(logs, unwanted, q)
    bottom = -masked_log_smooth_max(-logs, wanted, q)
    return ((top - bottom) / np.log(10.0)).mean()

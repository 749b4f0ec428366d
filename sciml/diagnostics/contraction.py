"""Local contraction factor of a map T at a point: q = ‖J_T(h)‖₂, the largest singular value
of its Jacobian, estimated by power iteration on JᵀJ with Jacobian–vector products
(``torch.func.jvp``) and vector–Jacobian products (``torch.func.vjp``), never forming J.

q < 1 at every point of a convex set is what makes T a contraction there (unique fixed
point, linear convergence); an estimate at sample points measures it, it does not prove it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import jvp, vjp


def contraction_factor(
    fn: Callable[[torch.Tensor], torch.Tensor],
    h: torch.Tensor,
    *,
    iterations: int = 20,
    seed: int = 0,
    tol: float = 1e-4,
) -> float:
    """Estimate ‖∂fn/∂h‖₂ at ``h`` (the whole tensor is one vector) by power iteration.

    v ← JᵀJv/‖JᵀJv‖; the estimate is ‖Jv‖ for the unit vector v. Stops after ``iterations``
    or when the estimate changes by less than ``tol`` relative.
    """
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ValueError(f"iterations must be a positive integer, got {iterations!r}")
    h = h.detach()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    v = torch.randn(h.shape, generator=generator, dtype=h.dtype).to(h.device)
    v = v / v.norm()
    _, pullback = vjp(fn, h)
    estimate = 0.0
    for _ in range(iterations):
        _, jv = jvp(fn, (h,), (v,))
        previous, estimate = estimate, float(jv.detach().norm())
        (jtjv,) = pullback(jv)
        norm = jtjv.detach().norm()
        if norm == 0:
            return 0.0
        v = jtjv.detach() / norm
        if abs(estimate - previous) <= tol * max(estimate, 1e-30):
            break
    return estimate

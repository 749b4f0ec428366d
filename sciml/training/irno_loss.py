"""IRNO training objective: the progressive spectral loss and the unrolled K-step loss of the
fixed-point iteration of :mod:`sciml.operators.irno`. Over K unrolled steps:
L = (1/K) Σ_{k<K} [MSE(h_{k+1}, y) + β_s·L_spec(h_{k+1}, y; λ_k)] + β_fp·mean(((T(y) − y)/α)²),
the last term being the anchor's mean(Φθ([x, y])²) in the residual form.
"""

from __future__ import annotations

import torch

from sciml.operators.irno import (
    Refiner,
    check_alpha,
    check_form,
    check_steps,
    iterate,
    refinement_step,
    step_map,
)


def progressive_exponents(steps: int, start: float = 1.0, end: float = 2.0) -> list[float]:
    """λ_k = start + (end − start)·k/(K − 1) for k = 0 … K−1 (λ_0 = start when K = 1)."""
    check_steps(steps)
    if steps == 1:
        return [float(start)]
    return [start + (end - start) * k / (steps - 1) for k in range(steps)]


def spectral_weights(grid: tuple[int, ...], exponent: float) -> torch.Tensor:
    """ρ(ω) = 1 + (|ω|/ω_nyq)^λ on the rfftn grid of ``grid`` (frequencies in cycles per
    sample, ω_nyq = ½), divided by its mean so that the weights average to 1."""
    if not grid or any(n < 2 for n in grid):
        raise ValueError(f"grid must have sizes >= 2, got {grid}")
    axes = [torch.fft.fftfreq(n, dtype=torch.float64) for n in grid[:-1]]
    axes.append(torch.fft.rfftfreq(grid[-1], dtype=torch.float64))
    mesh = torch.meshgrid(*axes, indexing="ij")
    radius = torch.sqrt(sum(w**2 for w in mesh))
    rho = 1.0 + (radius / 0.5) ** exponent
    return rho / rho.mean()


def spectral_loss(pred: torch.Tensor, target: torch.Tensor, exponent: float) -> torch.Tensor:
    """mean(ρ_λ · (|F pred| − |F target|)²) over batch, channels and the rfft grid, with the
    orthonormal FFT over the spatial dims (all dims after the channel dim). Amplitudes only:
    phase errors are left to the MSE term."""
    if pred.shape != target.shape or pred.ndim < 3:
        raise ValueError(
            f"pred and target must share a (B, C, *grid) shape, got {tuple(pred.shape)} "
            f"and {tuple(target.shape)}"
        )
    dims = tuple(range(2, pred.ndim))
    weights = spectral_weights(tuple(pred.shape[2:]), exponent).to(pred.dtype).to(pred.device)
    amplitude = torch.fft.rfftn(pred, dim=dims, norm="ortho").abs()
    reference = torch.fft.rfftn(target, dim=dims, norm="ortho").abs()
    return (weights * (amplitude - reference) ** 2).mean()


def unrolled_loss(
    refiner: Refiner,
    x: torch.Tensor,
    h0: torch.Tensor,
    y: torch.Tensor,
    *,
    alpha: float = 0.2,
    steps: int = 6,
    spectral_weight: float = 1.0,
    fixed_point_weight: float = 0.01,
    exponents: tuple[float, float] = (1.0, 2.0),
    truncate: int | None = None,
    form: str = "residual",
) -> tuple[torch.Tensor, dict[str, float]]:
    """The K-step objective of the module docstring; returns (loss, its parts as floats).
    ``x`` is what the refiner sees besides h (the context [x, h_0] in the relaxed form)."""
    check_alpha(alpha)
    check_steps(steps)
    check_form(form)
    if truncate is not None:
        check_steps(truncate, "truncate")
    update = step_map(refiner, x, alpha, form)
    iterates = iterate(update, h0, steps, truncate)
    lambdas = progressive_exponents(steps, *exponents)
    data = torch.stack([torch.mean((h - y) ** 2) for h in iterates]).mean()
    spectral = torch.stack(
        [spectral_loss(h, y, lam) for h, lam in zip(iterates, lambdas, strict=True)]
    ).mean()
    fixed_point = ((update(y) - y) / alpha).square().mean()
    loss = data + spectral_weight * spectral + fixed_point_weight * fixed_point
    parts = {
        "mse": float(data.detach()),
        "spectral": float(spectral.detach()),
        "fixed_point": float(fixed_point.detach()),
    }
    return loss, parts


def fixed_point_warmup(epoch: int, warmup_epochs: int = 5, weight: float = 0.01) -> float:
    """β_fp ramped linearly from weight/warmup_epochs in epoch 0 to ``weight`` at
    epoch ``warmup_epochs − 1`` and after."""
    if warmup_epochs <= 0:
        return weight
    return weight * min(1.0, (epoch + 1) / warmup_epochs)


def contraction_penalty(
    refiner: Refiner,
    x: torch.Tensor,
    h: torch.Tensor,
    alpha: float,
    q_max: float = 0.9,
    iterations: int = 3,
    form: str = "residual",
) -> torch.Tensor:
    """relu(‖J_T v‖ − q_max)² for the update T of ``form`` and v ≈ its top right singular
    vector at ``h`` (a few power iterations on JᵀJ, not differentiated); the last ‖J_T v‖ is
    differentiable in θ, so the penalty pushes the local contraction factor below q_max."""
    from torch.func import jvp, vjp

    def step(v: torch.Tensor) -> torch.Tensor:
        return refinement_step(refiner, x.detach(), v, alpha, form)

    h = h.detach()
    v = torch.randn_like(h)
    for _ in range(iterations):
        v = v / v.norm()
        with torch.no_grad():
            _, pullback = vjp(step, h)
            (v,) = pullback(jvp(step, (h,), (v,))[1])
    v = (v / v.norm()).detach()
    gain = jvp(step, (h,), (v,))[1].norm()
    return torch.relu(gain - q_max) ** 2

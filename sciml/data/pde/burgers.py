"""Viscous Burgers u_t + (u²/2)_x = ν u_xx on the periodic [0, 1), GRF initial condition.

Method of lines: Fourier pseudo-spectral in x with the 2/3 rule, dopri5 (torchdiffeq) in time
on the integrating-factor variable, batched in float64 torch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torchdiffeq import odeint

from sciml.data.pde.base import PDEGenerator
from sciml.data.pde.grf import gaussian_random_field

# Largest ν k² (s1 − s0) over one integrating-factor sub-interval: e^500 ≈ 1e217 stays finite.
_MAX_EXPONENT = 500.0


def _max_norm(x: torch.Tensor) -> torch.Tensor:
    return x.abs().max()


class _IntegratingFactorRHS:
    """v̂' = e^{νk²(t − s0)} N̂(e^{−νk²(t − s0)} v̂) with N̂(u) = −(ik/2) FFT(u²) on the kept modes."""

    def __init__(self, k: torch.Tensor, lam: torch.Tensor, resolution: int) -> None:
        self.ik_half = 0.5j * k
        self.lam = lam
        self.resolution = resolution
        self.t_ref = 0.0
        self.proposed_dt: float | None = None

    def __call__(self, t: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        grow = torch.exp(self.lam * (t - self.t_ref))
        u = torch.fft.irfft(v / grow, n=self.resolution, norm="forward")
        square = torch.fft.rfft(u * u, norm="forward")[..., : self.lam.numel()]
        return -grow * self.ik_half * square

    def callback_step(self, t0: torch.Tensor, y0: torch.Tensor, dt: torch.Tensor) -> None:
        self.proposed_dt = float(dt)


def _advance(
    rhs: _IntegratingFactorRHS, u_hat: torch.Tensor, s0: float, s1: float, rtol: float,
    atol: float,
) -> torch.Tensor:
    """Kept modes û(s1) from û(s0) through dopri5 on v̂ = e^{νk²(t − s0)} û."""
    decay = torch.exp(-rhs.lam * (s1 - s0))
    rhs.t_ref = s0
    first_step = min(rhs.proposed_dt or 1e-2 * (s1 - s0), s1 - s0)
    span = torch.tensor([s0, s1], dtype=torch.float64, device=u_hat.device)
    options = {"norm": _max_norm, "step_t": span[1:], "first_step": first_step}
    try:
        v = odeint(rhs, u_hat, span, rtol=rtol, atol=atol / decay, method="dopri5",
                   options=options)
    except AssertionError as err:  # torchdiffeq reports blow-up through assertions
        raise FloatingPointError(f"Burgers integration failed near t={s0:g}: {err}") from err
    return v[-1] * decay


def _as_initial_condition(u0: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(u0, np.ndarray):
        if not (np.issubdtype(u0.dtype, np.floating) or np.issubdtype(u0.dtype, np.integer)):
            raise TypeError(f"u0 must be a real array, got dtype {u0.dtype}")
        u0 = torch.from_numpy(np.asarray(u0, dtype=np.float64))
    elif isinstance(u0, torch.Tensor):
        if u0.is_complex() or u0.dtype == torch.bool:
            raise TypeError(f"u0 must be a real tensor, got dtype {u0.dtype}")
        u0 = u0.detach().to(torch.float64)
    else:
        raise TypeError(f"u0 must be a numpy array or torch tensor, got {type(u0).__name__}")
    if u0.ndim not in (1, 2) or u0.shape[-1] < 4:
        raise ValueError(f"u0 must have shape (R,) or (B, R) with R >= 4, got {tuple(u0.shape)}")
    if not torch.isfinite(u0).all():
        raise ValueError("u0 must be finite, got NaN or inf entries")
    return u0


def _as_times(times: np.ndarray) -> np.ndarray:
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"times must be a non-empty 1D array, got shape {times.shape}")
    if not np.all(np.isfinite(times)):
        raise ValueError("times must be finite")
    if times[0] != 0.0:
        raise ValueError(f"times must start at 0, got times[0] = {times[0]}")
    if np.any(np.diff(times) <= 0):
        raise ValueError("times must be strictly increasing")
    return times


def solve_burgers(
    u0: np.ndarray | torch.Tensor,
    nu: float,
    times: np.ndarray,
    *,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    device: str | torch.device = "cpu",
) -> np.ndarray:
    """Trajectory of u_t + (u²/2)_x = ν u_xx on the periodic [0, 1) at ``times``.

    Fourier modes |m| < R/3 are evolved (2/3 rule, so u² is computed without aliasing); the
    others only decay, û_m(t) = e^{−νk²t} û_m(0). Stiffness is removed with an integrating
    factor: on sub-intervals [s0, s1] short enough that νk²(s1 − s0) ≤ 500 for every kept mode
    (so nothing overflows), dopri5 integrates v̂ = e^{νk²(t − s0)} û, whose equation
    v̂' = e^{νk²(t − s0)} N̂(u) has no linear part (a Lawson-type scheme). The absolute
    tolerance of mode k is scaled by e^{νk²(s1 − s0)}, so every local error is judged by what
    is left of it at s1 after the exact viscous decay; the error norm is the max over modes.
    ``rtol``/``atol`` apply to the Fourier-series coefficients û_m = mean(u e^{−2πimx}).

    Returns float64 of shape (B, T, R) for u0 of shape (B, R), or (T, R) for u0 of shape (R,);
    the slice at times[0] = 0 is u0.
    """
    u0 = _as_initial_condition(u0)
    times = _as_times(times)
    if not (math.isfinite(nu) and nu > 0):
        raise ValueError(f"nu must be a positive finite number, got {nu}")
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"rtol and atol must be positive, got rtol={rtol}, atol={atol}")
    squeeze = u0.ndim == 1
    u0 = u0.reshape(-1, u0.shape[-1]).to(device)
    resolution = u0.shape[-1]

    m = torch.arange(resolution // 2 + 1, dtype=torch.float64, device=u0.device)
    decay_rate = nu * (2.0 * math.pi * m) ** 2
    n_kept = int((3 * m < resolution).sum())
    lam = decay_rate[:n_kept]
    rhs = _IntegratingFactorRHS(2.0 * math.pi * m[:n_kept], lam, resolution)

    u0_hat = torch.fft.rfft(u0, norm="forward")
    kept = u0_hat[:, :n_kept]
    frames = [u0]
    for t_start, t_end in zip(times[:-1], times[1:], strict=True):
        n_sub = max(1, math.ceil(float(lam[-1]) * (t_end - t_start) / _MAX_EXPONENT))
        edges = np.linspace(t_start, t_end, n_sub + 1)
        for s0, s1 in zip(edges[:-1], edges[1:], strict=True):
            kept = _advance(rhs, kept, s0, s1, rtol, atol)
        rest = u0_hat[:, n_kept:] * torch.exp(-decay_rate[n_kept:] * t_end)
        u_hat = torch.cat([kept, rest], dim=-1)
        frames.append(torch.fft.irfft(u_hat, n=resolution, norm="forward"))
    out = torch.stack(frames, dim=1).cpu().numpy()
    return out[0] if squeeze else out


def generate_burgers(
    rngs: list[np.random.Generator],
    resolution: int,
    *,
    nu: float,
    t_final: float,
    n_times: int,
    alpha: float,
    tau: float,
    sigma: float,
    rtol: float,
    atol: float,
    device: str = "cpu",
) -> dict[str, np.ndarray]:
    """Trajectories from u0 ~ N(0, σ²(−Δ + τ²I)^(−α)): ``{"u": (B, n_times, R)}`` in float32."""
    u0 = np.stack(
        [gaussian_random_field(rng, (resolution,), alpha, tau, sigma) for rng in rngs]
    )
    u = solve_burgers(u0, nu, _times(t_final, n_times), rtol=rtol, atol=atol, device=device)
    bad = np.flatnonzero(~np.isfinite(u).reshape(len(u), -1).all(axis=1))
    if bad.size:
        raise FloatingPointError(f"Burgers sample {int(bad[0])} of the batch is not finite")
    return {"u": u.astype(np.float32)}


def _times(t_final: float, n_times: int) -> np.ndarray:
    if not (math.isfinite(t_final) and t_final > 0):
        raise ValueError(f"t_final must be a positive finite number, got {t_final}")
    if int(n_times) != n_times or n_times < 1:
        raise ValueError(f"n_times must be a positive integer, got {n_times}")
    return np.linspace(0.0, t_final, int(n_times))


def burgers_coordinates(resolution: int, **params: Any) -> dict[str, np.ndarray]:
    """Grid x_j = j/R on [0, 1) and the output times linspace(0, t_final, n_times)."""
    t_final = params.get("t_final", BURGERS.defaults["t_final"])
    n_times = params.get("n_times", BURGERS.defaults["n_times"])
    return {"x": np.arange(resolution) / resolution, "t": _times(t_final, n_times)}


BURGERS = PDEGenerator(
    name="burgers",
    equation="u_t + (u^2/2)_x = nu u_xx on the periodic [0,1), u(0) a Gaussian random field",
    generate=generate_burgers,
    coordinates=burgers_coordinates,
    defaults={
        "nu": 0.1,
        "t_final": 1.0,
        "n_times": 21,
        "alpha": 2.0,
        "tau": 5.0,
        "sigma": 25.0,
        "rtol": 1e-7,
        "atol": 1e-9,
    },
    input_fields=("u",),
    target_fields=("u",),
    spatial_dims=1,
    time_dependent=True,
    periodic=True,
    batch_size=32,
    version="1",
    min_resolution=8,
)

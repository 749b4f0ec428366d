"""2D incompressible Navier–Stokes in vorticity form on a periodic box, and two datasets.

    ω_t + u·∇ω = νΔω + f − μω,   −Δψ = ω,   u = (∂_y ψ, −∂_x ψ)   on [0, L)².

Arrays are indexed ``w[..., i, j] = ω(x_i, y_j)`` with ``x_i = iL/R``, ``y_j = jL/R``.
The solver is pseudo-spectral (``rfft2``) with the 2/3 rule on the advection term and steps
with Crank–Nicolson for ν and μ and Heun (explicit trapezoid) for advection and forcing, the
scheme of the FNO benchmark generator; it is second order in time.

Datasets:

* ``navier-stokes`` — the FNO benchmark (Li et al. 2021): L = 1,
  f = A(sin 2π(x+y) + cos 2π(x+y)) with A = 0.1, ω0 ~ N(0, 7^{3/2}(−Δ + 49I)^{−2.5}).
  The benchmark uses ν ∈ {1e-3, 1e-4, 1e-5} with T = 50, 30, 20, dt = 1e-4 and frames every
  time unit at 256² (downsampled to 64²). Our defaults (ν = 1e-3, T = 10, dt = 1e-3, 11 frames
  including t = 0) keep a CPU batch to seconds; pass ``t_final=50, n_times=51, dt=1e-4`` for
  the benchmark's settings.
* ``kolmogorov`` — forced turbulence as in Kochkov et al. (2021): L = 2π, velocity forcing
  (sin 4y, 0), i.e. vorticity forcing −4 cos 4y, drag μ = 0.1, ν = 1e-3 (Re = 1000). A smooth
  random ω0 is integrated for ``t_burn`` time units (past the laminar transient), then
  ``n_times`` frames ``frame_dt`` apart are stored. The step is ``dt = min(dt_max,
  cfl·(L/R)/max_velocity)`` with an a-priori velocity bound (7, as in jax-cfd's
  ``stable_time_step``); cfl = 0.25, half of jax-cfd's finite-volume value, because the
  spectral derivative reaches |k|·dx = 2π/3 and Heun is unstable on the imaginary axis
  (cfl = 0.5 blows up at 64²). Turbulent velocities stay below ~5.

At 64², t = 10, the default NS step (dt = 1e-3) has a relative error of ~5e-9 at ν = 1e-3 and
~7e-6 at ν = 1e-5 (Richardson estimates).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from sciml.data.pde.base import PDEGenerator
from sciml.data.pde.grf import gaussian_random_field

__all__ = [
    "KOLMOGOROV",
    "NAVIER_STOKES",
    "cfl_time_step",
    "generate_kolmogorov",
    "generate_navier_stokes",
    "kolmogorov_coordinates",
    "kolmogorov_forcing",
    "navier_stokes_coordinates",
    "navier_stokes_forcing",
    "solve_vorticity",
    "velocity_from_vorticity",
]


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _grid_wavenumbers(
    resolution: int, length: float, device: torch.device, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor]:
    """Angular wavenumbers for ``rfft2``: kx (R, 1) over axis −2, ky (1, R//2+1) over axis −1."""
    kx = torch.fft.fftfreq(resolution, d=1.0 / resolution, dtype=dtype, device=device)
    ky = torch.fft.rfftfreq(resolution, d=1.0 / resolution, dtype=dtype, device=device)
    scale = 2.0 * math.pi / length
    return (scale * kx)[:, None], (scale * ky)[None, :]


def velocity_from_vorticity(
    w: np.ndarray | torch.Tensor, length: float = 1.0
) -> tuple[np.ndarray, np.ndarray] | tuple[torch.Tensor, torch.Tensor]:
    """Velocity (u, v) = (∂_y ψ, −∂_x ψ) with −Δψ = ω on the periodic box [0, L)².

    ``w`` has shape (..., R, R). The mean of ω (no periodic velocity carries it) and, for even R,
    its Nyquist modes (no resolvable velocity) are dropped. Returns tensors for a tensor input,
    arrays otherwise.
    """
    is_tensor = isinstance(w, torch.Tensor)
    wt = w if is_tensor else torch.as_tensor(np.asarray(w, dtype=np.float64))
    if wt.ndim < 2 or wt.shape[-1] != wt.shape[-2]:
        raise ValueError(f"w must have shape (..., R, R), got {tuple(wt.shape)}")
    if not length > 0:
        raise ValueError(f"length must be positive, got {length}")
    n = wt.shape[-1]
    kx, ky = _grid_wavenumbers(n, length, wt.device, wt.dtype)
    k2 = kx**2 + ky**2
    k2[0, 0] = 1.0
    psi_hat = torch.fft.rfft2(wt) / k2
    psi_hat[..., 0, 0] = 0
    if n % 2 == 0:
        psi_hat[..., n // 2, :] = 0
        psi_hat[..., n // 2] = 0
    u = torch.fft.irfft2(1j * ky * psi_hat, s=(n, n))
    v = torch.fft.irfft2(-1j * kx * psi_hat, s=(n, n))
    if is_tensor:
        return u, v
    return u.numpy(), v.numpy()


def navier_stokes_forcing(resolution: int, amplitude: float = 0.1) -> np.ndarray:
    """FNO benchmark forcing f(x, y) = A(sin 2π(x+y) + cos 2π(x+y)) on [0, 1)², shape (R, R)."""
    x = np.arange(resolution) / resolution
    s = 2.0 * np.pi * (x[:, None] + x[None, :])
    return amplitude * (np.sin(s) + np.cos(s))


def kolmogorov_forcing(
    resolution: int, wavenumber: int = 4, amplitude: float = 1.0
) -> np.ndarray:
    """Vorticity forcing −A·n·cos(n y), the curl of the velocity forcing (A sin(n y), 0), on
    [0, 2π)²; shape (R, R)."""
    if not _is_int(wavenumber) or wavenumber < 1:
        raise ValueError(f"wavenumber must be a positive integer, got {wavenumber!r}")
    y = 2.0 * np.pi * np.arange(resolution) / resolution
    return np.broadcast_to(
        -amplitude * wavenumber * np.cos(wavenumber * y)[None, :], (resolution, resolution)
    ).copy()


def _check_zero_mean(w: torch.Tensor, name: str) -> torch.Tensor:
    """Remove round-off from the spatial mean; a real nonzero mean is an error."""
    mean = w.mean(dim=(-2, -1), keepdim=True)
    scale = w.abs().amax(dim=(-2, -1), keepdim=True)
    if bool((mean.abs() > 1e-5 * scale).any()):
        raise ValueError(
            f"{name} must have zero spatial mean (a periodic velocity field carries no mean "
            f"vorticity), got mean {mean.abs().max().item():.3g}"
        )
    return w - mean


def solve_vorticity(
    w0: np.ndarray | torch.Tensor,
    *,
    nu: float,
    forcing: np.ndarray | torch.Tensor | None,
    drag: float = 0.0,
    length: float = 1.0,
    t_final: float,
    n_times: int,
    dt: float,
    device: str | torch.device = "cpu",
    dtype: torch.dtype = torch.float64,
    progress: bool = False,
) -> np.ndarray:
    """Integrate ω_t + u·∇ω = νΔω + f − μω from ``w0`` and return frames at ``n_times`` times.

    One step (L̂ = −(ν|k|² + μ), N̂(ω) = −P(u·∇ω)^ + f̂, P the 2/3-rule truncation):
    ω* = (1 + ½dtL̂)ω + dt N̂(ω) over (1 − ½dtL̂); then
    ω⁺ = (1 + ½dtL̂)ω + ½dt(N̂(ω) + N̂(ω*)) over (1 − ½dtL̂).

    Parameters
    ----------
    w0
        Initial vorticity, (B, R, R) or (R, R), zero mean.
    nu, drag, length
        Viscosity ν > 0, linear drag μ ≥ 0 and box size L.
    forcing
        Vorticity forcing f, (R, R) with zero mean, or None.
    t_final, n_times, dt
        Frames at ``linspace(0, t_final, n_times)`` (the first is ``w0``). ``dt`` is an upper
        bound: the step is shortened so that a whole number of steps lands on every frame.
    device, dtype, progress
        Where and in which real precision to compute; a tqdm bar over steps.

    Returns
    -------
    Array (B, n_times, R, R) of ``dtype``, or (n_times, R, R) for an unbatched ``w0``.

    Raises
    ------
    FloatingPointError
        If a sample's solution becomes NaN/Inf (the message names the samples).
    """
    if not nu > 0:
        raise ValueError(f"nu must be positive, got {nu}")
    if not drag >= 0:
        raise ValueError(f"drag must be non-negative, got {drag}")
    if not length > 0:
        raise ValueError(f"length must be positive, got {length}")
    if not t_final > 0:
        raise ValueError(f"t_final must be positive, got {t_final}")
    if not dt > 0:
        raise ValueError(f"dt must be positive, got {dt}")
    if not _is_int(n_times) or n_times < 2:
        raise ValueError(f"n_times must be an integer >= 2, got {n_times!r}")
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    device = torch.device(device)
    w = torch.as_tensor(w0).to(device=device, dtype=dtype)
    unbatched = w.ndim == 2
    if unbatched:
        w = w[None]
    if w.ndim != 3 or w.shape[-1] != w.shape[-2] or w.shape[-1] < 4:
        raise ValueError(
            f"w0 must have shape (B, R, R) or (R, R) with R >= 4, got {tuple(w.shape)}"
        )
    if not bool(torch.isfinite(w).all()):
        raise ValueError("w0 contains NaN or Inf")
    w = _check_zero_mean(w, "w0")
    n = w.shape[-1]

    kx, ky = _grid_wavenumbers(n, length, device, dtype)
    dx, dy = 1j * kx, 1j * ky
    k2 = kx**2 + ky**2
    inv_k2 = 1.0 / torch.where(k2 == 0, 1.0, k2)
    inv_k2[0, 0] = 0.0
    cutoff = 2.0 * math.pi / length * (n / 3.0)
    # 2/3 rule: keep |k_i| < R/3 in each direction; drop k = 0 (u·∇ω has zero mean).
    keep = ((kx.abs() < cutoff) & (ky.abs() < cutoff)).to(kx.dtype.to_complex())
    keep[0, 0] = 0.0

    if forcing is None:
        f_hat = torch.zeros((), dtype=kx.dtype.to_complex(), device=device)
    else:
        f = torch.as_tensor(forcing).to(device=device, dtype=dtype)
        if f.shape != (n, n):
            raise ValueError(f"forcing must have shape {(n, n)}, got {tuple(f.shape)}")
        if not bool(torch.isfinite(f).all()):
            raise ValueError("forcing contains NaN or Inf")
        f_hat = torch.fft.rfft2(_check_zero_mean(f, "forcing"))

    steps = max(1, math.ceil(t_final / (n_times - 1) / dt - 1e-9))
    h = t_final / (n_times - 1) / steps
    lin = -(nu * k2 + drag)
    denom = 1.0 - 0.5 * h * lin
    explicit = (1.0 + 0.5 * h * lin) / denom
    full_dt, half_dt = h / denom, 0.5 * h / denom
    # rows: ω̂ ↦ u = ∂_yψ, v = −∂_xψ, ∂_xω, ∂_yω, from the truncated ω̂
    ops = keep * torch.stack(torch.broadcast_tensors(dy * inv_k2, -dx * inv_k2, dx, dy))

    def rhs(w_hat: torch.Tensor) -> torch.Tensor:
        z = torch.fft.irfft2(ops * w_hat[:, None], s=(n, n))
        return f_hat - keep * torch.fft.rfft2(z[:, 0] * z[:, 2] + z[:, 1] * z[:, 3])

    first = w.cpu().numpy()
    out = np.empty((first.shape[0], n_times, n, n), dtype=first.dtype)
    out[:, 0] = first
    w_hat = torch.fft.rfft2(w)
    with tqdm(total=steps * (n_times - 1), disable=not progress, desc="vorticity") as bar:
        for frame in range(1, n_times):
            for _ in range(steps):
                n0 = rhs(w_hat)
                base = explicit * w_hat
                n1 = rhs(base + full_dt * n0)
                w_hat = base + half_dt * (n0 + n1)
            w = torch.fft.irfft2(w_hat, s=(n, n))
            bad = ~torch.isfinite(w).all(dim=(-2, -1))
            if bool(bad.any()):
                samples = bad.nonzero().flatten().tolist()
                raise FloatingPointError(
                    f"vorticity blew up (NaN/Inf) in sample(s) {samples} before "
                    f"t = {frame * steps * h:.6g}; reduce dt (now {h:.3g})"
                )
            out[:, frame] = w.cpu().numpy()
            bar.update(steps)
    return out[0] if unbatched else out


def cfl_time_step(
    resolution: int, length: float, cfl: float, max_velocity: float, dt_max: float
) -> float:
    """Step from an a-priori velocity bound: dt = min(dt_max, cfl · (L/R) / max_velocity)."""
    if not (cfl > 0 and max_velocity > 0 and dt_max > 0):
        raise ValueError(
            f"cfl, max_velocity and dt_max must be positive, got {cfl}, {max_velocity}, {dt_max}"
        )
    return min(dt_max, cfl * length / resolution / max_velocity)


def _check_rngs(rngs: Any) -> list[np.random.Generator]:
    rngs = list(rngs)
    if not rngs or not all(isinstance(r, np.random.Generator) for r in rngs):
        raise TypeError("rngs must be a non-empty sequence of numpy.random.Generator")
    return rngs


def generate_navier_stokes(
    rngs: list[np.random.Generator],
    resolution: int,
    *,
    nu: float = 1e-3,
    t_final: float = 10.0,
    n_times: int = 11,
    dt: float = 1e-3,
    forcing_amplitude: float = 0.1,
    alpha: float = 2.5,
    tau: float = 7.0,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """FNO Navier–Stokes trajectories: ω0 ~ N(0, τ^{α−1}(−Δ + τ²I)^{−α}) on [0, 1)², benchmark
    forcing; returns ``{"w": (B, n_times, R, R) float32}`` at ``linspace(0, t_final, n_times)``.
    """
    rngs = _check_rngs(rngs)
    w0 = np.stack([gaussian_random_field(r, (resolution, resolution), alpha, tau) for r in rngs])
    w = solve_vorticity(
        w0, nu=nu, forcing=navier_stokes_forcing(resolution, forcing_amplitude), length=1.0,
        t_final=t_final, n_times=n_times, dt=dt, device=device, progress=progress,
    )
    return {"w": w.astype(np.float32)}


def navier_stokes_coordinates(
    resolution: int, *, t_final: float = 10.0, n_times: int = 11, **_: Any
) -> dict[str, np.ndarray]:
    """Grid x_i = i/R (both axes) and frame times linspace(0, t_final, n_times)."""
    return {
        "x": np.arange(resolution) / resolution,
        "t": np.linspace(0.0, t_final, n_times),
    }


def generate_kolmogorov(
    rngs: list[np.random.Generator],
    resolution: int,
    *,
    nu: float = 1e-3,
    drag: float = 0.1,
    forcing_wavenumber: int = 4,
    forcing_amplitude: float = 1.0,
    t_burn: float = 20.0,
    frame_dt: float = 0.5,
    n_times: int = 32,
    cfl: float = 0.25,
    max_velocity: float = 7.0,
    dt_max: float = 0.02,
    alpha: float = 4.0,
    tau: float = 3.0,
    sigma: float = 100.0,
    device: str | torch.device = "cpu",
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Kolmogorov-flow trajectories on [0, 2π)² after a burn-in of ``t_burn``.

    ω0 ~ N(0, σ²(−Δ + τ²I)^{−α}); frames at t_burn + k·frame_dt, k < n_times; the step is
    :func:`cfl_time_step`. Returns ``{"w": (B, n_times, R, R) float32}``.
    """
    rngs = _check_rngs(rngs)
    if not t_burn >= 0:
        raise ValueError(f"t_burn must be non-negative, got {t_burn}")
    if not frame_dt > 0:
        raise ValueError(f"frame_dt must be positive, got {frame_dt}")
    length = 2.0 * math.pi
    w = np.stack(
        [gaussian_random_field(r, (resolution, resolution), alpha, tau, sigma, length)
         for r in rngs]
    )
    common = dict(
        nu=nu, drag=drag, length=length, device=device, progress=progress,
        forcing=kolmogorov_forcing(resolution, forcing_wavenumber, forcing_amplitude),
        dt=cfl_time_step(resolution, length, cfl, max_velocity, dt_max),
    )
    if t_burn > 0:
        w = solve_vorticity(w, t_final=t_burn, n_times=2, **common)[:, -1]
    w = solve_vorticity(w, t_final=frame_dt * (n_times - 1), n_times=n_times, **common)
    return {"w": w.astype(np.float32)}


def kolmogorov_coordinates(
    resolution: int, *, t_burn: float = 20.0, frame_dt: float = 0.5, n_times: int = 32,
    **_: Any,
) -> dict[str, np.ndarray]:
    """Grid x_i = 2πi/R (both axes) and frame times t_burn + k·frame_dt."""
    return {
        "x": 2.0 * np.pi * np.arange(resolution) / resolution,
        "t": t_burn + frame_dt * np.arange(n_times),
    }


_VORTICITY_DATASET = {  # what the two vorticity datasets share
    "input_fields": ("w",),
    "target_fields": ("w",),
    "spatial_dims": 2,
    "time_dependent": True,
    "periodic": True,
    "batch_size": 8,
    "version": "1",
    "min_resolution": 8,
    "resolution_multiple": 2,
}

NAVIER_STOKES = PDEGenerator(
    name="navier-stokes",
    equation="w_t + u.grad(w) = nu lap(w) + f, -lap(psi) = w, u = (psi_y, -psi_x) on [0,1)^2",
    generate=generate_navier_stokes,
    coordinates=navier_stokes_coordinates,
    defaults={
        "nu": 1e-3, "t_final": 10.0, "n_times": 11, "dt": 1e-3, "forcing_amplitude": 0.1,
        "alpha": 2.5, "tau": 7.0,
    },
    **_VORTICITY_DATASET,
    notes="FNO benchmark (Li et al. 2021); benchmark: T=50 at nu=1e-3, dt=1e-4, 256^2 grid.",
)

KOLMOGOROV = PDEGenerator(
    name="kolmogorov",
    equation=(
        "w_t + u.grad(w) = nu lap(w) - A n cos(n y) - mu w, -lap(psi) = w, "
        "u = (psi_y, -psi_x) on [0,2pi)^2"
    ),
    generate=generate_kolmogorov,
    coordinates=kolmogorov_coordinates,
    defaults={
        "nu": 1e-3, "drag": 0.1, "forcing_wavenumber": 4, "forcing_amplitude": 1.0,
        "t_burn": 20.0, "frame_dt": 0.5, "n_times": 32, "cfl": 0.25, "max_velocity": 7.0,
        "dt_max": 0.02, "alpha": 4.0, "tau": 3.0, "sigma": 100.0,
    },
    **_VORTICITY_DATASET,
    notes="Kolmogorov flow at Re=1000 with drag 0.1 (Kochkov et al. 2021), after a burn-in.",
)

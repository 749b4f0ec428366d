"""The learned engine: a small MLP from probe features to the coefficients of a short
recurrence on the normalised spectrum λ̂ = λ/u ∈ (0, 1] (u the probe's upper bound).

- Preconditioning (recurrence paradigm): P_0 = 1, P_{k+1} = (1 − λ̂/θ_k) P_k, p̂ = Σ_k P_k/θ_k,
  so that 1 − λ̂p̂(λ̂) = Π_k (1 − λ̂/θ_k); i.e. per-step coefficients α_k = −1/θ_k, β_k = 1,
  γ_k = 0, c_k = 1/θ_k. The network moves the d+1 roots θ_k = θ_k^Cheb·e^{0.5 tanh o_k} away
  from the Chebyshev roots on [â, 1] (the start polynomial is the Chebyshev iteration there).
- Matrix functions (basis + expansion paradigm): p̂ = Σ_k c_k T_k(2(λ̂ − â)/(1 − â) − 1), the
  interpolant at the Chebyshev nodes y_j of [â, 1] of the values f̂(y_j)·e^{o_j} (relative
  error functions) or f̂(y_j) + o_j (absolute ones; with ``scaled_corrections`` f̂(y_j) + e·o_j,
  e = |c_{d−1}| + |c_d| of the interpolant of f̂, so that a spectrum the interpolant already
  resolves to 1e-14 is not perturbed at the 1e-6 level).
- Eigenvalue filter (basis + expansion, spectrum normalised to λ̂ = (λ − θ_min)/(u − θ_min)):
  p̂ = Σ_k c_k T_k(2(λ̂ − l̂)/(1 − l̂) − 1) damps [l̂, 1] and amplifies the wanted end below it;
  the network also reads the cut ĉ (largest Ritz value of the block) and the wanted edge ŵ
  (largest wanted Ritz value), and starts at c = e_d, l̂ = ĉ: the Chebyshev filter T_d of ChFSI.

In the first two, â = (θ_min/u)·e^{o_0}. The last layer starts at zero, so an untrained model is
exactly the classical polynomial (Chebyshev iteration / interpolant / filter on the probe
interval).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from sciml.core.files import load_torch, save_torch
from solvers.objectives import FUNCTIONS

TASKS = ("precond", "filter", *FUNCTIONS)
ROOT_SHIFT = 0.5  # roots move by at most a factor e^{±0.5} from the Chebyshev roots
CUT_SHIFT = 0.25  # the filter interval starts within ±25% of (1 − ĉ) of the cut ĉ


@dataclass(frozen=True)
class ModelConfig:
    """``task`` ("precond" or a key of ``FUNCTIONS``), polynomial ``degree``, number of Ritz
    values in the features, probe Lanczos steps, hidden width, and for absolute-error functions
    whether the value corrections are in units of the interpolant's error estimate."""

    task: str
    degree: int
    ritz: int = 20
    probe_steps: int = 20
    hidden: int = 64
    scaled_corrections: bool = False

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")

    @property
    def has_param(self) -> bool:
        """The filter reads the normalised cut ĉ; exp and step their parameter."""
        return self.task == "filter" or (
            self.task in FUNCTIONS and FUNCTIONS[self.task].param is not None
        )

    @property
    def inputs(self) -> int:
        return 2 * self.ritz + int(self.has_param) + int(self.task == "filter")


def chebyshev_nodes(count: int) -> np.ndarray:
    """The ``count`` Chebyshev points of the first kind of [0, 1]."""
    return 0.5 + 0.5 * np.cos(np.pi * (np.arange(count) + 0.5) / count)


def dct_matrix(count: int) -> np.ndarray:
    """C with c = C·v the Chebyshev coefficients of the interpolant of values v at
    :func:`chebyshev_nodes`."""
    k = np.arange(count)[:, None]
    j = np.arange(count)[None, :]
    c = 2.0 / count * np.cos(np.pi * k * (j + 0.5) / count)
    c[0] *= 0.5
    return c


class SpectralNet(nn.Module):
    """features (+ log10 parameter) → â and the d+1 recurrence parameters (roots or values)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        d = config.degree
        self.mlp = nn.Sequential(
            nn.Linear(config.inputs, config.hidden),
            nn.Tanh(),
            nn.Linear(config.hidden, config.hidden),
            nn.Tanh(),
            nn.Linear(config.hidden, d + 2),
        )
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)
        self.register_buffer("nodes", torch.tensor(chebyshev_nodes(d + 1)))
        self.register_buffer("dct", torch.tensor(dct_matrix(d + 1)))
        self.double()

    def forward(
        self, features: torch.Tensor, lower_ratio: torch.Tensor, param: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(â, θ) for preconditioning (roots in Leja-like descending order), (â, c) for matrix
        functions (Chebyshev coefficients on [â, 1]), (l̂, c) for the filter, which reads the
        normalised largest wanted Ritz value ŵ as ``lower_ratio`` and the cut ĉ as ``param``."""
        x = features
        if self.config.task == "filter":  # lower_ratio: the wanted edge ŵ, param: the cut ĉ
            x = torch.cat([features, lower_ratio[:, None], param[:, None]], -1)
            return self._filter(self.mlp(x), param)
        if self.config.has_param:
            x = torch.cat([features, torch.log10(param)[:, None]], -1)
        out = self.mlp(x)
        a = (lower_ratio * torch.exp(out[:, 0])).clamp(1e-8, 0.5)[:, None]
        y = a + (1.0 - a) * self.nodes[None, :]  # Chebyshev nodes of [â, 1], descending
        if self.config.task == "precond":
            return a[:, 0], y * torch.exp(ROOT_SHIFT * torch.tanh(out[:, 1:]))
        spec = FUNCTIONS[self.config.task]
        f = spec.normalised(y, None if param is None else param[:, None], torch)
        if spec.relative:
            values = f * torch.exp(out[:, 1:])
        elif self.config.scaled_corrections:  # |c_{d−1}| + |c_d| of the interpolant of f
            estimate = (f @ self.dct.T)[:, -2:].abs().sum(-1, keepdim=True)
            values = f + estimate * out[:, 1:]
        else:
            values = f + out[:, 1:]
        return a[:, 0], values @ self.dct.T

    def _filter(self, out: torch.Tensor, cut: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(start l̂ of the damped interval [l̂, 1], coefficients c of Σ c_k T_k on it):
        l̂ = ĉ + 0.25(1 − ĉ)tanh o_0, c = e_d + o_{1..d+1} (untrained: T_d on [ĉ, 1])."""
        lo = (cut + CUT_SHIFT * (1.0 - cut) * torch.tanh(out[:, 0])).clamp(max=0.98)
        coeffs = out[:, 1:].clone()
        coeffs[:, -1] = coeffs[:, -1] + 1.0
        return lo, coeffs

    def evaluate(
        self, lam: torch.Tensor, a_hat: torch.Tensor, params: torch.Tensor
    ) -> torch.Tensor:
        """p̂(λ̂) (batch × n) from the outputs of :meth:`forward`; for the filter p̂/g^d (g the
        growth rate of T_k at the lowest λ̂ of the row, see :func:`scaled_filter`)."""
        if self.config.task == "filter":
            return scaled_filter(lam, a_hat, params)
        if self.config.task == "precond":
            term, p = torch.ones_like(lam), torch.zeros_like(lam)
            for k in range(params.shape[1]):
                p = p + term / params[:, k : k + 1]
                term = term * (1.0 - lam / params[:, k : k + 1])
            return p
        a = a_hat[:, None]
        basis = chebyshev_basis((lam - a) / (1.0 - a), self.config.degree)
        return (basis * params[:, None, :]).sum(-1)


def chebyshev_basis(lam: torch.Tensor, degree: int) -> torch.Tensor:
    """T_k(2λ̂ − 1), k = 0..d, stacked on a new last axis (by the three-term recurrence)."""
    x = 2.0 * lam - 1.0
    t = [torch.ones_like(x), x]
    for _ in range(degree - 1):
        t.append(2.0 * x * t[-1] - t[-2])
    return torch.stack(t[: degree + 1], -1)


def scaled_filter(lam: torch.Tensor, lo: torch.Tensor, coeffs: torch.Tensor) -> torch.Tensor:
    """Σ_k c_k T_k(x)/g^d, x = 2(λ̂ − l̂)/(1 − l̂) − 1, g = max(1, |x_0| + √(x_0² − 1)) at the
    row's lowest x_0, by B_k = T_k(x)/g^k: B_{k+1} = (2x B_k − B_{k−1}/g)/g (|B_k| ≤ 1 on the
    row, so no overflow at any degree; the ratio objective does not see the factor g^d)."""
    lo = lo[:, None]
    x = 2.0 * (lam - lo) / (1.0 - lo) - 1.0
    x0 = x.amin(-1, keepdim=True).abs().clamp_min(1.0)
    g = x0 + torch.sqrt(x0 * x0 - 1.0)
    degree = coeffs.shape[1] - 1
    weight = g ** (torch.arange(degree + 1, dtype=lam.dtype) - degree)  # g^{k−d}
    prev, cur = torch.ones_like(x), x / g
    out = coeffs[:, :1] * weight[:, :1] * prev
    if degree >= 1:
        out = out + coeffs[:, 1:2] * weight[:, 1:2] * cur
    for k in range(1, degree):
        prev, cur = cur, (2.0 * x * cur - prev / g) / g
        out = out + coeffs[:, k + 1 : k + 2] * weight[:, k + 1 : k + 2] * cur
    return out


def save_model(model: SpectralNet, path: str | os.PathLike, summary: dict | None = None) -> None:
    """Write the config, weights and a training summary (plain types) atomically."""
    payload = {
        "config": asdict(model.config),
        "state_dict": model.state_dict(),
        "summary": summary or {},
    }
    save_torch(path, payload)


def load_model(path: str | os.PathLike) -> tuple[SpectralNet, dict]:
    """A saved :class:`SpectralNet` (``torch.load(weights_only=True)``) and its summary."""
    payload = load_torch(path, what="model file")
    try:
        model = SpectralNet(ModelConfig(**payload["config"]))
        model.load_state_dict(payload["state_dict"])
    except (KeyError, TypeError, RuntimeError) as err:
        raise ValueError(f"{path} is not a learned-model file of this version: {err}") from None
    model.eval()
    return model, payload["summary"]


def model_path(task: str, degree: int, directory: str | os.PathLike | None = None) -> Path:
    """``<directory>/<task>-d<degree>.pt``; the shipped models live in ``solvers/models``."""
    base = Path(directory) if directory is not None else Path(__file__).parent / "models"
    return base / f"{task}-d{degree}.pt"

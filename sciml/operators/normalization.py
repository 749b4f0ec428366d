"""Channel-wise normalisation around an operator, kept inside the model so that checkpoints
predict in physical units at any resolution."""

from __future__ import annotations

import torch
from torch import nn


def channel_stats(x: torch.Tensor, eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of ``x`` (B, C, *grid) over batch and space."""
    if x.ndim < 3:
        raise ValueError(f"expected (batch, channels, *grid), got shape {tuple(x.shape)}")
    dims = [0, *range(2, x.ndim)]
    mean = x.mean(dim=dims)
    std = x.std(dim=dims).clamp_min(eps)
    return mean, std


class Normalized(nn.Module):
    """y = σ_y · f((x − μ_x)/σ_x) + μ_y with per-channel statistics stored as buffers."""

    def __init__(self, operator: nn.Module, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.operator = operator
        self.register_buffer("x_mean", torch.zeros(in_channels))
        self.register_buffer("x_std", torch.ones(in_channels))
        self.register_buffer("y_mean", torch.zeros(out_channels))
        self.register_buffer("y_std", torch.ones(out_channels))

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> Normalized:
        """Set the statistics from training inputs and targets."""
        for name, value in zip(
            ("x_mean", "x_std", "y_mean", "y_std"),
            (*channel_stats(x), *channel_stats(y)),
            strict=True,
        ):
            if value.shape != getattr(self, name).shape:
                raise ValueError(
                    f"{name[0]} has {value.numel()} channels, the model expects "
                    f"{getattr(self, name).numel()}"
                )
            getattr(self, name).copy_(value)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x.ndim - 2)
        z = (x - self.x_mean.view(shape)) / self.x_std.view(shape)
        return self.operator(z) * self.y_std.view(shape) + self.y_mean.view(shape)

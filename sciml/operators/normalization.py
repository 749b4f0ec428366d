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
    """Wrap an operator f in per-channel normalisation: y = σ_y · f((x − μ_x)/σ_x) + μ_y.

    The statistics are buffers (saved in the state dict, moved by ``.to``), so the wrapped
    model takes and returns physical units at any resolution. They start at μ = 0, σ = 1
    (the identity) until :meth:`fit` sets them.

    Parameters
    ----------
    operator : torch.nn.Module
        The operator f, mapping (B, in_channels, ...) to (B, out_channels, ...) on
        normalised fields.
    in_channels : int
        Channels of x (the length of ``x_mean``, ``x_std``).
    out_channels : int
        Channels of y (the length of ``y_mean``, ``y_std``).

    Attributes
    ----------
    x_mean, x_std : torch.Tensor
        Per-channel statistics of the inputs, shape (in_channels,).
    y_mean, y_std : torch.Tensor
        Per-channel statistics of the targets, shape (out_channels,).

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import OperatorConfig, build_operator
    >>> fno = build_operator(OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1))
    >>> model = Normalized(fno, in_channels=1, out_channels=1)
    >>> x = torch.randn(4, 1, 8, 8)
    >>> model.fit(x, 3 * x + 1)(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 1, 16, 16])

    With f the identity and y = 2x + 1 the fitted statistics reproduce y exactly:

    >>> ident = Normalized(torch.nn.Identity(), 1, 1).fit(x, 2 * x + 1)
    >>> bool(torch.allclose(ident(x), 2 * x + 1, atol=1e-5))
    True
    """

    def __init__(self, operator: nn.Module, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.operator = operator
        self.register_buffer("x_mean", torch.zeros(in_channels))
        self.register_buffer("x_std", torch.ones(in_channels))
        self.register_buffer("y_mean", torch.zeros(out_channels))
        self.register_buffer("y_std", torch.ones(out_channels))

    def fit(self, x: torch.Tensor, y: torch.Tensor) -> Normalized:
        """Set the statistics from training inputs and targets.

        Parameters
        ----------
        x : torch.Tensor
            Inputs, shape ``(B, in_channels, *grid)``.
        y : torch.Tensor
            Targets, shape ``(B, out_channels, *grid)``.

        Returns
        -------
        Normalized
            ``self``, with per-channel mean and standard deviation (over batch and space,
            σ clamped to ≥ 1e-8) copied into the buffers.

        Raises
        ------
        ValueError
            If ``x`` or ``y`` has fewer than 3 dimensions or the wrong number of channels.
        """
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

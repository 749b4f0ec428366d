"""Refinement maps Φθ for iterative refinement (IRNO): h_{k+1} = h_k + α·Φθ([x, h_k]).

Two choices, both taking the input ``x`` and the current iterate ``h`` stacked as channels and
returning a correction shaped like ``h``, with a near-zero output layer so that the iteration
starts near the identity:

- :class:`UNetRefiner`, the anchor's U-Net (circular 3×3 convolutions, per-pixel LayerNorm,
  GELU, max-pool down, bilinear up); the grid must be divisible by 2^depth.
- :func:`operator_refiner`, a neuraloperator FNO, usable at any resolution (multi-resolution
  training).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from sciml.operators.config import OperatorConfig
from sciml.operators.irno import check_alpha
from sciml.operators.models import build_operator


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels at each pixel of a (B, C, H, W) tensor."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """Two (circular 3×3 conv → LayerNorm → GELU) layers."""
    layers: list[nn.Module] = []
    for a, b in ((c_in, c_out), (c_out, c_out)):
        layers += [
            nn.Conv2d(a, b, 3, padding=1, padding_mode="circular"),
            ChannelLayerNorm(b),
            nn.GELU(),
        ]
    return nn.Sequential(*layers)


def _init_output(conv: nn.Conv2d | nn.Linear | nn.Module, gain: float) -> None:
    nn.init.xavier_uniform_(conv.weight, gain=gain)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class UNetRefiner(nn.Module):
    """U-Net Φθ: (B, in_channels + out_channels, H, W) → (B, out_channels, H, W).

    Widths ``width·2^l`` for levels l < depth and a ``width·2^depth`` bottleneck; skip
    connections are concatenated. The 1×1 output convolution is Xavier-initialised with
    gain ``output_gain`` and zero bias.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        width: int = 16,
        depth: int = 4,
        output_gain: float = 0.1,
    ):
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("out_channels", out_channels),
            ("width", width),
            ("depth", depth),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.depth = depth
        widths = [width * 2**level for level in range(depth + 1)]
        c = in_channels + out_channels
        self.down = nn.ModuleList()
        for w in widths[:-1]:
            self.down.append(_conv_block(c, w))
            c = w
        self.bottleneck = _conv_block(widths[-2], widths[-1])
        self.up_convs = nn.ModuleList()
        self.up_blocks = nn.ModuleList()
        for level in reversed(range(depth)):
            self.up_convs.append(
                nn.Conv2d(widths[level + 1], widths[level], 3, padding=1, padding_mode="circular")
            )
            self.up_blocks.append(_conv_block(2 * widths[level], widths[level]))
        self.out = nn.Conv2d(widths[0], out_channels, 1)
        _init_output(self.out, output_gain)

    def check_grid(self, grid: tuple[int, ...]) -> None:
        """Raise ValueError unless the grid is 2-D and divisible by 2^depth."""
        factor = 2**self.depth
        if len(grid) != 2 or any(n % factor for n in grid):
            raise ValueError(
                f"the U-Net refiner of depth {self.depth} needs a 2-D grid divisible by "
                f"{factor}, got {tuple(grid)}; use the neural-operator refiner or depth "
                f"< {self.depth}"
            )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.check_grid(tuple(z.shape[2:]))
        skips = []
        for block in self.down:
            z = block(z)
            skips.append(z)
            z = nn.functional.max_pool2d(z, 2)
        z = self.bottleneck(z)
        for conv, block, skip in zip(self.up_convs, self.up_blocks, reversed(skips), strict=True):
            z = nn.functional.interpolate(z, size=skip.shape[2:], mode="bilinear")
            z = block(torch.cat([conv(z), skip], dim=1))
        return self.out(z)


def operator_refiner(
    in_channels: int,
    out_channels: int,
    n_modes: tuple[int, ...],
    hidden_channels: int = 32,
    n_layers: int = 4,
    output_gain: float = 0.1,
) -> nn.Module:
    """A neuraloperator FNO as Φθ: (B, in_channels + out_channels, *grid) →
    (B, out_channels, *grid) at any grid size, its last projection layer scaled down
    (Xavier, gain ``output_gain``, zero bias)."""
    config = OperatorConfig(
        model="fno",
        in_channels=in_channels + out_channels,
        out_channels=out_channels,
        n_modes=tuple(n_modes),
        hidden_channels=hidden_channels,
        n_layers=n_layers,
    )
    model = build_operator(config)
    last = [m for m in model.projection.modules() if isinstance(m, nn.Conv1d | nn.Linear)][-1]
    _init_output(last, output_gain)
    return model


@dataclass(frozen=True)
class RefinerConfig:
    """Which Φθ to build: ``kind`` "unet" (``width``, ``depth``) or "operator" (``n_modes``,
    ``hidden_channels``); ``alpha`` is the relaxation of the fixed-point update."""

    kind: str = "unet"
    alpha: float = 0.2
    width: int = 16
    depth: int = 4
    n_modes: tuple[int, ...] = (16, 16)
    hidden_channels: int = 32
    output_gain: float = 0.1

    def __post_init__(self) -> None:
        if self.kind not in ("unet", "operator"):
            raise ValueError(f"kind must be 'unet' or 'operator', got {self.kind!r}")
        check_alpha(self.alpha)

    def build(self, in_channels: int, out_channels: int) -> nn.Module:
        if self.kind == "unet":
            return UNetRefiner(in_channels, out_channels, self.width, self.depth, self.output_gain)
        return operator_refiner(
            in_channels,
            out_channels,
            self.n_modes,
            self.hidden_channels,
            output_gain=self.output_gain,
        )

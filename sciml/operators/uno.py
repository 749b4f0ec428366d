"""U-shaped neural operator (neuraloperator's UNO), as a registered operator model."""

from __future__ import annotations

import contextlib
import functools
import io
from dataclasses import dataclass

import torch
from neuralop.layers.fno_block import FNOBlocks
from neuralop.models import UNO

from sciml.core.checks import check_positive
from sciml.operators.config import OperatorConfig, check_modes, per_layer
from sciml.operators.fno import common_arguments, conv_module
from sciml.operators.registry import OperatorModel


def uno_levels(n_layers: int) -> list[int]:
    """U-shape depth of each UNO layer: 0, 1, 2, ..., 2, 1, 0 (layer i at min(i, L-1-i))."""
    return [min(i, n_layers - 1 - i) for i in range(n_layers)]


@dataclass(frozen=True)
class UNOOptions:
    """Per-layer settings; by default a U shape of depth ``(n_layers - 1) // 2``: layer i sits
    at level l_i = min(i, n_layers-1-i), has ``hidden_channels * 2**l_i`` channels
    (``layer_channels``) and ``n_modes // 2**l_i`` modes (``layer_modes``), and rescales the
    grid by 2**(l_{i-1} - l_i) (``layer_scalings``)."""

    layer_channels: tuple[int, ...] | None = None
    layer_modes: tuple[tuple[int, ...], ...] | None = None
    layer_scalings: tuple[float, ...] | None = None

    def resolve(self, config: OperatorConfig) -> UNOOptions:
        """These options checked against ``config``, with the U-shape defaults filled in."""
        n, dims = config.n_layers, config.n_dims
        levels = uno_levels(n)
        channels = self.layer_channels
        if channels is None:
            channels = [config.hidden_channels * 2**lv for lv in levels]
        modes = self.layer_modes
        if modes is None:
            modes = [[max(1, m // 2**lv) for m in config.n_modes] for lv in levels]
        scalings = self.layer_scalings
        if scalings is None:
            steps = zip([0, *levels[:-1]], levels, strict=True)
            scalings = [2.0 ** (prev - lv) for prev, lv in steps]
        channels = per_layer("layer_channels", channels, n)
        modes = per_layer("layer_modes", modes, n)
        scalings = per_layer("layer_scalings", scalings, n)
        return UNOOptions(
            tuple(
                check_positive(c, f"layer_channels[{i}]", integer=True)
                for i, c in enumerate(channels)
            ),
            tuple(check_modes(f"layer_modes[{i}]", m, dims) for i, m in enumerate(modes)),
            tuple(check_positive(s, f"layer_scalings[{i}]") for i, s in enumerate(scalings)),
        )


def build_uno(config: OperatorConfig) -> torch.nn.Module:
    """neuraloperator's UNO with this project's spectral layer and linear channel skips."""
    options = config.options
    # UNO ignores its `integral_operator` argument and prints while it builds; its default
    # soft-gating channel-MLP skip needs equal in/out widths, which its U-skips never have.
    with contextlib.redirect_stdout(io.StringIO()):
        return UNO(
            **common_arguments(config),
            lifting_channels=int(config.lifting_channel_ratio * config.hidden_channels),
            projection_channels=int(config.projection_channel_ratio * config.hidden_channels),
            uno_out_channels=list(options.layer_channels),
            uno_n_modes=[list(m) for m in options.layer_modes],
            uno_scalings=[[s] * config.n_dims for s in options.layer_scalings],
            operator_block=functools.partial(FNOBlocks, conv_module=conv_module(config)),
            channel_mlp_skip="linear",
        )


UNO_MODEL = OperatorModel(options=UNOOptions, build=build_uno)

"""Build neuraloperator models (FNO, Tucker-TFNO, UNO) from an :class:`OperatorConfig`."""

from __future__ import annotations

import contextlib
import functools
import io
from typing import Any

import torch
from neuralop.layers.fno_block import FNOBlocks
from neuralop.layers.spectral_convolution import SpectralConv as NeuralopSpectralConv
from neuralop.models import FNO, TFNO, UNO

from sciml.operators.config import OperatorConfig
from sciml.operators.spectral_conv import SpectralConv


class _TensorStateDict:
    """neuraloperator's ``BaseModel.state_dict`` adds a ``_metadata`` entry holding the
    constructor arguments (functions, classes); it breaks ``torch.load(weights_only=True)``
    and strict loading of any module that wraps the model. Keep torch's plain state dict."""

    def state_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return torch.nn.Module.state_dict(self, *args, **kwargs)


class SciMLFNO(_TensorStateDict, FNO, name="sciml_fno"):
    """neuraloperator ``FNO`` with a tensors-only state dict."""


class SciMLTFNO(_TensorStateDict, TFNO, name="sciml_tfno"):
    """neuraloperator ``TFNO`` (Tucker factorised FNO) with a tensors-only state dict."""


def build_operator(config: OperatorConfig) -> torch.nn.Module:
    """Instantiate the neuraloperator model described by ``config``.

    The model maps ``x`` of shape (B, in_channels, *grid) to (B, out_channels, *grid) at any
    grid size. Its spectral layers are ``config.spectral_conv``'s (by default the fixed
    :class:`~sciml.operators.spectral_conv.SpectralConv`).
    """
    if not isinstance(config, OperatorConfig):
        raise TypeError(f"config must be an OperatorConfig, got {type(config).__name__}")
    conv = SpectralConv if config.spectral_conv == "fixed" else NeuralopSpectralConv
    common = {
        "in_channels": config.in_channels,
        "out_channels": config.out_channels,
        "hidden_channels": config.hidden_channels,
        "n_layers": config.n_layers,
        "positional_embedding": config.positional_embedding,
        "domain_padding": config.domain_padding,
    }
    if config.model in ("fno", "tfno"):
        kwargs = {
            **common,
            "n_modes": config.n_modes,
            "lifting_channel_ratio": config.lifting_channel_ratio,
            "projection_channel_ratio": config.projection_channel_ratio,
            "conv_module": conv,
        }
        if config.model == "tfno":
            return SciMLTFNO(**kwargs, rank=config.rank)
        return SciMLFNO(**kwargs)

    # UNO ignores its `integral_operator` argument and prints while it builds; its default
    # soft-gating channel-MLP skip needs equal in/out widths, which its U-skips never have.
    with contextlib.redirect_stdout(io.StringIO()):
        return UNO(
            **common,
            lifting_channels=int(config.lifting_channel_ratio * config.hidden_channels),
            projection_channels=int(config.projection_channel_ratio * config.hidden_channels),
            uno_out_channels=list(config.uno_out_channels),
            uno_n_modes=[list(m) for m in config.uno_n_modes],
            uno_scalings=[[s] * config.n_dims for s in config.uno_scalings],
            operator_block=functools.partial(FNOBlocks, conv_module=conv),
            channel_mlp_skip="linear",
        )


def count_parameters(model: torch.nn.Module, trainable_only: bool = True) -> int:
    """Number of real scalars in the model's parameters (a complex entry counts twice)."""
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(
        p.numel() * (2 if p.is_complex() else 1)
        for p in model.parameters()
        if p.requires_grad or not trainable_only
    )

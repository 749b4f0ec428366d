"""FNO and Tucker-factorised FNO (neuraloperator), as registered operator models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from neuralop.layers.spectral_convolution import SpectralConv as NeuralopSpectralConv
from neuralop.models import FNO, TFNO

from sciml.core.checks import check_positive
from sciml.operators.config import OperatorConfig
from sciml.operators.registry import OperatorModel
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


def conv_module(config: OperatorConfig) -> type:
    """The spectral layer class ``config.spectral_conv`` names."""
    return SpectralConv if config.spectral_conv == "fixed" else NeuralopSpectralConv


def common_arguments(config: OperatorConfig) -> dict[str, Any]:
    """Constructor arguments every neuraloperator model takes the same way."""
    return {
        "in_channels": config.in_channels,
        "out_channels": config.out_channels,
        "hidden_channels": config.hidden_channels,
        "n_layers": config.n_layers,
        "positional_embedding": config.positional_embedding,
        "domain_padding": config.domain_padding,
    }


def _fno_arguments(config: OperatorConfig) -> dict[str, Any]:
    return {
        **common_arguments(config),
        "n_modes": config.n_modes,
        "lifting_channel_ratio": config.lifting_channel_ratio,
        "projection_channel_ratio": config.projection_channel_ratio,
        "conv_module": conv_module(config),
    }


@dataclass(frozen=True)
class FNOOptions:
    """FNO has no settings beyond the shared ones."""

    def resolve(self, config: OperatorConfig) -> FNOOptions:
        return self


@dataclass(frozen=True)
class TFNOOptions:
    """``rank``: the Tucker rank as a fraction of the full weight tensor's size."""

    rank: float = 0.1

    def resolve(self, config: OperatorConfig) -> TFNOOptions:
        return TFNOOptions(check_positive(self.rank, "rank"))


def build_fno(config: OperatorConfig) -> torch.nn.Module:
    """Lifting, ``n_layers`` Fourier layers (spectral conv + skip), projection."""
    return SciMLFNO(**_fno_arguments(config))


def build_tfno(config: OperatorConfig) -> torch.nn.Module:
    """An FNO whose spectral weights are Tucker-factorised at ``options.rank``."""
    return SciMLTFNO(**_fno_arguments(config), rank=config.options.rank)


FNO_MODEL = OperatorModel(options=FNOOptions, build=build_fno)
TFNO_MODEL = OperatorModel(options=TFNOOptions, build=build_tfno)

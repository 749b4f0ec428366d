"""Build the registered neural-operator models from an :class:`OperatorConfig`."""

from __future__ import annotations

import torch

from sciml.operators.config import OperatorConfig
from sciml.operators.registry import OPERATOR_MODELS


def build_operator(config: OperatorConfig) -> torch.nn.Module:
    """Instantiate the registered model ``config.model`` described by ``config``.

    The model maps ``x`` of shape (B, in_channels, *grid) to (B, out_channels, *grid) at any
    grid size. Its spectral layers are ``config.spectral_conv``'s (by default the fixed
    :class:`~sciml.operators.spectral_conv.SpectralConv`).

    Parameters
    ----------
    config : OperatorConfig
        Shared settings and the model's options.

    Returns
    -------
    torch.nn.Module
        The untrained model.

    Raises
    ------
    TypeError
        If ``config`` is not an :class:`OperatorConfig`.

    Examples
    --------
    >>> import torch
    >>> config = OperatorConfig("fno", in_channels=1, out_channels=2, n_modes=(4, 4),
    ...                         hidden_channels=8, n_layers=2)
    >>> build_operator(config)(torch.zeros(3, 1, 16, 16)).shape
    torch.Size([3, 2, 16, 16])
    """
    if not isinstance(config, OperatorConfig):
        raise TypeError(f"config must be an OperatorConfig, got {type(config).__name__}")
    return OPERATOR_MODELS[config.model].build(config)


def count_parameters(model: torch.nn.Module, trainable_only: bool = True) -> int:
    """Number of real scalars in the model's parameters (a complex entry counts twice).

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    trainable_only : bool, default True
        Count only parameters with ``requires_grad`` (a frozen base operator is left out).

    Returns
    -------
    int
        Σ numel over the parameters, complex ones counted twice (real and imaginary part).

    Raises
    ------
    TypeError
        If ``model`` is not a ``torch.nn.Module``.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import SpectralConv
    >>> count_parameters(SpectralConv(2, 3, n_modes=(4, 4)))  # 2·3·4·3 complex weights + 3 biases
    147
    >>> layer = torch.nn.Linear(2, 2).requires_grad_(False)
    >>> count_parameters(layer), count_parameters(layer, trainable_only=False)
    (0, 6)
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return sum(
        p.numel() * (2 if p.is_complex() else 1)
        for p in model.parameters()
        if p.requires_grad or not trainable_only
    )


def to_device(model: torch.nn.Module, device: str | torch.device) -> torch.nn.Module:
    """``model.to(device)``, also dropping the positional grids that neuraloperator's embeddings
    cache as plain attributes (``.to`` does not move them, so a model called once on the CPU
    would otherwise fail on a GPU at the same resolution).

    Examples
    --------
    >>> import torch
    >>> config = OperatorConfig("fno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> model = build_operator(config)
    >>> _ = model(torch.zeros(1, 1, 8, 8))  # caches the 8×8 grid on the CPU
    >>> model = to_device(model, "cpu")
    >>> [m._grid for m in model.modules() if hasattr(m, "_grid")]
    [None]
    """
    model = model.to(device)
    for module in model.modules():
        if getattr(module, "_grid", None) is not None:
            module._grid, module._res = None, None
    return model

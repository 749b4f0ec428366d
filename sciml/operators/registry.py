"""The operator-model registry: name → :class:`OperatorModel` (its options class and its
builder). A new model is one module defining an ``OperatorModel`` and one line below."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sciml.core.registry import Registry

if TYPE_CHECKING:
    import torch

    from sciml.operators.config import OperatorConfig


@dataclass(frozen=True)
class OperatorModel:
    """One neural-operator architecture.

    ``options`` is a frozen dataclass of the settings only this model has (its fields have
    defaults; ``options.resolve(config)`` checks them and fills the defaults that depend on
    the shared settings); ``build(config)`` returns the ``torch.nn.Module`` mapping
    ``(B, in_channels, *grid)`` to ``(B, out_channels, *grid)``.

    Parameters
    ----------
    options : type
        The model's options dataclass (frozen, every field with a default, a
        ``resolve(config)`` method returning the checked options).
    build : Callable[[OperatorConfig], torch.nn.Module]
        Builds the untrained model from a validated config.

    See Also
    --------
    OperatorConfig : Shared settings and ``options``.
    build_operator : ``OPERATOR_MODELS[config.model].build(config)``, type-checked.

    Examples
    --------
    >>> import torch
    >>> from sciml.operators import OperatorConfig
    >>> entry = OPERATOR_MODELS["tfno"]
    >>> entry.options()
    TFNOOptions(rank=0.1)
    >>> config = OperatorConfig("tfno", 1, 1, (4, 4), hidden_channels=4, n_layers=1)
    >>> entry.build(config)(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 1, 8, 8])
    """

    options: type
    build: Callable[[OperatorConfig], torch.nn.Module]


OPERATOR_MODELS = Registry("operator model")
OPERATOR_MODELS.register("fno", "sciml.operators.fno:FNO_MODEL", help="Fourier neural operator")
OPERATOR_MODELS.register("tfno", "sciml.operators.fno:TFNO_MODEL", help="Tucker-factorised FNO")
OPERATOR_MODELS.register("uno", "sciml.operators.uno:UNO_MODEL", help="U-shaped neural operator")


def model_names() -> tuple[str, ...]:
    """The registered model names (the CLI's ``--model`` choices)."""
    return OPERATOR_MODELS.names()


def get_model(name: str) -> Any:
    """The :class:`OperatorModel` registered as ``name``; ``ValueError`` for an unknown one."""
    return OPERATOR_MODELS[name]

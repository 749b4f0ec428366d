"""Neural-operator models (from neuraloperator), configured by a small typed config and
listed in one registry (:data:`~sciml.operators.registry.OPERATOR_MODELS`). Names load on
first use, so listing the registered models imports no torch."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "OperatorConfig": "sciml.operators.config",
    "build_operator": "sciml.operators.models",
    "count_parameters": "sciml.operators.models",
    "Normalized": "sciml.operators.normalization",
    "SpectralConv": "sciml.operators.spectral_conv",
    "OPERATOR_MODELS": "sciml.operators.registry",
    "OperatorModel": "sciml.operators.registry",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = list(_EXPORTS)

"""Neural-operator models (from neuraloperator), configured by a small typed config and
listed in one registry (:data:`~sciml.operators.registry.OPERATOR_MODELS`). Names load on
first use, so listing the registered models imports no torch."""

from __future__ import annotations

from sciml.core.lazy import lazy_exports

_EXPORTS = {
    "OperatorConfig": "sciml.operators.config",
    "build_operator": "sciml.operators.models",
    "count_parameters": "sciml.operators.models",
    "Normalized": "sciml.operators.normalization",
    "SpectralConv": "sciml.operators.spectral_conv",
    "OPERATOR_MODELS": "sciml.operators.registry",
    "OperatorModel": "sciml.operators.registry",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)

"""Neural-operator models (from neuraloperator), configured by a small typed config and
listed in one registry (:data:`~sciml.operators.registry.OPERATOR_MODELS`). Names load on
first use, so listing the registered models imports no torch. The IRNO pieces (a frozen base
operator refined by a fixed-point iteration: :class:`Refinement`, :class:`RefinedOperator`,
:func:`refine`, :func:`iterate`, and the refiners built by :class:`RefinerConfig`) are
exported here too."""

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
    "Refinement": "sciml.operators.irno",
    "RefinedOperator": "sciml.operators.irno",
    "iterate": "sciml.operators.irno",
    "refine": "sciml.operators.irno",
    "RefinerConfig": "sciml.operators.refiner",
    "ContractiveRefiner": "sciml.operators.refiner",
    "UNetRefiner": "sciml.operators.refiner",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)

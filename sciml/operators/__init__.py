"""Neural-operator models (from neuraloperator), configured by a small typed config."""

from sciml.operators.config import OperatorConfig
from sciml.operators.models import build_operator, count_parameters
from sciml.operators.normalization import Normalized
from sciml.operators.spectral_conv import SpectralConv

__all__ = ["Normalized", "OperatorConfig", "SpectralConv", "build_operator", "count_parameters"]

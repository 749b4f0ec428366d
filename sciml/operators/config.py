"""A small, validated, JSON-able description of a neural operator: the settings every model
shares, and the model's own options (see :mod:`sciml.operators.registry`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

from sciml.core.checks import check_positive

SPECTRAL_CONVS = ("fixed", "neuralop")
POSITIONAL_EMBEDDINGS = ("grid", None)


def check_modes(name: str, value: Any, n_dims: int | None = None) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of positive integers, got {value!r}")
    modes = tuple(check_positive(m, f"{name}[{i}]", integer=True) for i, m in enumerate(value))
    if n_dims is None and not 1 <= len(modes) <= 3:
        raise ValueError(f"{name} must have 1 to 3 entries (one per spatial dim), got {value!r}")
    if n_dims is not None and len(modes) != n_dims:
        raise ValueError(f"{name} must have {n_dims} entries (one per spatial dim), got {value!r}")
    return modes


def per_layer(name: str, value: Any, n_layers: int) -> Sequence[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence with one entry per layer, got {value!r}")
    if len(value) != n_layers:
        raise ValueError(f"{name} must have n_layers={n_layers} entries, got {len(value)}")
    return value


def options_to_dict(options: Any) -> dict[str, Any]:
    """A model's options dataclass as a plain dict of JSON types (tuples become lists)."""

    def plain(value: Any) -> Any:
        return [plain(v) for v in value] if isinstance(value, tuple) else value

    return {f.name: plain(getattr(options, f.name)) for f in dataclasses.fields(options)}


@dataclass(frozen=True)
class OperatorConfig:
    """Constructor arguments of a registered neural-operator model.

    The fields are the settings every model shares; ``options`` holds the settings only
    ``model`` has, as that model's options dataclass (see :mod:`sciml.operators.registry`:
    ``fno`` has none, ``tfno`` a Tucker ``rank``, ``uno`` per-layer channels, modes and
    scalings) or a mapping of them; omitted options take the model's defaults.
    ``n_modes`` counts Fourier modes per spatial axis as neuraloperator does (its length is
    the number of spatial dims). ``spectral_conv="fixed"`` uses
    :class:`sciml.operators.spectral_conv.SpectralConv` (correct on odd grids); ``"neuralop"``
    keeps neuraloperator 2.0.0's layer.

    Parameters
    ----------
    model : str
        A registered model name (``"fno"``, ``"tfno"``, ``"uno"``; see
        :data:`~sciml.operators.registry.OPERATOR_MODELS`).
    in_channels : int
        Channels of the input field (≥ 1).
    out_channels : int
        Channels of the output field (≥ 1).
    n_modes : sequence of int
        Fourier modes kept per spatial axis, 1 to 3 positive entries; stored as a tuple.
    hidden_channels : int, default 32
        Width of the Fourier layers (≥ 1).
    n_layers : int, default 4
        Number of Fourier layers (≥ 1).
    lifting_channel_ratio : float, default 2.0
        Hidden width of the lifting MLP relative to ``hidden_channels`` (> 0).
    projection_channel_ratio : float, default 2.0
        Hidden width of the projection MLP relative to ``hidden_channels`` (> 0).
    positional_embedding : {"grid", None}, default "grid"
        Append the grid coordinates to the input channels, or not.
    domain_padding : float or None, default None
        Fraction of each spatial size padded before the Fourier layers, in [0, 1]; None for
        no padding.
    spectral_conv : {"fixed", "neuralop"}, default "fixed"
        Which spectral convolution the model uses.
    options : dataclass, Mapping or None, default None
        The model's own options, as its options dataclass or a mapping of its fields; None
        for the defaults. Stored resolved (as the dataclass, defaults filled in).

    Attributes
    ----------
    n_dims : int
        Number of spatial dimensions, ``len(n_modes)``.

    Raises
    ------
    ValueError
        For an unknown model, a bad shared setting or an option the model does not have.

    See Also
    --------
    build_operator : The model a config describes.

    Examples
    --------
    >>> config = OperatorConfig("tfno", in_channels=1, out_channels=1, n_modes=(8, 8),
    ...                         options={"rank": 0.2})
    >>> config.options
    TFNOOptions(rank=0.2)
    >>> OperatorConfig.from_dict(config.to_dict()) == config
    True
    >>> OperatorConfig("fno", 1, 1, (8, 8), options={"rank": 0.2})
    Traceback (most recent call last):
    ...
    ValueError: options: unknown fno options ['rank']; known: []
    """

    model: str
    in_channels: int
    out_channels: int
    n_modes: tuple[int, ...]
    hidden_channels: int = 32
    n_layers: int = 4
    lifting_channel_ratio: float = 2.0
    projection_channel_ratio: float = 2.0
    positional_embedding: str | None = "grid"
    domain_padding: float | None = None
    spectral_conv: str = "fixed"
    options: Any = None

    def __post_init__(self) -> None:
        from sciml.operators.registry import OPERATOR_MODELS

        entry = OPERATOR_MODELS[self.model]
        for name in ("in_channels", "out_channels", "hidden_channels", "n_layers"):
            self._set(name, check_positive(getattr(self, name), name, integer=True))
        self._set("n_modes", check_modes("n_modes", self.n_modes))
        for name in ("lifting_channel_ratio", "projection_channel_ratio"):
            self._set(name, check_positive(getattr(self, name), name))
        if self.positional_embedding not in POSITIONAL_EMBEDDINGS:
            raise ValueError(
                f"positional_embedding must be one of {POSITIONAL_EMBEDDINGS}, "
                f"got {self.positional_embedding!r}"
            )
        if self.domain_padding is not None:
            padding = self.domain_padding
            if isinstance(padding, bool) or not isinstance(padding, Real) or not 0 <= padding <= 1:
                raise ValueError(f"domain_padding must be None or in [0, 1], got {padding!r}")
            self._set("domain_padding", float(padding))
        if self.spectral_conv not in SPECTRAL_CONVS:
            raise ValueError(
                f"spectral_conv must be one of {SPECTRAL_CONVS}, got {self.spectral_conv!r}"
            )
        self._set("options", self._model_options(entry.options).resolve(self))

    def _model_options(self, options_class: type) -> Any:
        given = self.options
        if given is None:
            return options_class()
        if isinstance(given, options_class):
            return given
        if not isinstance(given, Mapping):
            raise ValueError(
                f"options must be a mapping or {options_class.__name__}, got {given!r}"
            )
        known = [f.name for f in dataclasses.fields(options_class)]
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"options: unknown {self.model} options {unknown}; known: {known}")
        return options_class(**given)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    @property
    def n_dims(self) -> int:
        """Number of spatial dimensions."""
        return len(self.n_modes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of JSON types (tuples become lists, options a dict); inverse of
        :meth:`from_dict`."""
        return {**options_to_dict(self), "options": options_to_dict(self.options)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OperatorConfig:
        """Build a config from :meth:`to_dict` output; unknown or missing keys raise.

        Parameters
        ----------
        d : Mapping[str, Any]
            The fields by name; ``model``, ``in_channels``, ``out_channels`` and ``n_modes``
            are required, the others take their defaults.

        Returns
        -------
        OperatorConfig
            The validated config.

        Raises
        ------
        TypeError
            If ``d`` is not a mapping.
        ValueError
            For unknown or missing keys, or values the constructor refuses.
        """
        if not isinstance(d, Mapping):
            raise TypeError(f"d must be a mapping, got {type(d).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - set(fields))
        if unknown:
            raise ValueError(f"unknown OperatorConfig keys {unknown}; known keys: {sorted(fields)}")
        required = [n for n, f in fields.items() if f.default is dataclasses.MISSING]
        missing = [n for n in required if n not in d]
        if missing:
            raise ValueError(f"missing OperatorConfig keys {missing}")
        return cls(**d)

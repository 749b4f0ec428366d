"""A small, validated, JSON-able description of a neural operator."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

MODELS = ("fno", "tfno", "uno")
SPECTRAL_CONVS = ("fixed", "neuralop")
POSITIONAL_EMBEDDINGS = ("grid", None)
_UNO_FIELDS = ("uno_out_channels", "uno_n_modes", "uno_scalings")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _positive_float(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _modes(name: str, value: Any, n_dims: int | None = None) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence of positive integers, got {value!r}")
    modes = tuple(_positive_int(f"{name}[{i}]", m) for i, m in enumerate(value))
    if n_dims is None and not 1 <= len(modes) <= 3:
        raise ValueError(f"{name} must have 1 to 3 entries (one per spatial dim), got {value!r}")
    if n_dims is not None and len(modes) != n_dims:
        raise ValueError(f"{name} must have {n_dims} entries (one per spatial dim), got {value!r}")
    return modes


def _per_layer(name: str, value: Any, n_layers: int) -> Sequence[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a sequence with one entry per layer, got {value!r}")
    if len(value) != n_layers:
        raise ValueError(f"{name} must have n_layers={n_layers} entries, got {len(value)}")
    return value


def uno_levels(n_layers: int) -> list[int]:
    """U-shape depth of each UNO layer: 0, 1, 2, ..., 2, 1, 0 (layer i at min(i, L-1-i))."""
    return [min(i, n_layers - 1 - i) for i in range(n_layers)]


@dataclass(frozen=True)
class OperatorConfig:
    """Constructor arguments of a neuraloperator model (FNO, Tucker-TFNO or UNO).

    ``n_modes`` counts Fourier modes per spatial axis as neuraloperator does (its length is
    the number of spatial dims). ``rank`` is the Tucker rank fraction, used by ``tfno`` only.
    ``spectral_conv="fixed"`` uses :class:`sciml.operators.spectral_conv.SpectralConv`
    (correct on odd grids); ``"neuralop"`` keeps neuraloperator 2.0.0's layer.
    UNO layer settings default to a U shape of depth ``(n_layers - 1) // 2``: layer i sits
    at level l_i = min(i, n_layers-1-i), has ``hidden_channels * 2**l_i`` channels and
    ``n_modes // 2**l_i`` modes, and rescales the grid by 2**(l_{i-1} - l_i).
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
    rank: float = 0.1
    spectral_conv: str = "fixed"
    uno_out_channels: tuple[int, ...] | None = None
    uno_n_modes: tuple[tuple[int, ...], ...] | None = None
    uno_scalings: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}")
        for name in ("in_channels", "out_channels", "hidden_channels", "n_layers"):
            self._set(name, _positive_int(name, getattr(self, name)))
        self._set("n_modes", _modes("n_modes", self.n_modes))
        for name in ("lifting_channel_ratio", "projection_channel_ratio", "rank"):
            self._set(name, _positive_float(name, getattr(self, name)))
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
        if self.model == "uno":
            self._resolve_uno()
        else:
            given = [name for name in _UNO_FIELDS if getattr(self, name) is not None]
            if given:
                raise ValueError(
                    f"{', '.join(given)} only apply to model='uno', not {self.model!r}"
                )

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _resolve_uno(self) -> None:
        levels = uno_levels(self.n_layers)
        if self.uno_out_channels is None:
            self._set("uno_out_channels", tuple(self.hidden_channels * 2**lv for lv in levels))
        if self.uno_n_modes is None:
            self._set(
                "uno_n_modes",
                tuple(tuple(max(1, m // 2**lv) for m in self.n_modes) for lv in levels),
            )
        if self.uno_scalings is None:
            steps = zip([0, *levels[:-1]], levels, strict=True)
            self._set("uno_scalings", tuple(2.0 ** (prev - lv) for prev, lv in steps))
        n, dims = self.n_layers, len(self.n_modes)
        channels = _per_layer("uno_out_channels", self.uno_out_channels, n)
        self._set(
            "uno_out_channels",
            tuple(_positive_int(f"uno_out_channels[{i}]", c) for i, c in enumerate(channels)),
        )
        modes = _per_layer("uno_n_modes", self.uno_n_modes, n)
        self._set(
            "uno_n_modes", tuple(_modes(f"uno_n_modes[{i}]", m, dims) for i, m in enumerate(modes))
        )
        scalings = _per_layer("uno_scalings", self.uno_scalings, n)
        self._set(
            "uno_scalings",
            tuple(_positive_float(f"uno_scalings[{i}]", s) for i, s in enumerate(scalings)),
        )

    @property
    def n_dims(self) -> int:
        """Number of spatial dimensions."""
        return len(self.n_modes)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of JSON types (tuples become lists); inverse of :meth:`from_dict`."""

        def plain(value: Any) -> Any:
            return [plain(v) for v in value] if isinstance(value, tuple) else value

        return {f.name: plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> OperatorConfig:
        """Build a config from :meth:`to_dict` output; unknown or missing keys raise."""
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

"""The contract every PDE generator fulfils, and the per-sample seeding that makes
sharded, resumed and batched generation give the same bytes."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

GenerateFn = Callable[..., dict[str, np.ndarray]]
CoordinatesFn = Callable[..., dict[str, np.ndarray]]


def sample_rng(seed: int, index: int) -> np.random.Generator:
    """Generator for sample ``index`` of a dataset seeded with ``seed``.

    Seeded from ``SeedSequence([seed, index])``, so a sample does not depend on which batch,
    shard or resumed run produced it.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


@dataclass(frozen=True)
class PDEGenerator:
    """A seeded solver that produces one kind of PDE dataset.

    ``generate(rngs, resolution, **params)`` draws one sample per generator in ``rngs`` and
    returns ``{field_name: array}`` with a leading batch axis; spatial axes come last and, for
    trajectories, time is axis 1. ``coordinates(resolution, **params)`` returns the grid
    (``x``, and ``t`` for trajectories).
    """

    name: str
    equation: str
    generate: GenerateFn
    coordinates: CoordinatesFn
    defaults: Mapping[str, Any]
    input_fields: tuple[str, ...]
    target_fields: tuple[str, ...]
    spatial_dims: int
    time_dependent: bool
    periodic: bool
    batch_size: int = 8
    version: str = "1"
    min_resolution: int = 4
    resolution_multiple: int = 1
    notes: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def params(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults updated by ``overrides``; unknown names raise ``ValueError``."""
        merged = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in self.defaults:
                known = ", ".join(sorted(self.defaults))
                raise ValueError(f"unknown parameter {key!r} for {self.name}; known: {known}")
            merged[key] = _coerce(key, value, self.defaults[key])
        return merged

    @property
    def takes_device(self) -> bool:
        """Whether ``generate`` computes in torch and takes a ``device``."""
        return "device" in inspect.signature(self.generate).parameters

    def check_device(self, device: str | None) -> None:
        """``ValueError`` if a device other than the CPU is asked of a NumPy generator."""
        if device not in (None, "cpu") and not self.takes_device:
            raise ValueError(f"{self.name} runs on the CPU only; leave device unset")

    def check_resolution(self, resolution: int) -> None:
        if not isinstance(resolution, int | np.integer) or resolution < self.min_resolution:
            raise ValueError(
                f"resolution must be an integer >= {self.min_resolution} for {self.name}, "
                f"got {resolution!r}"
            )
        if resolution % self.resolution_multiple:
            raise ValueError(
                f"resolution for {self.name} must be a multiple of {self.resolution_multiple}, "
                f"got {resolution}"
            )


def _coerce(key: str, value: Any, default: Any) -> Any:
    """``value`` as the type of ``default`` (ints widen to floats; bools stay strict)."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TypeError(f"parameter {key!r} must be true or false, got {value!r}")
        return value
    if isinstance(default, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"parameter {key!r} must be a number, got {value!r}") from None
        if isinstance(default, int):
            if not number.is_integer():
                raise TypeError(f"parameter {key!r} must be an integer, got {value!r}")
            return int(number)
        return number
    return value


def draw(
    generator: PDEGenerator,
    indices: Sequence[int],
    resolution: int,
    seed: int,
    params: Mapping[str, Any] | None = None,
    device: str | None = None,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Samples ``indices`` of the dataset ``(generator, resolution, seed, params)``.

    Sample i is drawn from :func:`sample_rng` ``(seed, i)``, whatever else is drawn with it.

    Parameters
    ----------
    generator : PDEGenerator
        From :func:`sciml.data.pde.get_generator`.
    indices : sequence of int
        Which samples.
    resolution : int
        Grid points per axis.
    seed : int
        Dataset seed.
    params : mapping, optional
        Overrides of ``generator.defaults``.
    device : str, optional
        For generators that compute in torch (``"cuda"``); refused by the others.
    progress : bool, optional
        Show the time stepping of the generators that report it.

    Returns
    -------
    dict of str to ndarray
        One array per field, batch axis first, spatial axes last (time on axis 1).

    Raises
    ------
    ValueError
        For a bad resolution, an unknown parameter or a device a CPU generator cannot use.

    Examples
    --------
    >>> from sciml.data.pde import get_generator
    >>> darcy = get_generator("darcy")
    >>> both = draw(darcy, [0, 1], resolution=16, seed=7)
    >>> {k: v.shape for k, v in both.items()}
    {'a': (2, 16, 16), 'u': (2, 16, 16)}
    >>> second = draw(darcy, [1], resolution=16, seed=7)
    >>> bool((second["u"][0] == both["u"][1]).all())
    True
    """
    generator.check_resolution(resolution)
    rngs = [sample_rng(seed, i) for i in indices]
    extra: dict[str, Any] = {}
    generator.check_device(device)
    if device is not None and generator.takes_device:
        extra["device"] = device
    if progress and "progress" in inspect.signature(generator.generate).parameters:
        extra["progress"] = True
    return generator.generate(rngs, resolution, **generator.params(params), **extra)

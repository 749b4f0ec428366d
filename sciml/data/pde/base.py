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

    Parameters
    ----------
    seed : int
        Dataset seed (>= 0).
    index : int
        Sample index within the dataset (>= 0).

    Returns
    -------
    numpy.random.Generator
        A fresh PCG64 generator; equal arguments give equal streams.

    Raises
    ------
    ValueError
        From ``SeedSequence``, for a negative ``seed`` or ``index``.

    See Also
    --------
    draw : Samples drawn with these generators.

    Examples
    --------
    >>> sample_rng(0, 3).integers(100, size=3)
    array([50, 89, 95])
    >>> bool(sample_rng(0, 3).random() == sample_rng(0, 3).random())
    True
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


@dataclass(frozen=True)
class PDEGenerator:
    """A seeded solver that produces one kind of PDE dataset.

    ``generate(rngs, resolution, **params)`` draws one sample per generator in ``rngs`` and
    returns ``{field_name: array}`` with a leading batch axis; spatial axes come last and, for
    trajectories, time is axis 1. ``coordinates(resolution, **params)`` returns the grid
    (``x``, and ``t`` for trajectories).

    Parameters
    ----------
    name : str
        Registry name (``"darcy"``), recorded in dataset files as ``equation``.
    equation : str
        The equation in plain text, recorded as ``equation_text``.
    generate : callable
        ``generate(rngs, resolution, **params)`` → ``{field: array}``; it may also take
        ``device`` (torch solvers) and ``progress``.
    coordinates : callable
        ``coordinates(resolution, **params)`` → ``{"x": ..., ["t": ...]}``.
    defaults : mapping
        Default solver parameters; also the only names :meth:`params` accepts.
    input_fields : tuple of str
        Fields that are model inputs (for trajectories, the evolving field itself).
    target_fields : tuple of str
        Fields that are model targets.
    spatial_dims : int
        Number of spatial axes.
    time_dependent : bool
        Whether fields are trajectories ``(N, T, *grid)``.
    periodic : bool
        Whether the domain is periodic.
    batch_size : int, default 8
        Samples per batch (and per parts file) in
        :func:`~sciml.data.pde.store.generate_dataset`.
    version : str, default "1"
        Recorded as ``generator_version``; a file or unfinished parts written by another
        version are refused rather than mixed.
    min_resolution : int, default 4
        Smallest grid accepted by :meth:`check_resolution`.
    resolution_multiple : int, default 1
        Grids must be a multiple of this.
    notes : str, default ""
        Free text (e.g. the benchmark a setting reproduces).
    extra : mapping, default {}
        Further metadata; unused by the store.

    See Also
    --------
    sciml.data.pde.get_generator : The registered generators.
    draw : Samples of a generator.

    Examples
    --------
    >>> from sciml.data.pde import get_generator
    >>> darcy = get_generator("darcy")
    >>> darcy.input_fields, darcy.target_fields, darcy.spatial_dims, darcy.time_dependent
    (('a',), ('u',), 2, False)
    >>> darcy.params({"alpha": 3})["alpha"]
    3.0
    >>> darcy.params({"beta": 1.0})
    Traceback (most recent call last):
    ...
    ValueError: unknown parameter 'beta' for darcy; known: a_high, a_low, alpha, ...
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
    if isinstance(default, int | float):
        if isinstance(value, bool):  # float(True) would silently be 1.0
            raise TypeError(f"parameter {key!r} must be a number, got {value!r}")
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

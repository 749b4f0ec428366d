"""One dataset view over every source of PDE fields: (input, target) pairs, channels first,
at the stored resolution or any coarser one."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import torch
from torch.utils.data import Dataset

from sciml.data.pde.views import check_method, check_resolution, coarsen


class PairSource(Protocol):
    """Random access to (x, y) pairs, each ``(channels, *grid)``, on the native grid."""

    def __len__(self) -> int: ...

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class ArrayPairs:
    """Pairs ``(x[i], y[i])`` from two array-likes (NumPy or h5py) of shape (N, C, *grid)."""

    x: Any
    y: Any

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y):
            raise ValueError(f"inputs and targets differ in length: {len(self.x)} vs {len(self.y)}")

    def __len__(self) -> int:
        return len(self.x)

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(self.x[index]), np.asarray(self.y[index])


@dataclass(frozen=True)
class TrajectoryPairs:
    """Pairs cut from trajectories ``u`` of shape (N, T, C, *grid).

    ``task="next-step"``: x = frames t … t+k−1 stacked as channels, y = frame t+k, for every
    admissible t. ``task="final"``: x = the first k frames, y = the last frame.
    """

    u: Any
    task: str = "next-step"
    input_steps: int = 1

    def __post_init__(self) -> None:
        if self.task not in ("next-step", "final"):
            raise ValueError(f"task must be 'next-step' or 'final', got {self.task!r}")
        steps = self.u.shape[1]
        if not 1 <= self.input_steps < steps:
            raise ValueError(
                f"input_steps must be in [1, {steps - 1}] for trajectories of {steps} frames, "
                f"got {self.input_steps}"
            )

    @property
    def pairs_per_trajectory(self) -> int:
        if self.task == "final":
            return 1
        return self.u.shape[1] - self.input_steps

    def __len__(self) -> int:
        return len(self.u) * self.pairs_per_trajectory

    def pair(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        traj, start = divmod(index, self.pairs_per_trajectory)
        k = self.input_steps
        if self.task == "final":
            x = np.asarray(self.u[traj, :k])
            y = np.asarray(self.u[traj, -1])
        else:
            frames = np.asarray(self.u[traj, start : start + k + 1])
            x, y = frames[:k], frames[k]
        return x.reshape(-1, *x.shape[2:]), y


@dataclass(frozen=True)
class FieldDataset(Dataset):
    """(x, y) field pairs as float32 tensors ``(channels, *grid)`` at ``resolution``.

    ``resolution=None`` is the stored grid; coarser views use ``method`` (``"stride"`` or
    ``"spectral"``, see :mod:`sciml.data.pde.views`). Indexing checks every sample for NaN/Inf
    and names the source and index when it finds one.

    Usually made by :func:`~sciml.data.pde.store.open_dataset` or a reader of
    :mod:`sciml.data.pde.readers` rather than directly.

    Parameters
    ----------
    source : PairSource
        Random access to ``(x, y)`` NumPy pairs ``(C, *grid)`` on the stored grid
        (:class:`ArrayPairs`, :class:`TrajectoryPairs`).
    spatial_dims : int
        Number of spatial axes (the last ``spatial_dims`` axes of each field).
    native_resolution : int
        Points per axis of the stored grid.
    name : str, default "dataset"
        Named in error messages (the file name when read from a file).
    attrs : mapping, default {}
        Metadata of the source (the file's attributes, ``format``, ``equation``, ...).
    resolution : int, optional
        Points per axis of this view; None (default) is the stored grid.
    method : {"stride", "spectral"}, default "stride"
        How a coarser view is made.

    Attributes
    ----------
    grid_resolution : int
        Points per axis of the samples this view returns.

    Raises
    ------
    ValueError
        For an unknown ``method``, or a ``resolution`` that is not a positive integer, is
        finer than ``native_resolution`` or (``"stride"``) does not divide it. Indexing
        raises ``IndexError`` out of range and ``ValueError`` for a sample with NaN or Inf.

    See Also
    --------
    sciml.data.pde.store.open_dataset : A dataset from a file.

    Examples
    --------
    >>> pairs = ArrayPairs(np.arange(32.0).reshape(2, 1, 4, 4), np.ones((2, 1, 4, 4)))
    >>> data = FieldDataset(pairs, spatial_dims=2, native_resolution=4, name="demo")
    >>> data
    FieldDataset('demo': external data, 2 samples, grid 4^2)
    >>> x, y = data[1]
    >>> x.dtype, tuple(x.shape)
    (torch.float32, (1, 4, 4))
    >>> coarse = data.at_resolution(2)
    >>> coarse[1][0].tolist()
    [[[16.0, 18.0], [24.0, 26.0]]]
    >>> [tuple(t.shape) for t in coarse.tensors()]
    [(2, 1, 2, 2), (2, 1, 2, 2)]
    >>> data.at_resolution(3)
    Traceback (most recent call last):
    ...
    ValueError: resolution 3 does not divide the stored grid of 4 points; ...
    """

    source: PairSource
    spatial_dims: int
    native_resolution: int
    name: str = "dataset"
    attrs: Mapping[str, Any] = field(default_factory=dict)
    resolution: int | None = None
    method: str = "stride"

    def __post_init__(self) -> None:
        check_method(self.method)
        if self.resolution is not None:
            check_resolution(self.native_resolution, self.resolution, self.method)

    def __repr__(self) -> str:  # a summary; the dataclass default would print every array
        equation = self.attrs.get("equation", "external data")
        native = self.native_resolution
        view = "" if self.resolution in (None, native) else f", {self.method} view of {native}"
        fields = ""
        if "input_fields" in self.attrs:
            fields = f", {list(self.attrs['input_fields'])} -> {list(self.attrs['target_fields'])}"
        return (
            f"FieldDataset({self.name!r}: {equation}, {len(self)} samples, "
            f"grid {self.grid_resolution}^{self.spatial_dims}{view}{fields})"
        )

    @property
    def grid_resolution(self) -> int:
        return self.native_resolution if self.resolution is None else self.resolution

    def at_resolution(self, resolution: int, method: str | None = None) -> FieldDataset:
        """The same pairs seen on a grid of ``resolution`` points per axis."""
        return replace(self, resolution=resolution, method=method or self.method)

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"sample index {index} out of range for {len(self)} samples")
        index %= len(self)
        x, y = self.source.pair(index)
        for label, value in (("input", x), ("target", y)):
            if not np.isfinite(value).all():
                raise ValueError(f"{self.name}: sample {index} has NaN or Inf in its {label}")
        if self.resolution is not None and self.resolution != self.native_resolution:
            x = coarsen(x, self.resolution, self.spatial_dims, self.method)
            y = coarsen(y, self.resolution, self.spatial_dims, self.method)
        return (
            torch.from_numpy(np.asarray(x, dtype=np.float32)),
            torch.from_numpy(np.asarray(y, dtype=np.float32)),
        )

    def tensors(self, indices: Any = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Stacked ``(X, Y)`` of the samples in ``indices`` (default: all)."""
        indices = range(len(self)) if indices is None else indices
        pairs = [self[int(i)] for i in indices]
        if not pairs:
            raise ValueError(f"{self.name}: no samples selected")
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])


def sample_digests(dataset: FieldDataset) -> list[str]:
    """A digest of each (x, y) pair on the stored grid: BLAKE2b (8 bytes, in hex) of both
    arrays' shapes and float32 values, so that one sample has one digest in whichever file,
    format or dtype holds it; a run records those of its samples to know them again.

    Examples
    --------
    >>> pairs = ArrayPairs(np.arange(8.0).reshape(2, 1, 4), np.zeros((2, 1, 4)))
    >>> first, second = sample_digests(FieldDataset(pairs, spatial_dims=1, native_resolution=4))
    >>> len(first), first == second
    (16, False)
    """
    digests = []
    for index in range(len(dataset.source)):
        digest = hashlib.blake2b(digest_size=8)
        for value in dataset.source.pair(index):
            array = np.ascontiguousarray(value, dtype=np.float32)
            digest.update(repr(array.shape).encode())
            digest.update(array.tobytes())
        digests.append(digest.hexdigest())
    return digests


def data_signature(dataset: FieldDataset) -> dict[str, Any]:
    """What a run records of its data, to compare other data with: ``format``, ``equation``
    and ``fields`` (input and target field names; None where the file does not say), the
    ``spatial_dims``, the ``channels`` of x and y, the stored grid ``resolution``, ``samples``.

    Examples
    --------
    >>> pairs = ArrayPairs(np.zeros((3, 2, 4)), np.zeros((3, 1, 4)))
    >>> data_signature(FieldDataset(pairs, spatial_dims=1, native_resolution=4))["channels"]
    [2, 1]
    """
    attrs = dataset.attrs
    equation = attrs.get("equation") or attrs.get("dataset")
    channels = attrs.get("channels")
    if "input_fields" in attrs:
        fields = [list(attrs["input_fields"]), list(attrs["target_fields"])]
    elif isinstance(channels, Mapping):
        fields = [list(channels["input"]), list(channels["target"])]
    elif isinstance(channels, list | tuple):
        fields = [list(channels), list(channels)]
    else:
        fields = None
    x, y = dataset.source.pair(0)
    return {
        "format": attrs.get("format"),
        "equation": None if equation in (None, "unknown") else str(equation),
        "fields": fields,
        "spatial_dims": int(dataset.spatial_dims),
        "channels": [int(np.shape(x)[0]), int(np.shape(y)[0])],
        "resolution": int(dataset.native_resolution),
        "samples": len(dataset),
    }

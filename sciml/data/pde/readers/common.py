"""What the format readers share: lazy stacks of stored fields, read-only HDF5 opening, and
checks of grids, shapes and tasks."""

from __future__ import annotations

import operator
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.data.pde.dataset import FieldDataset, TrajectoryPairs

TASKS = ("next-step", "final")


@dataclass(frozen=True)
class Field:
    """One stored field: ``data`` indexed as [sample?, time?, *spatial, *components]."""

    name: str
    data: Any
    spatial: tuple[int, ...]
    components: int = 1
    sample_varying: bool = True
    time_varying: bool = True


class LazyStack:
    """Array-like ``(N, [T,] C, *grid)`` that reads and stacks the fields of one sample on demand.

    Fields that do not vary over samples or time are broadcast; spatial axes stored with one
    point (or left out) are broadcast over the grid.
    """

    def __init__(
        self,
        fields: Sequence[Field],
        samples: int,
        steps: int | None,
        grid: tuple[int, ...],
        label: str,
    ) -> None:
        self.fields = tuple(fields)
        self.steps = steps
        self.grid = grid
        self.label = label
        time = () if steps is None else (steps,)
        self.shape = (samples, *time, sum(f.components for f in self.fields), *grid)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> np.ndarray:
        sample, frames = key if isinstance(key, tuple) else (key, slice(None))
        sample = range(len(self))[operator.index(sample)]
        if self.steps is None:
            if frames != slice(None):
                raise IndexError(f"{self.label}: these samples have no time axis")
            parts = [self._read(f, sample, None, 0) for f in self.fields]
            return np.concatenate(parts, axis=0)
        chosen = range(self.steps)[frames]
        if isinstance(chosen, int):
            window, count = slice(chosen, chosen + 1), 1
        elif chosen.step > 0:
            window, count = slice(chosen.start, chosen.stop, chosen.step), len(chosen)
        else:
            raise IndexError(f"{self.label}: frames must be read forwards, got {frames!r}")
        out = np.concatenate([self._read(f, sample, window, count) for f in self.fields], axis=1)
        return out[0] if isinstance(chosen, int) else out

    def _read(self, f: Field, sample: int, window: slice | None, count: int) -> np.ndarray:
        timed = f.time_varying and window is not None
        index = (sample,) * f.sample_varying + (window,) * timed
        try:
            values = np.asarray(f.data[index])
        except OSError as err:
            raise ValueError(
                f"{self.label}: could not read field {f.name!r} of sample {sample}: {err}"
            ) from err
        lead = values.shape[:1] if timed else ()
        values = np.moveaxis(values.reshape(*lead, *f.spatial, -1), -1, len(lead))
        shape = ((count,) if window is not None else ()) + (values.shape[len(lead)], *self.grid)
        return np.broadcast_to(values, shape)



def check_file(path: Path) -> Path:
    """``path`` if it is a non-empty file; else ``FileNotFoundError`` (missing) or
    ``ValueError`` (a folder, an empty file) naming it.

    Examples
    --------
    >>> check_file(Path("."))
    Traceback (most recent call last):
    ...
    ValueError: . is a folder, not a data file
    """
    if path.is_dir():
        raise ValueError(f"{path} is a folder, not a data file")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes), not a data file")
    return path


def open_h5(path: str | os.PathLike) -> h5py.File:
    """``path`` opened read-only; a missing, empty, non-HDF5 or unreadable file (or a folder)
    gets an error that names it.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    h5py.File
        Open in mode ``"r"``; close it (or use it in a ``with`` block).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a folder, an empty file, a file without the HDF5 signature, or one h5py cannot
        read (truncated or corrupt).

    Examples
    --------
    >>> import h5py
    >>> with h5py.File("fields.h5", "w") as f:
    ...     f["u"] = [1.0, 2.0]
    >>> with open_h5(Path("fields.h5")) as f:
    ...     f["u"][()].tolist()
    [1.0, 2.0]
    >>> _ = Path("notes.h5").write_text("not HDF5")
    >>> open_h5(Path("notes.h5"))
    Traceback (most recent call last):
    ...
    ValueError: notes.h5 is not an HDF5 file (no HDF5 signature); expected a .h5/.hdf5 ...
    """
    path = Path(path)
    check_file(path)
    if not h5py.is_hdf5(path):
        raise ValueError(
            f"{path} is not an HDF5 file (no HDF5 signature); expected a .h5/.hdf5 dataset or a "
            "neuraloperator .pt file"
        )
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"{path}: cannot be read as HDF5 (truncated or corrupt?): {err}") from err


def read_h5(path: Path, in_memory: bool, build: Any) -> FieldDataset:
    """``build(file)`` on ``path`` opened read-only; the file stays open only for lazy reads."""
    f = open_h5(path)
    try:
        dataset = build(f)
    except KeyError as err:  # h5py: "object 'x' doesn't exist", a dataset the layout needs
        f.close()
        raise ValueError(f"{path}: a field this format needs is missing: {err.args[0]}") from None
    except BaseException:
        f.close()
        raise
    if in_memory:
        f.close()
    return dataset


def load_field(data: Any, in_memory: bool, label: str) -> Any:
    """``data`` read into memory, or the dataset itself to be read lazily."""
    if not in_memory:
        return data
    try:
        return data[()]
    except OSError as err:
        raise ValueError(f"{label}: could not read {data.name!r}: {err}") from err


def plain(value: Any) -> Any:
    """HDF5 attribute value as plain Python (str, number, list)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()] if value.dtype.kind in "OSU" else value
    if isinstance(value, np.generic):
        return value.item()
    return value


def attr_names(value: Any) -> list[str]:
    value = plain(value)
    return [value] if isinstance(value, str) else [str(v) for v in value]


def square(grid: Sequence[int], label: str) -> int:
    if len(set(grid)) != 1:
        shape = "x".join(map(str, grid))
        raise ValueError(
            f"{label}: the grid is {shape}; a FieldDataset needs the same number of points "
            "on every spatial axis"
        )
    return int(grid[0])


def expect(label: str, key: str, shape: tuple[int, ...], expected: tuple[int | None, ...]):
    ok = len(shape) == len(expected) and all(
        e is None or e == s for s, e in zip(shape, expected, strict=True)
    )
    if not ok:
        want = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{label}: {key!r} has shape {shape}, expected {want}")


def check_task(task: str, input_steps: int) -> None:
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if not isinstance(input_steps, int | np.integer) or input_steps < 1:
        raise ValueError(f"input_steps must be a positive integer, got {input_steps!r}")


def root_attrs(f: h5py.File) -> dict[str, Any]:
    return {k: plain(v) for k, v in f.attrs.items()}


def trajectory_dataset(
    stack: LazyStack, path: Path, attrs: dict[str, Any], spatial_dims: int, task: str, steps: int
) -> FieldDataset:
    return FieldDataset(
        source=TrajectoryPairs(stack, task=task, input_steps=steps),
        spatial_dims=spatial_dims,
        native_resolution=stack.grid[0],
        name=path.name,
        attrs=attrs,
    )

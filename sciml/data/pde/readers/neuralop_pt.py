"""neuraloperator ``.pt`` files: a dict of tensors holding input/target pairs, read with
``torch.load(weights_only=True)`` (no arbitrary objects are unpickled).

Accepted pair keys: ``x``/``y`` (the ``<name>_<train|test>_<resolution>.pt`` files),
``input``/``output`` (single files such as ``burgers_lowres.pt``, with extra entries such as
``visc``) and ``a``/``u``. Arrays are (N, *grid) or (N, C, *grid); a target with one more
axis than its input, e.g. Burgers' (N, T, X) against (N, X), carries its channels (T).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.core.files import load_torch
from sciml.data.pde.dataset import ArrayPairs, FieldDataset
from sciml.data.pde.readers.common import check_file, square

PAIR_KEYS = (("x", "y"), ("input", "output"), ("a", "u"))
"""(input key, target key) layouts, tried in this order."""


def _load(path: Path) -> Mapping[str, Any]:
    data = load_torch(path, what="dataset")
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a dict of tensors, found a {type(data).__name__}")
    return data


def _pair_keys(path: Path, data: Mapping[str, Any]) -> tuple[str, str]:
    for keys in PAIR_KEYS:
        if set(keys) <= set(data):
            return keys
    layouts = ", ".join(f"{a!r}/{b!r}" for a, b in PAIR_KEYS)
    raise ValueError(
        f"{path}: no input/target pair among the keys {sorted(map(str, data))}; "
        f"expected one of {layouts}"
    )


def _channels_first(path: Path, key: str, value: Any, grid_dims: int | None) -> np.ndarray:
    """(N, C, *grid) from (N, *grid) or (N, C, *grid); ``grid_dims`` is fixed by the input."""
    if not isinstance(value, torch.Tensor) or value.ndim < 2:
        raise ValueError(f"{path}: {key!r} must be a tensor (N, [C,] *grid), got {value!r:.80}")
    array = value.detach().cpu().numpy()
    if grid_dims is None:
        return array[:, None] if array.ndim in (2, 3) else array
    if array.ndim == grid_dims + 1:
        return array[:, None]
    if array.ndim == grid_dims + 2:
        return array
    raise ValueError(
        f"{path}: {key!r} has shape {tuple(array.shape)}; with a {grid_dims}-D input grid it "
        f"must be (N, *grid) or (N, C, *grid)"
    )


def _extra(value: Any) -> Any:
    """A non-pair entry as a plain attribute: scalars as numbers, tensors by their shape."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else {"shape": list(value.shape)}
    return value if isinstance(value, int | float | str | bool) else type(value).__name__


def read_neuralop_file(path: str | Path) -> FieldDataset:
    """(input, target) pairs of one neuraloperator ``.pt`` file, whatever its name.

    Parameters
    ----------
    path : str or pathlib.Path
        The file: a dict with one of the :data:`PAIR_KEYS` layouts.

    Returns
    -------
    FieldDataset
        Pairs ``(C_in, *grid)`` → ``(C_out, *grid)``; other entries (e.g. ``visc``) are in
        ``attrs["extra"]``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If it is a folder or empty, not a dict of tensors, has no known pair of keys (the
        message lists the keys found), or the two arrays disagree in samples or grid.

    Examples
    --------
    >>> import torch
    >>> torch.save({"input": torch.rand(5, 16), "output": torch.rand(5, 17, 16),
    ...             "visc": torch.tensor(0.01)}, "burgers_lowres.pt")
    >>> data = read_neuralop_file("burgers_lowres.pt")
    >>> len(data), [tuple(t.shape) for t in data[0]], data.attrs["extra"]
    (5, [(1, 16), (17, 16)], {'visc': 0.009999999776482582})
    >>> torch.save({"inputs": torch.rand(5, 16)}, "other.pt")
    >>> read_neuralop_file("other.pt")
    Traceback (most recent call last):
    ...
    ValueError: other.pt: no input/target pair among the keys ['inputs']; expected one of ...
    """
    path = check_file(Path(path))
    data = _load(path)
    x_key, y_key = _pair_keys(path, data)
    x = _channels_first(path, x_key, data[x_key], None)
    grid = x.shape[2:]
    y = _channels_first(path, y_key, data[y_key], len(grid))
    square(grid, str(path))
    if y.shape[2:] != grid:
        raise ValueError(f"{path}: {x_key!r} grid {grid} and {y_key!r} grid {y.shape[2:]} differ")
    if len(x) != len(y):
        raise ValueError(f"{path}: {x_key!r} has {len(x)} samples but {y_key!r} has {len(y)}")
    attrs = {
        "format": "neuraloperator-pt",
        "path": str(path),
        "keys": [x_key, y_key],
        "dtypes": {"x": str(data[x_key].dtype), "y": str(data[y_key].dtype)},
        "extra_keys": sorted(str(k) for k in data if k not in (x_key, y_key)),
        "extra": {str(k): _extra(v) for k, v in data.items() if k not in (x_key, y_key)},
    }
    return FieldDataset(
        source=ArrayPairs(x, y),
        spatial_dims=len(grid),
        native_resolution=grid[0],
        name=path.name,
        attrs=attrs,
    )


def read_neuralop_pt(
    folder: str | Path, name: str, resolution: int, split: str = "train"
) -> FieldDataset:
    """Read the neuraloperator pair file ``{folder}/{name}_{split}_{resolution}.pt``
    (:func:`read_neuralop_file`, with ``dataset``, ``split`` and ``resolution`` recorded in
    ``attrs``); a missing file's error lists the files that are there.

    Parameters
    ----------
    folder : str or pathlib.Path
        The folder holding the files.
    name : str
        The dataset's name in the file names (``"darcy"``).
    resolution : int
        The grid size in the file name (positive).
    split : {"train", "test"}, default "train"
        Which file.

    Returns
    -------
    FieldDataset
        As :func:`read_neuralop_file`.

    Raises
    ------
    FileNotFoundError
        If the file does not exist (the message lists the folder's files).
    ValueError
        For another ``split``, a ``resolution`` that is not a positive integer, or what
        :func:`read_neuralop_file` refuses.

    Examples
    --------
    >>> import torch
    >>> torch.save({"x": torch.rand(3, 8, 8), "y": torch.rand(3, 8, 8)}, "darcy_test_8.pt")
    >>> data = read_neuralop_pt(".", "darcy", 8, split="test")
    >>> len(data), [tuple(t.shape) for t in data[0]], data.attrs["split"]
    (3, [(1, 8, 8), (1, 8, 8)], 'test')
    >>> read_neuralop_pt(".", "darcy", 16)
    Traceback (most recent call last):
    ...
    FileNotFoundError: expected darcy_train_16.pt; files there: ['darcy_test_8.pt']
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if not isinstance(resolution, int | np.integer) or resolution < 1:
        raise ValueError(f"resolution must be a positive integer, got {resolution!r}")
    folder = Path(folder)
    path = folder / f"{name}_{split}_{resolution}.pt"
    if not path.is_file():
        there = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None
        listing = f"files there: {there}" if there is not None else "the folder does not exist"
        raise FileNotFoundError(f"expected {path}; {listing}")
    dataset = read_neuralop_file(path)
    dataset.attrs.update({"dataset": name, "split": split, "resolution": int(resolution)})
    return dataset

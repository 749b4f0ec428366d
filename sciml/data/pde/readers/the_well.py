"""The Well HDF5 files: t0/t1/t2 field groups over a ``dimensions`` group, read as
trajectories (N, T, C, *grid)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.data.pde.dataset import FieldDataset
from sciml.data.pde.readers.common import (
    Field,
    LazyStack,
    attr_names,
    check_task,
    load_field,
    plain,
    read_h5,
    root_attrs,
    square,
    trajectory_dataset,
)


def is_the_well(f: h5py.File) -> bool:
    """True when ``f`` follows The Well layout (tensor-order field groups + ``dimensions``).

    Parameters
    ----------
    f : h5py.File or h5py.Group
        An open file.

    Returns
    -------
    bool
        Whether ``f`` has a ``dimensions`` group and at least one of ``t0_fields``,
        ``t1_fields``, ``t2_fields``.

    Examples
    --------
    >>> import h5py
    >>> with h5py.File("well.hdf5", "w") as f:
    ...     _ = f.create_group("dimensions"), f.create_group("t0_fields")
    ...     is_the_well(f)
    True
    """
    return "dimensions" in f and any(f"t{i}_fields" in f for i in range(3))


def read_the_well(
    path: str | Path,
    *,
    fields: Sequence[str] | None = None,
    task: str = "next-step",
    input_steps: int = 1,
    in_memory: bool = False,
) -> FieldDataset:
    """Read one file of The Well as trajectories ``(N, T, C, *grid)``.

    Channels: the chosen fields in order (default: every time-varying field, t0 fields, then
    t1, then t2, each group in its ``field_names`` order); a vector field gives D channels
    ``name_x, name_y, ...``, a tensor field D² channels ``name_xx, name_xy, ...``.
    Fields that are not sample-varying are repeated for every trajectory; fields that are not
    time-varying are left out by default and, when named in ``fields``, repeated over every
    frame. Spatial axes a field does not vary over (``dim_varying``) are broadcast.
    ``in_memory=False`` (default: these files are large) reads each sample when indexed.

    Parameters
    ----------
    path : str or pathlib.Path
        One HDF5 file of The Well.
    fields : sequence of str, optional
        Field names, in channel order (default: every time-varying field).
    task : {"next-step", "final"}, default "next-step"
        ``"next-step"``: frames t…t+k−1 → frame t+k; ``"final"``: the first k frames → the
        last frame.
    input_steps : int, default 1
        k, the frames stacked as input channels.
    in_memory : bool, default False
        Read the chosen fields into memory (and close the file).

    Returns
    -------
    FieldDataset
        Pairs ``(k·C, *grid)`` → ``(C, *grid)``; ``attrs`` holds ``format``
        (``"the-well"``), ``equation`` (the file's ``dataset_name``), ``channels``,
        ``constant_fields``, ``parameters``, ``time``, the coordinates, boundary conditions
        and scalars.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For a bad ``task`` or ``input_steps`` (also ``input_steps`` ≥ the frames per
        trajectory), a file that is not HDF5 or not in The Well layout, missing
        ``dimensions`` entries or ``n_trajectories``, a grid with different sizes per axis,
        unknown or repeated ``fields``, or a field of unexpected shape.

    Examples
    --------
    >>> import h5py, numpy as np
    >>> with h5py.File("well.hdf5", "w") as f:
    ...     f.attrs["n_trajectories"] = 2
    ...     dims = f.create_group("dimensions")
    ...     dims.attrs["spatial_dims"] = ["x", "y"]
    ...     dims["time"], dims["x"], dims["y"] = np.arange(3.0), np.arange(8.0), np.arange(8.0)
    ...     f.create_group("t0_fields")["density"] = np.ones((2, 3, 8, 8))  # (N, T, x, y)
    ...     f.create_group("t1_fields")["velocity"] = np.zeros((2, 3, 8, 8, 2))
    >>> data = read_the_well("well.hdf5")
    >>> len(data), [tuple(t.shape) for t in data[0]], data.attrs["channels"]
    (4, [(3, 8, 8), (3, 8, 8)], ['density', 'velocity_x', 'velocity_y'])
    >>> final = read_the_well("well.hdf5", fields=["velocity"], task="final")
    >>> len(final), [tuple(t.shape) for t in final[0]]
    (2, [(2, 8, 8), (2, 8, 8)])
    """
    path = Path(path)
    check_task(task, input_steps)
    return read_h5(
        path, in_memory, lambda f: _the_well(f, path, fields, task, input_steps, in_memory)
    )


def _the_well(f, path, fields, task, input_steps, in_memory) -> FieldDataset:
    label = str(path)
    if not is_the_well(f):
        raise ValueError(
            f"{label}: not in The Well layout (needs 'dimensions' and t0/t1/t2_fields groups); "
            f"keys: {sorted(f.keys())}"
        )
    root = root_attrs(f)
    dimensions = f["dimensions"]
    if "spatial_dims" not in dimensions.attrs or "time" not in dimensions:
        raise ValueError(f"{label}: 'dimensions' needs a 'spatial_dims' attribute and 'time'")
    axes = attr_names(dimensions.attrs["spatial_dims"])
    missing = [a for a in axes if a not in dimensions]
    if missing:
        raise ValueError(f"{label}: 'dimensions' lacks coordinates {missing}")
    if "n_spatial_dims" in root and int(root["n_spatial_dims"]) != len(axes):
        raise ValueError(
            f"{label}: n_spatial_dims={root['n_spatial_dims']} but spatial_dims lists {axes}"
        )
    grid = tuple(dimensions[a].shape[-1] for a in axes)
    square(grid, label)
    steps = dimensions["time"].shape[-1]
    if "n_trajectories" not in root:
        raise ValueError(f"{label}: the root attribute 'n_trajectories' is missing")
    n = int(root["n_trajectories"])

    catalogue: dict[str, tuple[int, h5py.Dataset]] = {}
    for order in range(3):
        group = f.get(f"t{order}_fields")
        if group is None:
            continue
        stored = group.attrs.get("field_names")
        for name in list(group) if stored is None else attr_names(stored):
            if name not in group:
                raise ValueError(f"{label}: t{order}_fields lists {name!r} but has no such dataset")
            catalogue[name] = (order, group[name])

    def flag(data: h5py.Dataset, key: str) -> bool:
        return bool(data.attrs.get(key, True))

    constant = [k for k, (_, d) in catalogue.items() if not flag(d, "time_varying")]
    chosen = list(fields) if fields is not None else [k for k in catalogue if k not in constant]
    unknown = [k for k in chosen if k not in catalogue]
    if unknown or not chosen or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"fields must be distinct names from {list(catalogue)} in {path.name}, got {chosen}"
        )

    stacked, channels = [], []
    for name in chosen:
        order, data = catalogue[name]
        sample_varying, time_varying = flag(data, "sample_varying"), flag(data, "time_varying")
        varying = np.atleast_1d(data.attrs.get("dim_varying", [True] * len(axes))).tolist()
        if len(varying) != len(axes):
            raise ValueError(f"{label}: {name!r} has dim_varying {varying} for axes {axes}")
        view = tuple(g if v else 1 for g, v in zip(grid, varying, strict=True))
        stored = tuple(g for g, v in zip(grid, varying, strict=True) if v)
        lead = ((n,) if sample_varying else ()) + ((steps,) if time_varying else ())
        tail = (len(axes),) * order
        if data.shape not in ((*lead, *view, *tail), (*lead, *stored, *tail)):
            want = "(" + ", ".join(map(str, (*lead, *view, *tail))) + ")"
            raise ValueError(f"{label}: {name!r} has shape {data.shape}, expected {want}")
        stacked.append(
            Field(
                name,
                load_field(data, in_memory, label),
                view,
                len(axes) ** order,
                sample_varying,
                time_varying,
            )
        )
        channels += [name + ("_" + "".join(c) if c else "") for c in product(axes, repeat=order)]

    attrs: dict[str, Any] = {
        "format": "the-well",
        "path": str(path),
        "equation": root.get("dataset_name", "unknown"),
        "grid_type": root.get("grid_type"),
        "channels": channels,
        "constant_fields": constant,
        "parameters": {p: root.get(p) for p in attr_names(root.get("simulation_parameters", []))},
        "file_attrs": root,
        "time": np.asarray(dimensions["time"][()]),
        **{axis: np.asarray(dimensions[axis][()]) for axis in axes},
    }
    if "boundary_conditions" in f:
        attrs["boundary_conditions"] = {
            k: plain(g.attrs.get("bc_type")) for k, g in f["boundary_conditions"].items()
        }
    if "scalars" in f:
        attrs["scalars"] = {k: np.asarray(d[()]) for k, d in f["scalars"].items()}
    stack = LazyStack(stacked, n, steps, grid, label)
    return trajectory_dataset(stack, path, attrs, len(axes), task, input_steps)

"""Readers for PDE data files users already have: PDEBench HDF5, neuraloperator ``.pt`` pairs
and The Well HDF5. Each returns a :class:`~sciml.data.pde.dataset.FieldDataset`.

Channels come first, then the grid: pairs are ``(C, *grid)``; trajectories are seen as
``u`` of shape (N, T, C, *grid). Grids must have the same number of points on every axis.
HDF5 files can be read lazily (``in_memory=False``): the file stays open and each sample is
read when indexed.
"""

from __future__ import annotations

import operator
import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch

from sciml.data.pde.dataset import ArrayPairs, FieldDataset, TrajectoryPairs

PDEBENCH_LAYOUTS: dict[str, tuple[str, ...]] = {
    "darcy": ("nu", "tensor"),
    "scalar-1d": ("tensor",),
    "ns-incompressible": ("velocity", "particles", "force", "t"),
    "cfd": ("density", "pressure", "Vx"),
}
_LAYOUT_TITLES = {
    "darcy": "Darcy flow (nu, tensor, x-/y-coordinate)",
    "scalar-1d": "1D trajectories such as Burgers (tensor, t-/x-coordinate)",
    "ns-incompressible": "2D incompressible Navier-Stokes (velocity, particles, force, t)",
    "cfd": "compressible CFD (Vx, Vy[, Vz], density, pressure, *-coordinate)",
}
_NS_FIELDS = ("velocity", "particles", "force")
_CFD_VELOCITIES = ("Vx", "Vy", "Vz")
_TASKS = ("next-step", "final")
_PARAM = re.compile(r"^([A-Za-z]+)([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)$")


# ---------------------------------------------------------------------------------------------
# Lazy stacks of fields


@dataclass(frozen=True)
class _Field:
    """One stored field: ``data`` indexed as [sample?, time?, *spatial, *components]."""

    name: str
    data: Any
    spatial: tuple[int, ...]
    components: int = 1
    sample_varying: bool = True
    time_varying: bool = True


class _Stack:
    """Array-like ``(N, [T,] C, *grid)`` that reads and stacks the fields of one sample on demand.

    Fields that do not vary over samples or time are broadcast; spatial axes stored with one
    point (or left out) are broadcast over the grid.
    """

    def __init__(
        self,
        fields: Sequence[_Field],
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

    def _read(self, f: _Field, sample: int, window: slice | None, count: int) -> np.ndarray:
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


# ---------------------------------------------------------------------------------------------
# Shared helpers


def open_h5(path: Path) -> h5py.File:
    """``path`` opened read-only; a missing or unreadable file gets an error that names it."""
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        return h5py.File(path, "r")
    except OSError as err:
        raise ValueError(f"{path}: cannot be read as HDF5 (truncated or corrupt?): {err}") from err


def _read_h5(path: Path, in_memory: bool, build: Any) -> FieldDataset:
    """``build(file)`` on ``path`` opened read-only; the file stays open only for lazy reads."""
    f = open_h5(path)
    try:
        dataset = build(f)
    except BaseException:
        f.close()
        raise
    if in_memory:
        f.close()
    return dataset


def _load(data: Any, in_memory: bool, label: str) -> Any:
    """``data`` read into memory, or the dataset itself to be read lazily."""
    if not in_memory:
        return data
    try:
        return data[()]
    except OSError as err:
        raise ValueError(f"{label}: could not read {data.name!r}: {err}") from err


def _plain(value: Any) -> Any:
    """HDF5 attribute value as plain Python (str, number, list)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()] if value.dtype.kind in "OSU" else value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _names(value: Any) -> list[str]:
    value = _plain(value)
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _square(grid: Sequence[int], label: str) -> int:
    if len(set(grid)) != 1:
        shape = "x".join(map(str, grid))
        raise ValueError(
            f"{label}: the grid is {shape}; a FieldDataset needs the same number of points "
            "on every spatial axis"
        )
    return int(grid[0])


def _expect(label: str, key: str, shape: tuple[int, ...], expected: tuple[int | None, ...]):
    ok = len(shape) == len(expected) and all(
        e is None or e == s for s, e in zip(shape, expected, strict=True)
    )
    if not ok:
        want = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{label}: {key!r} has shape {shape}, expected {want}")


def _check_task(task: str, input_steps: int) -> None:
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS}, got {task!r}")
    if not isinstance(input_steps, int | np.integer) or input_steps < 1:
        raise ValueError(f"input_steps must be a positive integer, got {input_steps!r}")


def _file_parameters(stem: str) -> dict[str, float]:
    """Parameters written into PDEBench file names: ``Nu0.01`` → nu, ``beta1.0`` → beta, ..."""
    params = {}
    for token in stem.split("_"):
        match = _PARAM.match(token)
        if match:
            name = {"M": "mach"}.get(match[1], match[1].lower())
            params[name] = float(match[2])
    return params


def _root_attrs(f: h5py.File) -> dict[str, Any]:
    return {k: _plain(v) for k, v in f.attrs.items()}


# ---------------------------------------------------------------------------------------------
# PDEBench


def pdebench_layout(keys: Sequence[str]) -> str | None:
    """Which PDEBench layout a file with top-level ``keys`` follows (None if none)."""
    present = set(keys)
    for layout, required in PDEBENCH_LAYOUTS.items():
        if present.issuperset(required):
            return layout
    return None


def _layout_error(path: Path, keys: Sequence[str]) -> ValueError:
    expected = "; ".join(
        f"{_LAYOUT_TITLES[name]}: needs {', '.join(req)}" for name, req in PDEBENCH_LAYOUTS.items()
    )
    close = [
        f"{name} lacks {', '.join(sorted(set(req) - set(keys)))}"
        for name, req in PDEBENCH_LAYOUTS.items()
        if len(req) > 1 and set(req) & set(keys)
    ]
    hint = f" (closest: {'; '.join(close)})" if close else ""
    return ValueError(
        f"{path}: no known PDEBench layout in keys {sorted(keys)}{hint}. Expected one of: "
        f"{expected}"
    )


def read_pdebench(
    path: str | Path,
    *,
    task: str = "final",
    input_steps: int = 1,
    in_memory: bool = True,
    fields: Sequence[str] | None = None,
) -> FieldDataset:
    """Read a PDEBench HDF5 file, detecting its layout from the keys it holds.

    - Darcy (``nu``, ``tensor``): x = coefficient a, y = solution u of −∇·(a∇u) = β
      (β from the file name ``..._beta1.0_...``). Steady: only ``task="final"``.
    - 1D trajectories (``tensor`` (N, T, X)), e.g. Burgers u_t + (u²/2)_x = (ν/π) u_xx with ν
      from the file name ``..._Nu0.01``: one channel.
    - 2D incompressible Navier–Stokes (``velocity`` (N, T, X, Y, 2), ``particles``, ``force``):
      ``fields`` picks among velocity (2 channels), particles and force (constant in time,
      repeated over frames); default ``("velocity",)``.
    - Compressible CFD (``Vx``, ``Vy``, ``density``, ``pressure``, each (N, T, *grid)):
      default channels Vx, Vy[, Vz], density, pressure.

    Trajectories become pairs by ``task`` (``"final"``: first ``input_steps`` frames → last
    frame; ``"next-step"``: frames t…t+k−1 → frame t+k). Channels follow the order of
    ``fields`` when given. ``in_memory=False`` keeps the file open and reads per sample.
    """
    path = Path(path)
    _check_task(task, input_steps)
    return _read_h5(
        path, in_memory, lambda f: _pdebench(f, path, task, input_steps, in_memory, fields)
    )


def _pdebench(f, path, task, input_steps, in_memory, fields) -> FieldDataset:
    layout = pdebench_layout(list(f.keys()))
    if layout is None:
        raise _layout_error(path, list(f.keys()))
    if fields is not None and layout not in ("ns-incompressible", "cfd"):
        raise ValueError(
            f"fields applies to Navier-Stokes and CFD files only; {path.name} is {layout}"
        )
    build = {
        "darcy": _pdebench_darcy,
        "scalar-1d": _pdebench_scalar_1d,
        "ns-incompressible": _pdebench_ns,
        "cfd": _pdebench_cfd,
    }[layout]
    return build(f, path, task=task, input_steps=input_steps, in_memory=in_memory, fields=fields)


def _pdebench_attrs(f: h5py.File, path: Path, layout: str, equation: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "format": "pdebench",
        "layout": layout,
        "equation": equation,
        "path": str(path),
        **_file_parameters(path.stem),
        "file_attrs": _root_attrs(f),
    }
    for axis in "xyz":
        key = f"{axis}-coordinate"
        if key in f:
            attrs[axis] = np.asarray(f[key][()])
    return attrs


def _trajectories(
    stack: _Stack, path: Path, attrs: dict[str, Any], spatial_dims: int, task: str, steps: int
) -> FieldDataset:
    return FieldDataset(
        source=TrajectoryPairs(stack, task=task, input_steps=steps),
        spatial_dims=spatial_dims,
        native_resolution=stack.grid[0],
        name=path.name,
        attrs=attrs,
    )


def _pdebench_darcy(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    if task != "final" or input_steps != 1:
        raise ValueError(
            f"{path.name} holds steady Darcy (coefficient, solution) pairs: use task='final' "
            f"and input_steps=1, got task={task!r}, input_steps={input_steps}"
        )
    nu, tensor = f["nu"], f["tensor"]
    _expect(label, "nu", nu.shape, (None, None, None))
    grid = nu.shape[1:]
    _square(grid, label)
    _expect(label, "tensor", tensor.shape, (nu.shape[0], 1, *grid))
    x = _Stack([_Field("nu", _load(nu, in_memory, label), grid)], nu.shape[0], None, grid, label)
    attrs = _pdebench_attrs(f, path, "darcy", "darcy")
    attrs["channels"] = {"input": ["nu"], "target": ["u"]}
    if "beta" in f.attrs:
        attrs["beta"] = float(f.attrs["beta"])
    return FieldDataset(
        source=ArrayPairs(x, _load(tensor, in_memory, label)),
        spatial_dims=2,
        native_resolution=grid[0],
        name=path.name,
        attrs=attrs,
    )


def _pdebench_scalar_1d(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    tensor = f["tensor"]
    _expect(label, "tensor", tensor.shape, (None, None, None))
    n, steps, points = tensor.shape
    lowered = path.stem.lower()
    equation = next(
        (
            eq
            for key, eq in (
                ("burgers", "burgers"),
                ("advection", "advection"),
                ("reacdiff", "reaction-diffusion"),
            )
            if key in lowered
        ),
        "unknown",
    )
    attrs = _pdebench_attrs(f, path, "scalar-1d", equation)
    attrs["channels"] = ["u"]
    if equation == "burgers" and "nu" in attrs:
        attrs["viscosity"] = attrs["nu"] / np.pi
    if "t-coordinate" in f:
        # PDEBench stores T + 1 times; frame i is at t[i].
        attrs["t"] = np.asarray(f["t-coordinate"][()])[:steps]
    stack = _Stack(
        [_Field("tensor", _load(tensor, in_memory, label), (points,))], n, steps, (points,), label
    )
    return _trajectories(stack, path, attrs, 1, task, input_steps)


def _pdebench_ns(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    fields = tuple(fields or ("velocity",))
    unknown = [name for name in fields if name not in _NS_FIELDS]
    if unknown or not fields or len(set(fields)) != len(fields):
        raise ValueError(f"fields must be distinct names from {_NS_FIELDS}, got {fields}")
    velocity = f["velocity"]
    _expect(label, "velocity", velocity.shape, (None, None, None, None, 2))
    n, steps, *grid = velocity.shape[:-1]
    grid = tuple(grid)
    _square(grid, label)
    _expect(label, "particles", f["particles"].shape, (n, steps, *grid, 1))
    _expect(label, "force", f["force"].shape, (n, *grid, 2))
    stack = _Stack(
        [
            _Field(
                name,
                _load(f[name], in_memory, label),
                grid,
                f[name].shape[-1],
                time_varying=name != "force",
            )
            for name in fields
        ],
        n,
        steps,
        grid,
        label,
    )
    attrs = _pdebench_attrs(f, path, "ns-incompressible", "navier-stokes-incompressible")
    names = {
        "velocity": ["velocity_x", "velocity_y"],
        "particles": ["particles"],
        "force": ["force_x", "force_y"],
    }
    attrs["channels"] = [c for name in fields for c in names[name]]
    attrs["t"] = np.asarray(f["t"][()])
    match = re.search(
        r"^\s*NU:\s*([-+0-9.eE]+)\s*$", str(attrs["file_attrs"].get("config", "")), re.MULTILINE
    )
    if match:
        attrs["nu"] = float(match[1])
    return _trajectories(stack, path, attrs, 2, task, input_steps)


def _pdebench_cfd(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    density = f["density"]
    dims = density.ndim - 2
    if not 1 <= dims <= 3:
        raise ValueError(f"{label}: 'density' has shape {density.shape}, expected (N, T, *grid)")
    available = (*_CFD_VELOCITIES[:dims], "density", "pressure")
    missing = [k for k in available if k not in f]
    if missing:
        raise ValueError(f"{label}: {dims}D CFD file lacks {missing}; it has {sorted(f.keys())}")
    fields = tuple(fields or available)
    if not fields or not set(fields) <= set(available) or len(set(fields)) != len(fields):
        raise ValueError(f"fields must be distinct names from {available}, got {fields}")
    for key in available:
        _expect(label, key, f[key].shape, density.shape)
    n, steps, *grid = density.shape
    grid = tuple(grid)
    _square(grid, label)
    stack = _Stack(
        [_Field(k, _load(f[k], in_memory, label), grid) for k in fields], n, steps, grid, label
    )
    attrs = _pdebench_attrs(f, path, "cfd", "compressible-navier-stokes")
    attrs["channels"] = list(fields)
    if "t-coordinate" in f:
        attrs["t"] = np.asarray(f["t-coordinate"][()])
    return _trajectories(stack, path, attrs, dims, task, input_steps)


# ---------------------------------------------------------------------------------------------
# neuraloperator .pt


def read_neuralop_pt(
    folder: str | Path, name: str, resolution: int, split: str = "train"
) -> FieldDataset:
    """Read the neuraloperator pair file ``{folder}/{name}_{split}_{resolution}.pt``.

    The file is a dict with tensors ``x`` and ``y`` of shape (N, X, Y) or (N, C, X, Y)
    ((N, X) for 1D); it is loaded with ``torch.load(weights_only=True)``, so no arbitrary
    objects are unpickled.
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
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as err:
        raise ValueError(
            f"{path}: cannot be loaded with torch.load(weights_only=True); it is not a torch "
            "file or holds objects other than tensors and plain containers, which this reader "
            "refuses to unpickle"
        ) from err
    if not isinstance(data, Mapping) or not {"x", "y"} <= set(data):
        found = sorted(data) if isinstance(data, Mapping) else type(data).__name__
        raise ValueError(f"{path}: expected a dict with tensors 'x' and 'y', found {found}")
    arrays = {}
    for key in ("x", "y"):
        value = data[key]
        if not isinstance(value, torch.Tensor) or value.ndim < 2:
            raise ValueError(f"{path}: {key!r} must be a tensor (N, [C,] *grid), got {value!r:.80}")
        value = value.detach().cpu().numpy()
        arrays[key] = value[:, None] if value.ndim in (2, 3) else value
    x, y = arrays["x"], arrays["y"]
    grid = x.shape[2:]
    _square(grid, str(path))
    if y.shape[2:] != grid:
        raise ValueError(f"{path}: 'x' grid {grid} and 'y' grid {y.shape[2:]} differ")
    if len(x) != len(y):
        raise ValueError(f"{path}: 'x' has {len(x)} samples but 'y' has {len(y)}")
    attrs = {
        "format": "neuraloperator-pt",
        "path": str(path),
        "dataset": name,
        "split": split,
        "resolution": int(resolution),
        "dtypes": {"x": str(data["x"].dtype), "y": str(data["y"].dtype)},
        "extra_keys": sorted(k for k in data if k not in ("x", "y")),
    }
    return FieldDataset(
        source=ArrayPairs(x, y),
        spatial_dims=len(grid),
        native_resolution=grid[0],
        name=path.name,
        attrs=attrs,
    )


# ---------------------------------------------------------------------------------------------
# The Well


def is_the_well(f: h5py.File) -> bool:
    """True when ``f`` follows The Well layout (tensor-order field groups + ``dimensions``)."""
    return "dimensions" in f and any(f"t{i}_fields" in f for i in range(3))


def read_the_well(
    path: str | Path,
    *,
    fields: Sequence[str] | None = None,
    task: str = "next-step",
    input_steps: int = 1,
    in_memory: bool = False,
) -> FieldDataset:
    """Read one file of The Well as trajectories (N, T, C, *grid).

    Channels: the chosen fields in order (default: every time-varying field, t0 fields, then
    t1, then t2, each group in its ``field_names`` order); a vector field gives D channels
    ``name_x, name_y, ...``, a tensor field D² channels ``name_xx, name_xy, ...``.
    Fields that are not sample-varying are repeated for every trajectory; fields that are not
    time-varying are left out by default and, when named in ``fields``, repeated over every
    frame. Spatial axes a field does not vary over (``dim_varying``) are broadcast.
    ``in_memory=False`` (default: these files are large) reads each sample when indexed.
    """
    path = Path(path)
    _check_task(task, input_steps)
    return _read_h5(
        path, in_memory, lambda f: _the_well(f, path, fields, task, input_steps, in_memory)
    )


def _the_well(f, path, fields, task, input_steps, in_memory) -> FieldDataset:
    label = str(path)
    if not is_the_well(f):
        raise ValueError(
            f"{label}: not in The Well layout (needs 'dimensions' and t0/t1/t2_fields groups); "
            f"keys: {sorted(f.keys())}"
        )
    root = _root_attrs(f)
    dimensions = f["dimensions"]
    if "spatial_dims" not in dimensions.attrs or "time" not in dimensions:
        raise ValueError(f"{label}: 'dimensions' needs a 'spatial_dims' attribute and 'time'")
    axes = _names(dimensions.attrs["spatial_dims"])
    missing = [a for a in axes if a not in dimensions]
    if missing:
        raise ValueError(f"{label}: 'dimensions' lacks coordinates {missing}")
    if "n_spatial_dims" in root and int(root["n_spatial_dims"]) != len(axes):
        raise ValueError(
            f"{label}: n_spatial_dims={root['n_spatial_dims']} but spatial_dims lists {axes}"
        )
    grid = tuple(dimensions[a].shape[-1] for a in axes)
    _square(grid, label)
    steps = dimensions["time"].shape[-1]
    if "n_trajectories" not in root:
        raise ValueError(f"{label}: the root attribute 'n_trajectories' is missing")
    n = int(root["n_trajectories"])

    catalogue: dict[str, tuple[int, h5py.Dataset]] = {}
    for order in range(3):
        group = f.get(f"t{order}_fields")
        if group is None:
            continue
        names = _names(group.attrs["field_names"]) if "field_names" in group.attrs else list(group)
        for name in names:
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
            _Field(
                name,
                _load(data, in_memory, label),
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
        "parameters": {p: root.get(p) for p in _names(root.get("simulation_parameters", []))},
        "file_attrs": root,
        "time": np.asarray(dimensions["time"][()]),
        **{axis: np.asarray(dimensions[axis][()]) for axis in axes},
    }
    if "boundary_conditions" in f:
        attrs["boundary_conditions"] = {
            k: _plain(g.attrs.get("bc_type")) for k, g in f["boundary_conditions"].items()
        }
    if "scalars" in f:
        attrs["scalars"] = {k: np.asarray(d[()]) for k, d in f["scalars"].items()}
    stack = _Stack(stacked, n, steps, grid, label)
    return _trajectories(stack, path, attrs, len(axes), task, input_steps)


# ---------------------------------------------------------------------------------------------
# Dispatch


_PT_NAME = re.compile(r"^(?P<name>.+)_(?P<split>train|test)_(?P<resolution>\d+)\.pt$")


def open_external(path: str | Path, **kwargs: Any) -> FieldDataset:
    """Open a PDE data file of a known external format, detected from its content or suffix.

    ``.pt`` named ``{name}_{split}_{resolution}.pt`` → :func:`read_neuralop_pt`; HDF5 with
    The Well layout → :func:`read_the_well`; HDF5 with a PDEBench layout →
    :func:`read_pdebench`. ``kwargs`` go to the chosen reader.
    """
    path = Path(path)
    if path.suffix == ".pt":
        match = _PT_NAME.match(path.name)
        if match is None:
            raise ValueError(
                f"{path}: neuraloperator files are named '<name>_<train|test>_<resolution>.pt'"
            )
        return read_neuralop_pt(
            path.parent, match["name"], int(match["resolution"]), match["split"], **kwargs
        )
    with open_h5(path) as f:
        keys = list(f.keys())
        well = is_the_well(f)
    if well:
        return read_the_well(path, **kwargs)
    if pdebench_layout(keys) is not None:
        return read_pdebench(path, **kwargs)
    raise ValueError(
        f"{path}: unknown layout with keys {sorted(keys)}; expected The Well (dimensions, "
        f"t0/t1/t2_fields) or PDEBench ({'; '.join(_LAYOUT_TITLES.values())})"
    )

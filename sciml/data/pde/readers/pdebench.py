"""PDEBench HDF5 files: Darcy flow, 1D scalar trajectories (Burgers, advection, ...),
2D incompressible Navier–Stokes and compressible CFD, told apart by their keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from sciml.data.pde.dataset import ArrayPairs, FieldDataset
from sciml.data.pde.readers.common import (
    Field,
    LazyStack,
    check_task,
    expect,
    load_field,
    read_h5,
    root_attrs,
    square,
    trajectory_dataset,
)

PDEBENCH_LAYOUTS: dict[str, tuple[str, ...]] = {
    "darcy": ("nu", "tensor"),
    "scalar-1d": ("tensor",),
    "ns-incompressible": ("velocity", "particles", "force", "t"),
    "cfd": ("density", "pressure", "Vx"),
}
LAYOUT_TITLES = {
    "darcy": "Darcy flow (nu, tensor, x-/y-coordinate)",
    "scalar-1d": "1D trajectories such as Burgers (tensor, t-/x-coordinate)",
    "ns-incompressible": "2D incompressible Navier-Stokes (velocity, particles, force, t)",
    "cfd": "compressible CFD (Vx, Vy[, Vz], density, pressure, *-coordinate)",
}
_NS_FIELDS = ("velocity", "particles", "force")
_CFD_VELOCITIES = ("Vx", "Vy", "Vz")
_PARAM = re.compile(r"^([A-Za-z]+)([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)$")


def pdebench_layout(keys: Sequence[str]) -> str | None:
    """Which PDEBench layout a file with top-level ``keys`` follows (None if none).

    The layouts of :data:`PDEBENCH_LAYOUTS` are tried in order; the first whose keys are all
    present wins.

    Parameters
    ----------
    keys : sequence of str
        The file's top-level keys.

    Returns
    -------
    str or None
        ``"darcy"``, ``"scalar-1d"``, ``"ns-incompressible"``, ``"cfd"`` or None.

    Examples
    --------
    >>> pdebench_layout(["nu", "tensor", "x-coordinate", "y-coordinate"])
    'darcy'
    >>> pdebench_layout(["tensor", "t-coordinate", "x-coordinate"])
    'scalar-1d'
    >>> pdebench_layout(["u"]) is None
    True
    """
    present = set(keys)
    for layout, required in PDEBENCH_LAYOUTS.items():
        if present.issuperset(required):
            return layout
    return None


def _layout_error(path: Path, keys: Sequence[str]) -> ValueError:
    expected = "; ".join(
        f"{LAYOUT_TITLES[name]}: needs {', '.join(req)}" for name, req in PDEBENCH_LAYOUTS.items()
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
    - Compressible CFD (``Vx``, ``Vy``, ``density``, ``pressure``, each ``(N, T, *grid)``):
      default channels Vx, Vy[, Vz], density, pressure.

    Trajectories become pairs by ``task`` (``"final"``: first ``input_steps`` frames → last
    frame; ``"next-step"``: frames t…t+k−1 → frame t+k). Channels follow the order of
    ``fields`` when given. ``in_memory=False`` keeps the file open and reads per sample.

    Parameters
    ----------
    path : str or pathlib.Path
        A PDEBench HDF5 file. Parameters in its name (``Nu0.01``, ``beta1.0``, ``M1.0``)
        are recorded in ``attrs``.
    task : {"final", "next-step"}, default "final"
        How trajectories become pairs (Darcy takes only ``"final"``).
    input_steps : int, default 1
        k, the frames stacked as input channels (Darcy takes only 1).
    in_memory : bool, default True
        Read the fields into memory (and close the file); False reads each sample when
        indexed.
    fields : sequence of str, optional
        Navier–Stokes and CFD only: which fields, in channel order.

    Returns
    -------
    FieldDataset
        Pairs ``(C_in, *grid)`` → ``(C_out, *grid)``; ``attrs`` holds ``format``
        (``"pdebench"``), ``layout``, ``equation``, ``channels``, the file-name parameters,
        the coordinates and the file's attributes.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For a bad ``task`` or ``input_steps`` (also ``input_steps`` ≥ the frames per
        trajectory), a file that is not HDF5 or of no PDEBench layout (the message names
        the closest layout and what it lacks), arrays of unexpected shapes, a grid with
        different sizes per axis, ``fields`` on a layout without them or naming unknown
        fields, or ``task``/``input_steps`` other than the defaults on Darcy.

    Examples
    --------
    >>> import h5py, numpy as np
    >>> with h5py.File("1D_Burgers_Sols_Nu0.01.hdf5", "w") as f:
    ...     f["tensor"] = np.zeros((2, 5, 16), dtype=np.float32)  # (N, T, X)
    >>> data = read_pdebench("1D_Burgers_Sols_Nu0.01.hdf5")
    >>> len(data), [tuple(t.shape) for t in data[0]]
    (2, [(1, 16), (1, 16)])
    >>> data.attrs["layout"], data.attrs["equation"], data.attrs["nu"]
    ('scalar-1d', 'burgers', 0.01)
    >>> steps = read_pdebench("1D_Burgers_Sols_Nu0.01.hdf5", task="next-step", input_steps=2)
    >>> len(steps), [tuple(t.shape) for t in steps[0]]
    (6, [(2, 16), (1, 16)])
    """
    path = Path(path)
    check_task(task, input_steps)
    return read_h5(
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
        "file_attrs": root_attrs(f),
    }
    for axis in "xyz":
        key = f"{axis}-coordinate"
        if key in f:
            attrs[axis] = np.asarray(f[key][()])
    return attrs


def _pdebench_darcy(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    if task != "final" or input_steps != 1:
        raise ValueError(
            f"{path.name} holds steady Darcy (coefficient, solution) pairs: use task='final' "
            f"and input_steps=1, got task={task!r}, input_steps={input_steps}"
        )
    nu, tensor = f["nu"], f["tensor"]
    expect(label, "nu", nu.shape, (None, None, None))
    grid = nu.shape[1:]
    square(grid, label)
    expect(label, "tensor", tensor.shape, (nu.shape[0], 1, *grid))
    nu_field = Field("nu", load_field(nu, in_memory, label), grid)
    x = LazyStack([nu_field], nu.shape[0], None, grid, label)
    attrs = _pdebench_attrs(f, path, "darcy", "darcy")
    attrs["channels"] = {"input": ["nu"], "target": ["u"]}
    if "beta" in f.attrs:
        attrs["beta"] = float(f.attrs["beta"])
    return FieldDataset(
        source=ArrayPairs(x, load_field(tensor, in_memory, label)),
        spatial_dims=2,
        native_resolution=grid[0],
        name=path.name,
        attrs=attrs,
    )


def _pdebench_scalar_1d(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    tensor = f["tensor"]
    expect(label, "tensor", tensor.shape, (None, None, None))
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
    field = Field("tensor", load_field(tensor, in_memory, label), (points,))
    stack = LazyStack([field], n, steps, (points,), label)
    return trajectory_dataset(stack, path, attrs, 1, task, input_steps)


def _pdebench_ns(f, path, *, task, input_steps, in_memory, fields) -> FieldDataset:
    label = str(path)
    fields = tuple(fields or ("velocity",))
    unknown = [name for name in fields if name not in _NS_FIELDS]
    if unknown or not fields or len(set(fields)) != len(fields):
        raise ValueError(f"fields must be distinct names from {_NS_FIELDS}, got {fields}")
    velocity = f["velocity"]
    expect(label, "velocity", velocity.shape, (None, None, None, None, 2))
    n, steps, *grid = velocity.shape[:-1]
    grid = tuple(grid)
    square(grid, label)
    expect(label, "particles", f["particles"].shape, (n, steps, *grid, 1))
    expect(label, "force", f["force"].shape, (n, *grid, 2))
    stack = LazyStack(
        [
            Field(
                name,
                load_field(f[name], in_memory, label),
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
    return trajectory_dataset(stack, path, attrs, 2, task, input_steps)


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
        expect(label, key, f[key].shape, density.shape)
    n, steps, *grid = density.shape
    grid = tuple(grid)
    square(grid, label)
    stack = LazyStack(
        [Field(k, load_field(f[k], in_memory, label), grid) for k in fields], n, steps, grid, label
    )
    attrs = _pdebench_attrs(f, path, "cfd", "compressible-navier-stokes")
    attrs["channels"] = list(fields)
    if "t-coordinate" in f:
        attrs["t"] = np.asarray(f["t-coordinate"][()])
    return trajectory_dataset(stack, path, attrs, dims, task, input_steps)


def _file_parameters(stem: str) -> dict[str, float]:
    """Parameters written into PDEBench file names: ``Nu0.01`` → nu, ``beta1.0`` → beta, ..."""
    params = {}
    for token in stem.split("_"):
        match = _PARAM.match(token)
        if match:
            name = {"M": "mach"}.get(match[1], match[1].lower())
            params[name] = float(match[2])
    return params

"""Generate PDE datasets into HDF5: seeded, sharded, resumable, never half-written.

Sample i is drawn from ``SeedSequence([seed, i])`` and batch b holds samples
[b·B, (b+1)·B). Each finished batch is written atomically to ``OUT.parts/batch-b.npz``;
shard i/k computes the batches with b ≡ i (mod k), so k processes (or machines sharing the
folder) split one dataset, and a rerun skips finished batches. When every batch is there, the
parts are assembled into ``OUT`` (written under a temporary name, then renamed) and removed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from tqdm.auto import tqdm

import sciml
from sciml.core.files import LOCK_FILE, atomic_path, output_lock, write_json, write_npz
from sciml.data.pde import get_generator
from sciml.data.pde.base import PDEGenerator, draw
from sciml.data.pde.checks import check_params, check_seed
from sciml.data.pde.dataset import ArrayPairs, FieldDataset, TrajectoryPairs
from sciml.data.pde.readers import open_external, open_h5

FORMAT = "sciml-pde"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class GenerationResult:
    path: Path
    complete: bool
    batches_done: int
    batches_total: int
    batches_computed: int


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/k"`` → (i, k) with 0 ≤ i < k."""
    try:
        i, k = (int(part) for part in text.split("/"))
    except ValueError:
        raise ValueError(f"shard must look like i/k (e.g. 0/4), got {text!r}") from None
    if k < 1 or not 0 <= i < k:
        raise ValueError(f"shard i/k needs 0 <= i < k, got {text!r}")
    return i, k


def generate_dataset(
    name: str,
    out: str | os.PathLike,
    *,
    n: int,
    resolution: int,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    shard: tuple[int, int] | None = None,
    batch_size: int | None = None,
    progress: bool = True,
    device: str | None = None,
) -> GenerationResult:
    """Write ``n`` samples of PDE ``name`` at ``resolution`` to the HDF5 file ``out``.

    Sample i is drawn from ``SeedSequence([seed, i])``, so the file's bytes do not depend on
    batching, sharding or resuming. Finished batches are kept in ``OUT.parts/``; a killed
    run resumes where it stopped.

    Parameters
    ----------
    name : str
        A registered PDE (:func:`sciml.data.pde.generator_names`).
    out : str or os.PathLike
        The HDF5 file to write (atomically, once every batch is done).
    n : int
        Number of samples.
    resolution : int
        Grid points per axis.
    seed : int
        Dataset seed.
    params : mapping, optional
        Overrides of the generator's solver parameters.
    shard : (int, int), optional
        ``(i, k)``: compute only shard i of k's batches and do not assemble; run again
        without a shard to assemble.
    batch_size : int, optional
        Samples per batch (default: the generator's).
    progress : bool
        Show a tqdm bar.
    device : str, optional
        Where torch-based solvers run (``"cuda"``); it does not change the dataset.

    Returns
    -------
    GenerationResult
        ``path``, ``complete``, batches done / computed now / total.

    Raises
    ------
    ValueError
        For an unknown PDE or parameter, a bad ``n``/``resolution``/``batch_size``, or
        unfinished parts written with other settings.
    FileExistsError
        If ``out`` exists with other settings, or another process is writing it (the same
        shard, or any shard while this call assembles). Shards i/k of one dataset run side
        by side.

    Examples
    --------
    >>> result = generate_dataset("darcy", "darcy.h5", n=2, resolution=8, progress=False)
    >>> result.complete, result.batches_total
    (True, 1)
    >>> dataset_info("darcy.h5")["arrays"]["a"]
    {'shape': [2, 8, 8], 'dtype': 'float32'}
    """
    generator = get_generator(name)
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    generator.check_resolution(resolution)
    seed = check_seed(seed)
    merged = generator.params(params)
    check_params(generator.name, merged)
    batch = batch_size or generator.batch_size
    if not isinstance(batch, int) or batch < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch!r}")
    generator.check_device(device)
    index, count = shard or (0, 1)
    out = Path(out)
    if out.is_dir():
        raise ValueError(f"out={str(out)!r} is a folder; name the .h5 file to write")
    meta = {
        "equation": generator.name,
        "generator_version": generator.version,
        "n": n,
        "resolution": int(resolution),
        "seed": int(seed),
        "params": merged,
        "batch_size": batch,
    }
    n_batches = math.ceil(n / batch)
    if out.exists():
        _check_existing(out, meta)
        return GenerationResult(out, True, n_batches, n_batches, 0)

    parts = _parts_dir(out)
    with _parts_lock(parts, out, index, count):
        if out.exists():  # assembled by the process that held the lock before
            _check_existing(out, meta)
            return GenerationResult(out, True, n_batches, n_batches, 0)
        fresh = not (parts / "meta.json").exists()
        _claim_parts(parts, meta)
        mine = [b for b in range(index, n_batches, count) if not _batch_path(parts, b).exists()]
        bar = tqdm(mine, desc=f"{name} {resolution}", unit="batch", disable=not progress)
        try:
            for b in bar:
                indices = range(b * batch, min((b + 1) * batch, n))
                sample = draw(generator, indices, resolution, seed, merged, device, progress)
                for field_name, values in sample.items():
                    bad = ~np.isfinite(values).reshape(len(values), -1).all(axis=1)
                    if bad.any():
                        raise FloatingPointError(
                            f"{name}: sample {indices[int(np.argmax(bad))]} has NaN/Inf in "
                            f"{field_name!r}"
                        )
                write_npz(_batch_path(parts, b), sample)
        except BaseException:
            # a failed first batch (out of memory, NaN, Ctrl-C) leaves nothing to resume: remove
            # the folder this call made, so that it does not block a run with other settings
            if fresh and count == 1 and not any(parts.glob("batch-*.npz")):
                shutil.rmtree(parts, ignore_errors=True)
            raise
        done = sum(_batch_path(parts, b).exists() for b in range(n_batches))
        if count > 1 or done < n_batches:
            return GenerationResult(out, False, done, n_batches, len(mine))
        _assemble(generator, parts, out, meta)
        shutil.rmtree(parts, ignore_errors=True)
    return GenerationResult(out, True, n_batches, n_batches, len(mine))


@contextmanager
def _parts_lock(parts: Path, out: Path, index: int, count: int) -> Iterator[None]:
    """Locks in ``parts`` while batches of ``out`` are computed: shard i/k holds a shared lock
    on the folder (shards run side by side) and an exclusive one on its shard; a run of all
    batches, which also assembles ``out``, holds the folder's lock exclusively."""
    with ExitStack() as stack:
        stack.enter_context(output_lock(parts / LOCK_FILE, f"dataset {out}", shared=count > 1))
        if count > 1:
            shard_lock = parts / f".shard-{index}-of-{count}.lock"
            stack.enter_context(output_lock(shard_lock, f"shard {index}/{count} of {out}"))
        yield


def _parts_dir(out: Path) -> Path:
    return out.with_name(out.name + ".parts")


def _batch_path(parts: Path, b: int) -> Path:
    return parts / f"batch-{b:06d}.npz"


def _meta_differences(expected: Mapping[str, Any], found: Mapping[str, Any]) -> list[str]:
    return [
        f"{key}: {found.get(key)!r} there, {expected[key]!r} asked"
        for key in expected
        if json.loads(json.dumps(expected[key])) != found.get(key)
    ]


def _claim_parts(parts: Path, meta: Mapping[str, Any]) -> None:
    parts.mkdir(parents=True, exist_ok=True)
    meta_path = parts / "meta.json"
    if meta_path.exists():
        found = json.loads(meta_path.read_text())
        diff = _meta_differences(meta, found)
        if diff:
            raise ValueError(
                f"{parts} holds an unfinished dataset with other settings ({'; '.join(diff)}); "
                "resume it with the same settings or remove that folder"
            )
    else:
        write_json(meta_path, meta)


def _check_existing(out: Path, meta: Mapping[str, Any]) -> None:
    found = dataset_info(out)
    diff = _meta_differences(meta, found)
    if diff:
        raise FileExistsError(
            f"{out} already exists with other settings ({'; '.join(diff)}); "
            "choose another --out or remove it"
        )


def _assemble(generator: PDEGenerator, parts: Path, out: Path, meta: Mapping[str, Any]) -> None:
    n, batch = meta["n"], meta["batch_size"]
    with atomic_path(out) as tmp:
        with h5py.File(tmp, "w") as f:
            for b in range(math.ceil(n / batch)):
                with np.load(_batch_path(parts, b), allow_pickle=False) as arrays:
                    for key in arrays.files:
                        values = arrays[key]
                        if key not in f:
                            f.create_dataset(
                                key,
                                shape=(n, *values.shape[1:]),
                                dtype=values.dtype,
                                chunks=(1, *values.shape[1:]),
                            )
                        f[key][b * batch : b * batch + len(values)] = values
            coords = generator.coordinates(meta["resolution"], **meta["params"])
            for key, values in coords.items():
                f.create_dataset(f"coords/{key}", data=values)
            attrs = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "equation_text": generator.equation,
                "spatial_dims": generator.spatial_dims,
                "time_dependent": generator.time_dependent,
                "periodic": generator.periodic,
                "input_fields": json.dumps(generator.input_fields),
                "target_fields": json.dumps(generator.target_fields),
                "sciml_version": sciml.__version__,
                **{k: v for k, v in meta.items() if k != "params"},
                "params": json.dumps(meta["params"], sort_keys=True),
            }
            f.attrs.update(attrs)


def dataset_info(path: str | os.PathLike) -> dict[str, Any]:
    """Metadata and array shapes of a dataset file written by :func:`generate_dataset`.

    Parameters
    ----------
    path : str or os.PathLike
        A sciml HDF5 dataset file.

    Returns
    -------
    dict
        The file's attributes as plain values (``equation``, ``n``, ``resolution``,
        ``seed``, ``params``, ``input_fields``, ``target_fields``, ``spatial_dims``,
        ``time_dependent``, versions, ...) and ``arrays``: ``{name: {"shape", "dtype"}}`` for
        every stored array (fields and ``coords/...``).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a folder, an empty file or a file that is not HDF5 or not a sciml PDE dataset,
        or whose metadata or fields are missing or disagree in shape (the message names the
        file).

    See Also
    --------
    describe_dataset : The same, for every readable format, with non-finite samples.

    Examples
    --------
    >>> _ = generate_dataset("darcy", "darcy.h5", n=2, resolution=8, progress=False)
    >>> info = dataset_info("darcy.h5")
    >>> info["equation"], info["n"], info["resolution"], info["input_fields"]
    ('darcy', 2, 8, ['a'])
    >>> info["arrays"]["u"]
    {'shape': [2, 8, 8], 'dtype': 'float32'}
    """
    path = Path(path)
    with open_h5(path) as f:
        if f.attrs.get("format") != FORMAT:
            raise ValueError(f"{path} is not a sciml PDE dataset (no format={FORMAT!r} attribute)")
        info: dict[str, Any] = {
            key: value.item() if isinstance(value, np.generic) else value
            for key, value in f.attrs.items()
        }
        missing = [key for key in _REQUIRED_ATTRS if key not in info]
        if missing:
            raise ValueError(f"{path}: the metadata attributes {missing} are missing")
        for key in ("params", "input_fields", "target_fields"):
            try:
                info[key] = json.loads(info[key])
            except (TypeError, json.JSONDecodeError):
                raise ValueError(
                    f"{path}: the metadata attribute {key!r} is not valid JSON: {info[key]!r:.80}"
                ) from None
        info["arrays"] = {
            name: {"shape": list(obj.shape), "dtype": str(obj.dtype)} for name, obj in _walk(f)
        }
        _check_fields(path, info)
    return info


_REQUIRED_ATTRS = (
    "equation",
    "n",
    "resolution",
    "spatial_dims",
    "time_dependent",
    "params",
    "input_fields",
    "target_fields",
)


def _check_fields(path: Path, info: Mapping[str, Any]) -> None:
    """``ValueError`` naming the file unless every field the metadata lists is stored, and all
    of them with the shape (n, [frames,] *grid) of the metadata's n, resolution and dims."""
    arrays = info["arrays"]
    fields = list(dict.fromkeys(info["input_fields"] + info["target_fields"]))
    missing = [name for name in fields if name not in arrays]
    if missing:
        there = sorted(name for name in arrays if not name.startswith("coords/"))
        raise ValueError(
            f"{path}: the field(s) {missing} listed in its metadata are missing (it holds {there})"
        )
    shapes = {name: tuple(arrays[name]["shape"]) for name in fields}
    first, shape = next(iter(shapes.items()))
    for name, other in shapes.items():
        if other != shape:
            raise ValueError(
                f"{path}: field {first!r} has shape {shape} but {name!r} has {other}; the fields "
                "of one dataset share their samples and grid"
            )
    d, res, n = info["spatial_dims"], info["resolution"], info["n"]
    frames = shape[1:2] if info["time_dependent"] else ()
    expected = (n, *frames, *(res,) * d)
    if shape != expected:
        raise ValueError(
            f"{path}: the fields have shape {shape}, but its metadata says {n} samples"
            f"{' of ' + str(frames[0]) + ' frames' if frames else ''} on a {res}^{d} grid, "
            f"{expected}"
        )


def describe_dataset(path: str | os.PathLike) -> dict[str, Any]:
    """What ``sciml data info`` prints, for every format :func:`open_dataset` reads.

    A sciml HDF5 file gives :func:`dataset_info`; another format (neuraloperator ``.pt``,
    PDEBench, The Well) gives its samples, grid and field shapes. Both add ``non_finite``:
    per field the indices of the samples holding NaN or Inf (empty lists when all are finite).

    Parameters
    ----------
    path : str or os.PathLike
        A sciml HDF5 dataset, or a file :func:`~sciml.data.pde.readers.open_external` reads.

    Returns
    -------
    dict
        For a sciml file, :func:`dataset_info` with ``non_finite`` = ``{field: [indices]}``.
        Otherwise ``file``, ``format`` (``"external"``), ``samples``, ``spatial_dims``,
        ``resolution``, ``input_shape``, ``target_shape`` (of one pair), ``attrs`` (the
        reader's) and ``non_finite`` = ``{"input": [...], "target": [...]}`` (pair indices).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a file of no known format, a folder or an empty file, or a file whose fields are
        missing or disagree in shape.

    See Also
    --------
    dataset_info : Metadata of a sciml file, without the scan for NaN and Inf.

    Examples
    --------
    >>> _ = generate_dataset("darcy", "darcy.h5", n=2, resolution=8, progress=False)
    >>> describe_dataset("darcy.h5")["non_finite"]
    {'a': [], 'u': []}
    >>> import torch
    >>> torch.save({"x": torch.rand(3, 8, 8), "y": torch.rand(3, 8, 8)}, "darcy_train_8.pt")
    >>> info = describe_dataset("darcy_train_8.pt")
    >>> info["samples"], info["input_shape"], info["non_finite"]
    (3, [1, 8, 8], {'input': [], 'target': []})
    """
    path = Path(path)
    if path.suffix != ".pt":
        with open_h5(path) as f:
            ours = f.attrs.get("format") == FORMAT
        if ours:
            info = dataset_info(path)
            fields = dict.fromkeys(info["input_fields"] + info["target_fields"])
            with open_h5(path) as f:
                info["non_finite"] = {name: _non_finite_rows(f[name]) for name in fields}
            return info
    dataset = open_dataset(path)
    bad: dict[str, list[int]] = {"input": [], "target": []}
    for index in range(len(dataset)):
        for label, value in zip(bad, dataset.source.pair(index), strict=True):
            if not np.isfinite(value).all():
                bad[label].append(index)
    x, y = dataset.source.pair(0)
    return {
        "file": str(path),
        "format": "external",
        "samples": len(dataset),
        "spatial_dims": dataset.spatial_dims,
        "resolution": dataset.native_resolution,
        "input_shape": list(np.shape(x)),
        "target_shape": list(np.shape(y)),
        "attrs": dict(dataset.attrs),
        "non_finite": bad,
    }


def _non_finite_rows(array: h5py.Dataset, chunk: int = 256) -> list[int]:
    """Indices i along the first axis where array[i] holds NaN or Inf (read ``chunk`` rows at
    a time)."""
    bad: list[int] = []
    for start in range(0, array.shape[0], chunk):
        block = np.asarray(array[start : start + chunk])
        finite = np.isfinite(block.reshape(block.shape[0], -1)).all(axis=1)
        bad.extend(int(start + i) for i in np.flatnonzero(~finite))
    return bad


def _walk(group: h5py.Group, prefix: str = ""):
    for key, obj in group.items():
        if isinstance(obj, h5py.Dataset):
            yield prefix + key, obj
        else:
            yield from _walk(obj, prefix + key + "/")


def open_dataset(
    path: str | os.PathLike,
    *,
    task: str = "next-step",
    input_steps: int = 1,
    **external: Any,
) -> FieldDataset:
    """A :class:`FieldDataset` of (input, target) pairs from a dataset file.

    A sciml HDF5 file is read into memory; any other file (PDEBench, The Well,
    neuraloperator ``.pt``) goes to :func:`sciml.data.pde.readers.open_external`.
    Stationary problems pair inputs with targets (Darcy: a → u); trajectories give
    next-step pairs or, with ``task="final"``, the first ``input_steps`` frames → last frame.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    task : {"next-step", "final"}
        For trajectories: what the target is.
    input_steps : int
        Frames stacked as input channels.
    **external
        Options for external formats (see :func:`~sciml.data.pde.readers.open_external`).

    Returns
    -------
    FieldDataset
        ``dataset[i]`` is an (x, y) pair of float32 tensors ``(channels, *grid)``;
        ``dataset.at_resolution(r)`` views it on a coarser grid.

    Raises
    ------
    ValueError
        For a file of no known format, a folder or an empty file, or a file with fields
        missing or of shapes that disagree (the message names the file and the shapes).

    Examples
    --------
    >>> _ = generate_dataset("darcy", "darcy.h5", n=3, resolution=16, progress=False)
    >>> data = open_dataset("darcy.h5")
    >>> len(data), [tuple(t.shape) for t in data[0]]
    (3, [(1, 16, 16), (1, 16, 16)])
    >>> tuple(data.at_resolution(8)[0][0].shape)
    (1, 8, 8)
    """
    path = Path(path)
    if path.suffix == ".pt":
        return open_external(path, **external)
    with open_h5(path) as f:
        ours = f.attrs.get("format") == FORMAT
    if not ours:
        return open_external(path, task=task, input_steps=input_steps, **external)
    info = dataset_info(path)  # checks that the fields are there and agree in shape
    with open_h5(path) as f:
        if info["time_dependent"]:
            u = np.stack([f[k][()] for k in info["input_fields"]], axis=2)
            source: Any = TrajectoryPairs(u, task=task, input_steps=input_steps)
        else:
            source = ArrayPairs(
                np.stack([f[k][()] for k in info["input_fields"]], axis=1),
                np.stack([f[k][()] for k in info["target_fields"]], axis=1),
            )
    d, native = info["spatial_dims"], info["resolution"]
    return FieldDataset(
        source, spatial_dims=d, native_resolution=native, name=path.name, attrs=info
    )

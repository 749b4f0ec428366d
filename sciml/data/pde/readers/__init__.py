"""Readers for PDE data files users already have, one module per format: PDEBench HDF5
(:mod:`.pdebench`), neuraloperator ``.pt`` (:mod:`.neuralop_pt`) and The Well HDF5
(:mod:`.the_well`); :func:`open_external` picks one from the file. Each returns a
:class:`~sciml.data.pde.dataset.FieldDataset`.

Channels come first, then the grid: pairs are ``(C, *grid)``; trajectories are seen as
``u`` of shape (N, T, C, *grid). Grids must have the same number of points on every axis.
HDF5 files can be read lazily (``in_memory=False``): the file stays open and each sample is
read when indexed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sciml.data.pde.dataset import FieldDataset
from sciml.data.pde.readers.common import open_h5
from sciml.data.pde.readers.neuralop_pt import read_neuralop_file, read_neuralop_pt
from sciml.data.pde.readers.pdebench import (
    LAYOUT_TITLES,
    PDEBENCH_LAYOUTS,
    pdebench_layout,
    read_pdebench,
)
from sciml.data.pde.readers.the_well import is_the_well, read_the_well

_PT_NAME = re.compile(r"^(?P<name>.+)_(?P<split>train|test)_(?P<resolution>\d+)\.pt$")


def open_external(path: str | Path, **kwargs: Any) -> FieldDataset:
    """Open a PDE data file of a known external format, detected from its content or suffix.

    ``.pt`` named ``{name}_{split}_{resolution}.pt`` → :func:`read_neuralop_pt`, any other
    ``.pt`` → :func:`read_neuralop_file`; HDF5 with The Well layout → :func:`read_the_well`;
    HDF5 with a PDEBench layout → :func:`read_pdebench`. ``kwargs`` go to the chosen reader.
    An HDF5 file of no known layout raises ``ValueError`` naming its keys.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    **kwargs
        Options of the chosen reader (``task``, ``input_steps``, ``in_memory``, ``fields``
        for HDF5; none for ``.pt`` files).

    Returns
    -------
    FieldDataset
        (input, target) pairs ``(C, *grid)``; ``attrs["format"]`` names the format.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        For a folder, an empty file, a file that is not HDF5 (other than ``.pt``), an HDF5
        file of no known layout (the message lists its keys), or what the chosen reader
        refuses.
    TypeError
        For an option the chosen reader does not take.

    See Also
    --------
    sciml.data.pde.store.open_dataset : Opens sciml files too, and passes others here.

    Examples
    --------
    >>> import h5py, numpy as np
    >>> with h5py.File("1D_Burgers_Sols_Nu0.01.hdf5", "w") as f:
    ...     f["tensor"] = np.zeros((2, 5, 16), dtype=np.float32)  # (N, T, X)
    >>> data = open_external("1D_Burgers_Sols_Nu0.01.hdf5", task="next-step")
    >>> data
    FieldDataset('1D_Burgers_Sols_Nu0.01.hdf5': burgers, 8 samples, grid 16^1)
    >>> data.attrs["format"], data.attrs["nu"]
    ('pdebench', 0.01)
    >>> with h5py.File("other.h5", "w") as f:
    ...     f["q"] = np.zeros(3)
    >>> open_external("other.h5")
    Traceback (most recent call last):
    ...
    ValueError: other.h5: unknown layout with keys ['q']; expected The Well ...
    """
    path = Path(path)
    if path.suffix == ".pt":
        match = _PT_NAME.match(path.name)
        if match is None:
            return read_neuralop_file(path, **kwargs)
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
        f"t0/t1/t2_fields) or PDEBench ({'; '.join(LAYOUT_TITLES.values())})"
    )


__all__ = [
    "PDEBENCH_LAYOUTS",
    "is_the_well",
    "open_external",
    "open_h5",
    "pdebench_layout",
    "read_neuralop_file",
    "read_neuralop_pt",
    "read_pdebench",
    "read_the_well",
]

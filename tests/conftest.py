"""pytest-xdist runs one worker per core: keep BLAS and torch to one thread each."""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import h5py  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)


def _every_dataset(path):
    """Every dataset of an HDF5 file (fields and coordinates) as bytes, by its full name."""
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: found.update({name: obj[()].tobytes()})
            if isinstance(obj, h5py.Dataset)
            else None
        )
    return found


@pytest.fixture
def every_dataset():
    return _every_dataset

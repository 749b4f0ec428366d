"""PDE datasets: seeded generators, the HDF5 store, coarser views and external readers.

A new PDE is one module with a :class:`PDEGenerator` instance and one line below."""

from __future__ import annotations

from sciml.core.lazy import lazy_exports
from sciml.core.registry import Registry
from sciml.data.pde.base import PDEGenerator, draw, sample_rng

PDE_GENERATORS = Registry("PDE")
PDE_GENERATORS.register("darcy", "sciml.data.pde.darcy:DARCY", help="2D Darcy flow")
PDE_GENERATORS.register("burgers", "sciml.data.pde.burgers:BURGERS", help="1D viscous Burgers")
PDE_GENERATORS.register(
    "navier-stokes", "sciml.data.pde.navier_stokes:NAVIER_STOKES", help="2D vorticity, decaying"
)
PDE_GENERATORS.register(
    "kolmogorov", "sciml.data.pde.navier_stokes:KOLMOGOROV", help="2D vorticity, forced"
)


def generator_names() -> list[str]:
    """Names accepted by :func:`get_generator` and ``sciml data generate``.

    Returns
    -------
    list of str
        The registered PDEs, in registration order.

    Examples
    --------
    >>> generator_names()
    ['darcy', 'burgers', 'navier-stokes', 'kolmogorov']
    """
    return list(PDE_GENERATORS.names())


def get_generator(name: str) -> PDEGenerator:
    """The generator registered as ``name``.

    Parameters
    ----------
    name : str
        One of :func:`generator_names`.

    Returns
    -------
    PDEGenerator
        Its ``generate(n, resolution, seed)`` draws samples.

    Raises
    ------
    ValueError
        For an unknown name, listing the known ones.

    Examples
    --------
    >>> get_generator("darcy").input_fields
    ('a',)
    >>> get_generator("heat")
    Traceback (most recent call last):
    ...
    ValueError: unknown PDE 'heat'; choose from 'darcy', 'burgers', 'navier-stokes', 'kolmogorov'
    """
    return PDE_GENERATORS[name]


# Loaded on first use, so that importing the package (the CLI listing the PDEs) imports no
# h5py or torch.
_EXPORTS = {
    "generate_dataset": "sciml.data.pde.store",
    "open_dataset": "sciml.data.pde.store",
    "dataset_info": "sciml.data.pde.store",
    "describe_dataset": "sciml.data.pde.store",
    "FieldDataset": "sciml.data.pde.dataset",
    "preset_params": "sciml.data.pde.presets",
    "open_external": "sciml.data.pde.readers",
    "open_h5": "sciml.data.pde.readers",
    "is_the_well": "sciml.data.pde.readers",
    "pdebench_layout": "sciml.data.pde.readers",
    "read_neuralop_file": "sciml.data.pde.readers",
    "read_neuralop_pt": "sciml.data.pde.readers",
    "read_pdebench": "sciml.data.pde.readers",
    "read_the_well": "sciml.data.pde.readers",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "PDE_GENERATORS",
    "PDEGenerator",
    "draw",
    "generator_names",
    "get_generator",
    "sample_rng",
    *_EXPORTS,
]

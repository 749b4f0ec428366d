"""PDE datasets: seeded generators, the HDF5 store, coarser views and external readers."""

from __future__ import annotations

from importlib import import_module

from sciml.data.pde.base import PDEGenerator, draw, sample_rng

_GENERATORS = {
    "darcy": "sciml.data.pde.darcy:DARCY",
    "burgers": "sciml.data.pde.burgers:BURGERS",
    "navier-stokes": "sciml.data.pde.navier_stokes:NAVIER_STOKES",
    "kolmogorov": "sciml.data.pde.navier_stokes:KOLMOGOROV",
}


def generator_names() -> list[str]:
    """Names accepted by :func:`get_generator` and ``sciml data generate``."""
    return list(_GENERATORS)


def get_generator(name: str) -> PDEGenerator:
    """The generator registered as ``name`` (``darcy``, ``burgers``, ``navier-stokes``, ...)."""
    try:
        target = _GENERATORS[name]
    except KeyError:
        raise ValueError(f"unknown PDE {name!r}; choose one of {', '.join(_GENERATORS)}") from None
    module, attr = target.split(":")
    return getattr(import_module(module), attr)


__all__ = ["PDEGenerator", "draw", "generator_names", "get_generator", "sample_rng"]

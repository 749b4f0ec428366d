"""Sparse test matrices: shipped SuiteSparse files, the pyamg gallery and generators.

``load_matrix("HB/bcsstk15")``, ``load_matrix("poisson2d-64")``,
``load_matrix("synthetic-clustered-500", cond=1e6, seed=1)``; ``list_matrices()`` for the
catalogue, ``matrix_info(name)`` for measured properties. The generator functions are also
importable from here (loaded on first use).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from sciml.data.matrices.collection import MatrixInfo, list_matrices, load_matrix, matrix_info

_GENERATORS = (
    "LeastSquaresProblem",
    "SPECTRUM_PROFILES",
    "anisotropic2d",
    "coherence",
    "darcy",
    "least_squares",
    "leverage_scores",
    "poisson2d",
    "poisson3d",
    "synthetic",
    "synthetic_spectrum",
    "synthetic_symmetric",
)


def __getattr__(name: str) -> Any:
    if name in _GENERATORS:
        return getattr(import_module("sciml.data.matrices.generators"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MatrixInfo", "list_matrices", "load_matrix", "matrix_info", *_GENERATORS]

"""The shared base of the project: atomic file writes, figure saving, argument checks, shared
constants, registries, lazy package exports and the seeding of libraries that use NumPy's
global generator. It imports nothing else of the project, so every package (``sciml``,
``solvers``, ``linalg_discovery``, ``benchmarks``) may import it; figure saving
(:mod:`sciml.core.figures`) is imported on its own, as it loads matplotlib."""

from sciml.core.checks import (
    check_choice,
    check_integer,
    check_nonnegative,
    check_positive,
    check_probability,
    check_tolerance,
)
from sciml.core.constants import (
    CHECKPOINT_FILE,
    FIGURE_DPI,
    METRICS_FILE,
    SYMMETRY_RTOL,
)
from sciml.core.files import (
    atomic_path,
    save_torch,
    write_bytes,
    write_json,
    write_npz,
    write_text,
)
from sciml.core.lazy import lazy_exports
from sciml.core.registry import Registry
from sciml.core.rng import numpy_global_seed

__all__ = [
    "CHECKPOINT_FILE",
    "FIGURE_DPI",
    "METRICS_FILE",
    "SYMMETRY_RTOL",
    "Registry",
    "atomic_path",
    "check_choice",
    "check_integer",
    "check_nonnegative",
    "check_positive",
    "check_probability",
    "check_tolerance",
    "lazy_exports",
    "numpy_global_seed",
    "save_torch",
    "write_bytes",
    "write_json",
    "write_npz",
    "write_text",
]

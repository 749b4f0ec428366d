"""The shared base of the project: atomic file writes, figure saving, argument checks, shared
constants and registries. It imports nothing else of the project, so every package
(``sciml``, ``solvers``, ``linalg_discovery``, ``benchmarks``) may import it."""

from sciml.core.checks import (
    check_choice,
    check_integer,
    check_nonnegative,
    check_positive,
    check_probability,
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
from sciml.core.registry import Registry

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
    "save_torch",
    "write_bytes",
    "write_json",
    "write_npz",
    "write_text",
]

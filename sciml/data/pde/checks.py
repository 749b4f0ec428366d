"""Checks of a generation's settings that run before anything touches the disk, so that a
refused command leaves no ``OUT.h5.parts`` folder behind to block the corrected one.

The rules go by parameter name (the generators share names: ``nu``, ``t_final``, ...): every
numeric parameter must be finite, and the named ones must also lie in their range.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from sciml.core.rng import SEED_MAX
from sciml.core.rng import check_seed as check_integer_seed

Rule = tuple[str, Callable[[float], bool]]

_POSITIVE: Rule = ("a positive number", lambda v: v > 0)
_NON_NEGATIVE: Rule = ("a non-negative number", lambda v: v >= 0)
_FRACTION: Rule = ("a number in (0, 1)", lambda v: 0 < v < 1)
_FRAMES: Rule = ("an integer >= 2 (frames per trajectory)", lambda v: v >= 2)
_WAVENUMBER: Rule = ("a positive integer", lambda v: v >= 1)

RULES: dict[str, Rule] = {
    **dict.fromkeys(
        ("nu", "t_final", "dt", "frame_dt", "dt_max", "cfl", "max_velocity", "atol"), _POSITIVE
    ),
    **dict.fromkeys(("alpha", "tau", "sigma", "a_high", "a_low"), _POSITIVE),
    **dict.fromkeys(("drag", "t_burn"), _NON_NEGATIVE),
    "rtol": _FRACTION,
    "n_times": _FRAMES,
    "forcing_wavenumber": _WAVENUMBER,
}


def check_params(generator_name: str, params: Mapping[str, Any]) -> None:
    """``ValueError`` naming the first parameter that is not finite or out of its range."""
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            continue
        if not math.isfinite(float(value)):
            raise ValueError(f"parameter {key!r} of {generator_name} must be finite, got {value!r}")
        if key in RULES and not RULES[key][1](float(value)):
            raise ValueError(
                f"parameter {key!r} of {generator_name} must be {RULES[key][0]}, got {value!r}"
            )


def check_seed(seed: object) -> int:
    """``seed`` as an int, or ``ValueError`` unless it is an integer >= 0 (NumPy's
    ``SeedSequence`` takes no negative entropy)."""
    # stored as an HDF5 attribute, and by torch generators: at most 2⁶⁴ − 1
    return check_integer_seed(check_integer_seed(seed), maximum=SEED_MAX)

"""Argument checks. Each returns the value (converted to a plain Python type) or raises the
project's one form of error, ``ValueError("<name> must be <what>, got <value!r>")``."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def _fail(name: str, expected: str, value: object) -> ValueError:
    return ValueError(f"{name} must be {expected}, got {value!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def check_integer(value: object, name: str, *, minimum: int | None = None) -> int:
    """``value`` as an ``int``, at least ``minimum`` when given.

    Examples
    --------
    >>> check_integer(3, "epochs", minimum=1)
    3
    >>> check_integer(0, "epochs", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: epochs must be an integer >= 1, got 0
    """
    expected = "an integer" if minimum is None else f"an integer >= {minimum}"
    if not _is_int(value) or (minimum is not None and value < minimum):
        raise _fail(name, expected, value)
    return int(value)


def check_positive(value: object, name: str, *, integer: bool = False) -> float | int:
    """``value`` as a finite number > 0 (an ``int`` ≥ 1 with ``integer=True``).

    Examples
    --------
    >>> check_positive(0.5, "lr")
    0.5
    >>> check_positive(-1, "lr")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a positive number, got -1
    """
    if integer:
        if not _is_int(value) or value < 1:
            raise _fail(name, "a positive integer", value)
        return int(value)
    if not _is_real(value) or value <= 0:
        raise _fail(name, "a positive number", value)
    return float(value)


def check_nonnegative(value: object, name: str, *, integer: bool = False) -> float | int:
    """``value`` as a finite number ≥ 0 (an ``int`` with ``integer=True``).

    Examples
    --------
    >>> check_nonnegative(0, "seed", integer=True)
    0
    """
    if integer:
        if not _is_int(value) or value < 0:
            raise _fail(name, "a non-negative integer", value)
        return int(value)
    if not _is_real(value) or value < 0:
        raise _fail(name, "a non-negative number", value)
    return float(value)


def check_probability(value: object, name: str) -> float:
    """``value`` as a float in [0, 1].

    Examples
    --------
    >>> check_probability(1.5, "dropout")
    Traceback (most recent call last):
    ...
    ValueError: dropout must be a number in [0, 1], got 1.5
    """
    if not _is_real(value) or not 0 <= value <= 1:
        raise _fail(name, "a number in [0, 1]", value)
    return float(value)


def check_choice(value: Any, name: str, choices: Iterable[T]) -> T:
    """``value`` if it is one of ``choices``.

    Examples
    --------
    >>> check_choice("cosine", "schedule", ("step", "cosine"))
    'cosine'
    >>> check_choice("linear", "schedule", ("step", "cosine"))
    Traceback (most recent call last):
    ...
    ValueError: schedule must be one of 'step', 'cosine', got 'linear'
    """
    options = tuple(choices)
    if value not in options:
        raise _fail(name, "one of " + ", ".join(repr(c) for c in options), value)
    return value

"""Argument checks. Each returns the value (converted to a plain Python type) or raises the
project's one form of error, ``ValueError("<name> must be <what>, got <value!r>")``."""

from __future__ import annotations

import math
import numbers
import sys
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

    Parameters
    ----------
    value : object
        The value to check: an integral number (Python or NumPy integer); ``bool`` and
        integral floats such as ``3.0`` are refused.
    name : str
        The argument's name, for the message.
    minimum : int, optional
        The smallest value accepted (keyword-only); None (the default) sets no bound.

    Returns
    -------
    int
        ``value`` as a plain ``int``.

    Raises
    ------
    ValueError
        ``"<name> must be an integer[ >= minimum], got <value!r>"`` if ``value`` is not an
        integer or is below ``minimum``.

    See Also
    --------
    check_positive : A number > 0, or an integer ≥ 1.
    check_nonnegative : A number ≥ 0, or an integer ≥ 0.

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

    Parameters
    ----------
    value : object
        The value to check: a real number (``bool``, NaN and ±inf are refused).
    name : str
        The argument's name, for the message.
    integer : bool, default False
        Keyword-only. If True, require an integer ≥ 1 and return an ``int``.

    Returns
    -------
    float or int
        ``value`` as a ``float``, or as an ``int`` with ``integer=True``.

    Raises
    ------
    ValueError
        ``"<name> must be a positive number, got <value!r>"`` (or ``a positive integer``)
        if ``value`` is not a finite number > 0 (not an integer ≥ 1 with ``integer=True``).

    See Also
    --------
    check_nonnegative : The same with 0 allowed.
    check_integer : An integer with an optional lower bound.

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

    Parameters
    ----------
    value : object
        The value to check: a real number (``bool``, NaN and ±inf are refused).
    name : str
        The argument's name, for the message.
    integer : bool, default False
        Keyword-only. If True, require an integer ≥ 0 and return an ``int``.

    Returns
    -------
    float or int
        ``value`` as a ``float``, or as an ``int`` with ``integer=True``.

    Raises
    ------
    ValueError
        ``"<name> must be a non-negative number, got <value!r>"`` (or ``a non-negative
        integer``) if ``value`` is not a finite number ≥ 0 (an integer ≥ 0).

    See Also
    --------
    check_positive : The same with 0 refused.
    check_integer : An integer with an optional lower bound.

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

    Parameters
    ----------
    value : object
        The value to check: a real number (``bool``, NaN and ±inf are refused).
    name : str
        The argument's name, for the message.

    Returns
    -------
    float
        ``value`` as a ``float``.

    Raises
    ------
    ValueError
        ``"<name> must be a number in [0, 1], got <value!r>"`` if ``value`` is not a real
        number in the closed interval [0, 1].

    Examples
    --------
    >>> check_probability(0.25, "dropout")
    0.25
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

    Parameters
    ----------
    value : Any
        The value to check (compared with ``==``, as by ``in``).
    name : str
        The argument's name, for the message.
    choices : iterable
        The accepted values, listed in that order in the message.

    Returns
    -------
    object
        ``value`` itself (not converted).

    Raises
    ------
    ValueError
        ``"<name> must be one of <choices>, got <value!r>"`` if ``value`` is not among
        ``choices``.

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


def check_tolerance(value: object, name: str) -> float:
    """``value`` as a relative tolerance a residual test can certify: a float in [ε, 1), ε the
    float64 machine epsilon.

    Parameters
    ----------
    value : object
        The tolerance (``bool`` and non-numbers are refused).
    name : str
        The argument's name, for the message.

    Returns
    -------
    float
        ``value`` as a ``float``.

    Raises
    ------
    ValueError
        ``"<name> must be a number in [2.22e-16, 1), got <value!r>"`` otherwise; for 0 (which
        SciPy reads as machine precision) the message says what to pass instead.

    Examples
    --------
    >>> check_tolerance(1e-8, "rtol")
    1e-08
    >>> check_tolerance(0, "tol")
    Traceback (most recent call last):
    ...
    ValueError: tol must be a number in [2.22e-16, 1), got 0 (SciPy reads 0 as machine ...
    """
    eps = sys.float_info.epsilon
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not eps <= value < 1:
        hint = (
            " (SciPy reads 0 as machine precision, which no residual test can certify: "
            "pass e.g. 1e-12)"
            if isinstance(value, numbers.Real) and value == 0
            else ""
        )
        raise ValueError(f"{name} must be a number in [{eps:.3g}, 1), got {value!r}{hint}")
    return float(value)

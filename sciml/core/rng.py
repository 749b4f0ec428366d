"""Seeds: the check of a ``seed`` argument (:func:`check_seed`), and the random state of
libraries that draw from NumPy's global generator (pyamg's spectral-radius estimates), seeded
for the call and the caller's global state restored afterwards."""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

LEGACY_SEED_MAX = 2**32 - 1  # the largest seed of NumPy's global (legacy) generator
SEED_MAX = 2**64 - 1  # the largest seed torch takes and an HDF5 attribute stores


def check_seed(seed: object, name: str = "seed", *, maximum: int | None = None) -> int:
    """``seed`` as an ``int`` ≥ 0 (and ≤ ``maximum`` when given), or ``ValueError`` naming
    ``name``, before NumPy or torch would refuse it in their own words.

    Parameters
    ----------
    seed : object
        The value to check (``bool`` is refused, NumPy integers are accepted).
    name : str
        The argument's name in the message.
    maximum : int, optional
        The largest seed accepted (:data:`LEGACY_SEED_MAX` for NumPy's global generator).

    Returns
    -------
    int
        ``seed`` as a plain ``int``.

    Raises
    ------
    ValueError
        Naming ``name``, what was expected and the value.

    Examples
    --------
    >>> check_seed(7)
    7
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer >= 0, got -1
    >>> check_seed(2**32, maximum=LEGACY_SEED_MAX)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer in [0, 4294967295], got 4294967296
    """
    expected = "an integer >= 0" if maximum is None else f"an integer in [0, {maximum}]"
    if (
        isinstance(seed, bool)
        or not isinstance(seed, numbers.Integral)
        or seed < 0
        or (maximum is not None and seed > maximum)
    ):
        raise ValueError(f"{name} must be {expected}, got {seed!r}")
    return int(seed)


@contextmanager
def numpy_global_seed(seed: int) -> Iterator[None]:
    """Seed NumPy's global generator for the block, restoring its previous state on exit.

    Within the block ``np.random`` is seeded with ``seed``; on exit (also on an exception)
    its previous state is restored, so the user's global stream is left as it was.

    Parameters
    ----------
    seed : int
        The seed, in [0, 2³² − 1] (:data:`LEGACY_SEED_MAX`), as ``np.random.seed`` takes.

    Yields
    ------
    None
        Nothing; the block runs with the seeded global generator.

    Raises
    ------
    ValueError
        If ``seed`` is not an integer in [0, 2³² − 1] (checked by :func:`check_seed` on
        entering the block).

    Examples
    --------
    >>> import numpy as np
    >>> np.random.seed(1); before = np.random.get_state()[1].copy()
    >>> with numpy_global_seed(0):
    ...     first = np.random.rand()
    >>> with numpy_global_seed(0):
    ...     again = np.random.rand()
    >>> first == again, bool((np.random.get_state()[1] == before).all())
    (True, True)
    """
    seed = check_seed(seed, maximum=LEGACY_SEED_MAX)
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002 (the legacy global generator, managed here)
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002

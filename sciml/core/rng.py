"""Random state of libraries that draw from NumPy's global generator (pyamg's spectral-radius
estimates): seeded for the call, and the caller's global state restored afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


@contextmanager
def numpy_global_seed(seed: int) -> Iterator[None]:
    """Within the block ``np.random`` is seeded with ``seed``; on exit its previous state is
    restored, so the user's global stream is left as it was.

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
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002 (the legacy global generator, managed here)
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002

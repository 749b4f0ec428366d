"""The operator families of :func:`solvers.family.fit_preconditioner` (``sciml precond train
--family``): name → ``member(index, size)``, the SPD matrix of member ``index`` (seeded by it)
on a ``size``×``size`` grid. Listing the names imports nothing heavy: the generators load on
first use. A new family is one function and one ``register`` line below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sciml.core.registry import Registry

if TYPE_CHECKING:
    import scipy.sparse as sp

# size² unknowns must exceed the probe's Lanczos steps (ModelConfig.probe_steps = 20), or the
# probe sees the exact spectrum, unlike on the matrices the model will precondition
MIN_SIZE = 5
MAX_SIZE = 70  # size² ≤ solvers.family.MAX_ROWS = 5000: exact spectra by dense eigvalsh


def _darcy(index: int, size: int) -> sp.csr_matrix:
    from sciml.data.matrices import darcy

    return darcy(size, seed=index)


def _anisotropic(index: int, size: int) -> sp.csr_matrix:
    from sciml.data.matrices import anisotropic2d

    rng = np.random.default_rng([index, 17])
    return anisotropic2d(size, epsilon=10.0 ** rng.uniform(-3.0, 0.0), theta=rng.uniform(0, np.pi))


FAMILIES = Registry("preconditioner family")
FAMILIES.register("darcy", _darcy, help="-div(a grad u), a a thresholded Gaussian random field")
FAMILIES.register(
    "anisotropic", _anisotropic, help="rotated anisotropic diffusion, eps 10^U(-3,0), theta U(0,pi)"
)

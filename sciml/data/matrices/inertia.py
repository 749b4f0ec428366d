"""Eigenvalue counts of a sparse symmetric matrix by Sylvester's law of inertia: with a
symmetric permutation P and diagonal pivots only, P(A − μI)Pᵀ = L D Lᵀ (SuperLU's U = D Lᵀ),
and the number of negative entries of D is the number of eigenvalues of A below μ."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def symmetric_lu(a) -> spla.SuperLU:
    """SuperLU of ``a`` with a symmetric fill-reducing ordering and diagonal pivots
    (SymmetricMode); its pivots give the inertia when ``perm_r == perm_c``. Raises SuperLU's
    ``RuntimeError`` for an exactly singular ``a``."""
    return spla.splu(
        sp.csc_matrix(a),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )


def count_below(a, mu: float) -> int | None:
    """ν(A − μI), the number of eigenvalues of the symmetric sparse ``a`` below ``mu``.

    Returns ``None`` where the count is not certain: a zero or non-finite pivot (μ an
    eigenvalue, or a breakdown) or a factorisation whose row and column permutations differ.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp
    >>> a = sp.diags(np.array([1.0, 2.0, 2.0, 5.0]))
    >>> count_below(a, 2.5), count_below(a, 0.0), count_below(a, 2.0)
    (3, 0, None)
    """
    shifted = sp.csc_matrix(a) - float(mu) * sp.identity(a.shape[0], format="csc")
    try:
        lu = symmetric_lu(shifted)
    except RuntimeError:  # exactly singular
        return None
    pivots = lu.U.diagonal()
    if not np.array_equal(lu.perm_r, lu.perm_c) or not np.all(np.isfinite(pivots) & (pivots != 0)):
        return None
    return int(np.count_nonzero(pivots < 0.0))

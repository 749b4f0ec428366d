"""CG on 2 gloo processes: same solution and counts as a serial CG with the same polynomial."""

import numpy as np
import pytest

from sciml.data.matrices import poisson2d
from solvers.distributed import distributed_cg, predicted_seconds
from solvers.preconditioner import polynomial_preconditioner


def test_two_ranks_solve_and_count_like_serial_cg():
    a = poisson2d(12)
    b = np.random.default_rng(0).standard_normal(a.shape[0])
    m = polynomial_preconditioner(a, 5, "chebyshev", 0)
    out = distributed_cg(
        a, b, {"jacobi": None, "chebyshev": m.polynomial}, repeats=1, calibration=2
    )
    for label in ("jacobi", "chebyshev"):
        row = out[label]
        assert row["converged"]
        assert np.linalg.norm(a @ row["x"] - b) <= 1e-8 * np.linalg.norm(b)
        # one reduction at the start, then ⟨p, Ap⟩ and (⟨r, z⟩, ⟨r, r⟩) per iteration
        assert row["reductions"] == 1 + 2 * row["iterations"]
        degree = 0 if label == "jacobi" else 5
        assert row["matvecs"] == row["iterations"] + degree * (row["iterations"] + 1)
        unit = row["unit_costs"]
        assert unit["t_matvec"] > 0 and unit["t_reduction"] > 0 and unit["t_cg_iteration"] > 0
        assert (unit["t_poly_step"] > 0) == (label != "jacobi")
        assert row["predicted_seconds"] == predicted_seconds(
            row["matvecs"], row["reductions"], row["iterations"], unit
        )
    # serial CG on the same scaled system takes the same number of iterations (±1)
    import scipy.sparse.linalg as spla

    steps = [0]
    spla.cg(a, b, rtol=1e-8, M=m, callback=lambda _: steps.__setitem__(0, steps[0] + 1))
    assert abs(out["chebyshev"]["iterations"] - steps[0]) <= 1


def test_bad_input():
    with pytest.raises(ValueError, match="world must be"):
        distributed_cg(poisson2d(4), np.ones(16), {"jacobi": None}, world=0)


def test_cost_model_adds_communication_and_local_work():
    unit = {"t_matvec": 2.0, "t_reduction": 3.0, "t_cg_iteration": 5.0, "t_poly_step": 7.0}
    # 4 iterations with a degree-2 polynomial: 4 + 2·5 = 14 matvecs, 10 of them inside M
    assert predicted_seconds(14, 9, 4, unit) == 14 * 2.0 + 9 * 3.0 + 4 * 5.0 + 10 * 7.0

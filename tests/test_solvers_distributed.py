"""CG on 2 gloo processes: same solution and counts as a serial CG with the same polynomial."""

import numpy as np
import pytest
import torch

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


def test_torch_path_on_cpu_matches_the_numpy_path():
    """The tensor path (the one CUDA runs) on gloo: same counts, same solution to 1e-10."""
    a = poisson2d(10)
    b = np.random.default_rng(1).standard_normal(a.shape[0])
    polys = {
        "jacobi": None,
        "chebyshev": polynomial_preconditioner(a, 4, "chebyshev", 0).polynomial,
        "learned": polynomial_preconditioner(a, 10, "learned", 0).polynomial,
    }
    numpy_rows = distributed_cg(a, b, polys, repeats=1, calibration=2)
    torch_rows = distributed_cg(a, b, polys, repeats=1, calibration=2, arrays="torch")
    for label in polys:
        ref, row = numpy_rows[label], torch_rows[label]
        assert row["converged"] and ref["converged"]
        for key in ("iterations", "matvecs", "reductions"):
            assert row[key] == ref[key], (label, key)
        assert np.linalg.norm(row["x"] - ref["x"]) <= 1e-10 * np.linalg.norm(ref["x"])
        # one host read of the stopping test per iteration; none on the NumPy path
        assert row["host_syncs"] == row["iterations"] and ref["host_syncs"] == 0
        assert row["host_sync_seconds"] > 0 and row["all_reduce_seconds"] > 0


def test_device_is_checked():
    a, b = poisson2d(4), np.ones(16)
    with pytest.raises(ValueError, match="device must be"):
        distributed_cg(a, b, {"jacobi": None}, device="gpu")
    with pytest.raises(ValueError, match="arrays must be"):
        distributed_cg(a, b, {"jacobi": None}, arrays="cupy")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="device='cuda'"):
            distributed_cg(a, b, {"jacobi": None}, device="cuda")


def test_chebyshev_iteration_on_tensors_equals_numpy():
    from solvers.baselines import ChebyshevIteration

    a = poisson2d(6).toarray()
    x = np.random.default_rng(2).standard_normal(36)
    poly = ChebyshevIteration(0.1, 8.0, 7)
    on_numpy = poly._run(lambda v: a @ v, x)
    t = torch.from_numpy(a)
    on_torch = poly._run(lambda v: t @ v, torch.from_numpy(x))
    np.testing.assert_allclose(on_torch.numpy(), on_numpy, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("method", ["chebyshev", "learned"])
def test_polynomials_never_read_their_vectors_on_the_host(method):
    """On the meta device NumPy cannot read a tensor (as on CUDA): the recurrence must stay
    in torch."""
    a = poisson2d(6)
    poly = polynomial_preconditioner(a, 10, method, 0).polynomial
    x = torch.empty(36, dtype=torch.float64, device="meta")
    out = poly._run(lambda v: v * 2.0, x)
    assert out.device.type == "meta" and out.shape == (36,)

"""A new user's unusual Python inputs (a second pass over issue 24's categories): numbers at
the ends of the float range, complex vectors, tiny matrices, flags of the wrong type. Each is
answered correctly (checked against NumPy/SciPy) or refused naming the argument."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import linalg_discovery
from linalg_discovery.registration import LOWRANK_ENV_ID
from linalg_discovery.solvers import lstsq, randomized_svd
from sciml.data.matrices import load_matrix
from sciml.data.pde.store import generate_dataset
from sciml.training.trainer import TrainConfig
from solvers import funm, polynomial_preconditioner
from solvers.comparison import compare_matrix
from solvers.family import family_members, fit_preconditioner


def _no_warning(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


# --- linalg_discovery: entries near the ends of the float range ------------------------------


@pytest.fixture(scope="module")
def tall():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((600, 10)), rng.standard_normal(600)
    return a, b, np.linalg.lstsq(a, b, rcond=None)[0]


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e-160, 1e160, 1e300])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_lstsq_of_a_scaled_matrix_is_numpys_answer_scaled(tall, scale, sparse):
    """‖Aᵀr‖ of A·1e-200 underflowed to 0, so the first test "converged" at x = 0."""
    a, b, x = tall
    scaled = sp.csr_matrix(a * scale) if sparse else a * scale
    got, info = _no_warning(lambda: lstsq(scaled, b))
    assert info["converged"]
    np.testing.assert_allclose(got * scale, x, rtol=1e-10)


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_lstsq_of_a_scaled_right_hand_side_is_scaled(tall, scale):
    a, b, x = tall
    got, _ = _no_warning(lambda: lstsq(a, b * scale))
    np.testing.assert_allclose(got / scale, x, rtol=1e-10)


@pytest.mark.parametrize("rtol", [np.float32(1e-6), np.float64(1e-12), 1e-12])
def test_lstsq_takes_numpy_scalars_as_tolerances(tall, rtol):
    a, b, x = tall
    got, info = lstsq(a, b, rtol=rtol)
    assert info["converged"]
    np.testing.assert_allclose(got, x, rtol=1e-5)


@pytest.mark.parametrize("bad", [float("nan"), -1.0, "1e-6", True])
def test_lstsq_refuses_bad_tolerances_naming_them(tall, bad):
    a, b, _ = tall
    with pytest.raises(ValueError, match=r"^atol must be a non-negative number, got "):
        lstsq(a, b, atol=bad)


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e160, 1e300])
@pytest.mark.parametrize("kind", ["dense", "csr", "operator"])
def test_randomized_svd_of_a_scaled_matrix_is_scaled(tall, scale, kind):
    """A·(AᵀQ) under- or overflowed: wrong singular values at 1e-300, LinAlgError at 1e160."""
    a = tall[0] * scale
    operand = {"dense": a, "csr": sp.csr_matrix(a), "operator": spla.aslinearoperator(a)}[kind]
    _, s, _, _ = _no_warning(lambda: randomized_svd(operand, 3))
    np.testing.assert_allclose(s / scale, np.linalg.svd(tall[0], compute_uv=False)[:3], rtol=1e-10)


# --- solvers ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poisson():
    return load_matrix("poisson2d-8").tocsr()


def test_a_preconditioner_applies_to_complex_vectors(poisson):
    """M is real: M(u + iv) = Mu + iMv (the imaginary part was dropped with a ComplexWarning,
    and CG on a complex right-hand side did not converge)."""
    m = polynomial_preconditioner(poisson, 5, "chebyshev")
    n = poisson.shape[0]
    b = np.ones(n) + 1j * np.arange(n)
    y = _no_warning(lambda: m @ b)
    np.testing.assert_allclose(y, m @ b.real + 1j * (m @ b.imag))
    x, info = _no_warning(lambda: spla.cg(poisson.astype(complex), b, M=m, rtol=1e-10))
    assert info == 0 and np.linalg.norm(poisson @ x - b) <= 1e-9 * np.linalg.norm(b)


def _spd(n: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(n).standard_normal((n, n)))
    a = q @ np.diag(np.linspace(1.0, 10.0, n)) @ q.T
    return (a + a.T) / 2


def _exact(a: np.ndarray, b: np.ndarray, f: str) -> np.ndarray:
    w, v = np.linalg.eigh(a)
    fw = {"inv": 1 / w, "exp": np.exp(-w), "invsqrt": w**-0.5, "step": (w < 5.0) * 1.0}[f]
    return v @ (fw * (v.T @ b))


@pytest.mark.parametrize("f", ["inv", "exp", "invsqrt", "step"])
@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_krylov_funm_of_a_small_matrix_is_exact_and_quiet(n, f):
    """A 1×1 A raised an IndexError inside SciPy; n < 20 warned "estimated relative error
    inf" although the answer was exact."""
    a, b = _spd(n), np.ones(n)
    kw = {"threshold": 5.0} if f == "step" else {}
    result = _no_warning(lambda: funm(a, b, f, method="krylov", **kw))
    np.testing.assert_allclose(result.x, _exact(a, b, f), rtol=1e-10, atol=1e-12)
    assert result.error_estimate == 0.0


def test_krylov_funm_of_an_eigenvector_is_exact():
    a = np.diag(np.arange(1.0, 65.0))
    b = np.zeros(64)
    b[3] = 1.0
    result = _no_warning(lambda: funm(a, b, "inv", method="krylov"))
    np.testing.assert_allclose(result.x, b / 4.0)


def test_lanczos_funm_that_underflows_to_zero_is_not_flagged(poisson):
    """exp(−tA)b = 0 for a large t: the estimate was NaN (0·inf) and a warning said so."""
    a = poisson / poisson.diagonal().max()
    result = _no_warning(lambda: funm(a, np.ones(64), "exp", 10, "lanczos", t=1e6))
    assert not result.x.any() and result.error_estimate == 0.0


def test_a_comparison_below_machine_precision_is_refused():
    with pytest.raises(ValueError, match=r"^rtol must be a number in \[2\.22"):
        compare_matrix("poisson2d-8", rtol=1e-17, methods=("jacobi",))


# --- seeds a torch generator or an HDF5 attribute cannot hold ---------------------------------

TOO_BIG = 2**64


def test_a_dataset_seed_beyond_64_bits_is_refused_before_any_file(tmp_path):
    expected = rf"^seed must be an integer in \[0, {2**64 - 1}\], got {2**64}$"
    with pytest.raises(ValueError, match=expected):
        generate_dataset("darcy", tmp_path / "x.h5", n=2, resolution=8, seed=TOO_BIG)
    assert list(tmp_path.iterdir()) == []
    generate_dataset(
        "darcy", tmp_path / "y.h5", n=1, resolution=8, seed=TOO_BIG - 1, progress=False
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: TrainConfig(seed=TOO_BIG),
        lambda: fit_preconditioner(family_members("darcy", 2, size=5), 2, "m.pt", seed=TOO_BIG),
    ],
    ids=["TrainConfig", "fit_preconditioner"],
)
def test_a_torch_seed_beyond_64_bits_is_refused_by_name(call):
    with pytest.raises(ValueError, match=r"^seed must be an integer in \[0, "):
        call()


# --- PDE generation ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_for_a_numeric_parameter_is_refused(tmp_path, value):
    with pytest.raises(TypeError, match=r"parameter 'alpha' must be a number, got (True|False)"):
        generate_dataset("darcy", tmp_path / "x.h5", n=1, resolution=8, params={"alpha": value})
    assert list(tmp_path.iterdir()) == []


def test_a_first_batch_beyond_memory_leaves_no_parts_folder(tmp_path):
    with pytest.raises(MemoryError):
        generate_dataset("darcy", tmp_path / "x.h5", n=2, resolution=99_999_999, progress=False)
    assert list(tmp_path.iterdir()) == []


# --- gymnasium environments -------------------------------------------------------------------


@pytest.mark.parametrize("env_id", [linalg_discovery.ENV_ID, LOWRANK_ENV_ID])
@pytest.mark.parametrize("bad", [-1, 2.5, True])
def test_a_bad_section_length_is_refused_by_name(env_id, bad):
    with pytest.raises(ValueError, match=r"^max_section_length must be an integer >= 0, got "):
        gym.make(env_id, max_section_length=bad)


def test_gmres_comparison_with_fewer_iterations_than_a_restart_cycle_runs():
    from solvers.comparison import solve

    a = sp.diags([np.linspace(1.0, 2.0, 50)], [0], format="csr")
    row = solve(a, np.ones(50), "none", solver="gmres", maxiter=10)  # under one cycle of 30
    assert row["converged"] and row["relative_residual"] <= 1e-8


def test_open_h5_takes_a_plain_string(tmp_path):
    import h5py

    from sciml.data.pde.readers.common import open_h5

    path = tmp_path / "f.h5"
    with h5py.File(path, "w") as f:
        f["u"] = [1.0, 2.0]
    with open_h5(str(path)) as f:
        assert f["u"][()].tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("family", "path"), [("least-squares", "sketch-and-solve"), ("lowrank", "randomized-svd")]
)
def test_a_zero_problem_size_is_refused_not_replaced_by_the_default(family, path):
    from linalg_discovery.discovery import discover

    with pytest.raises(ValueError, match="m"):
        discover(path, "mcgs", 42, budget=5, m=0, n=8, family=family, progress=False)

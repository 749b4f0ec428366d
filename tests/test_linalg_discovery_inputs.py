"""linalg_discovery's public functions on every input NumPy/SciPy accept: NumPy's answer, or a
clear refusal (issue 24, "no silent wrong answers"); the gymnasium ids without reading ENV_ID."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import linalg_discovery.solvers as solvers
from linalg_discovery.fuzz import random_legal_steps, random_programs
from linalg_discovery.lowrank.problems import decaying_matrix, decaying_problem
from linalg_discovery.solvers import lstsq, randomized_svd


def _numpy(a, b):
    return np.linalg.lstsq(a.toarray() if sp.issparse(a) else a, b, rcond=None)[0]


def _agrees_with_numpy(a, b, **kwargs):
    x, info = lstsq(a, b, **kwargs)
    expected = _numpy(a, b)
    assert x.shape == expected.shape and info["converged"]
    scale = max(1.0, np.abs(expected).max(initial=0.0))
    np.testing.assert_allclose(x, expected, rtol=1e-8, atol=1e-10 * scale)
    return info


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("m", [5, 400, 5000])
@pytest.mark.parametrize("column", ["ones", "gaussian"])
def test_one_column_gives_numpys_answer(m, column):
    """One CG step solves a 1×1 system exactly; the next one divided 0 by 0 (x = NaN)."""
    a = np.ones((m, 1)) if column == "ones" else _rng(m).standard_normal((m, 1))
    b = np.arange(float(m)) if column == "ones" else np.ones(m)
    _agrees_with_numpy(a, b)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("a", "method"),
    [
        (np.eye(20), "lapack"),
        (_rng(1).standard_normal((20, 20)), "lapack"),
        (_rng(2).standard_normal((21, 20)), "lapack"),  # sketch of 240 rows > 21
        (_rng(3).standard_normal((5, 8)), "lapack"),  # wide: minimum-norm solution
        (_rng(4).standard_normal((2000, 20)), "sketch-and-precondition"),
    ],
)
def test_square_near_square_wide_and_tall_give_numpys_answer(a, method):
    info = _agrees_with_numpy(a, _rng(5).standard_normal(a.shape[0]))
    assert info["method"] == method


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("seed", range(4))
def test_orthonormal_columns_give_numpys_answer(seed):
    """A CountSketch of [I; 0] merges rows it hashes together (the sketched R is singular for
    most seeds), and AR⁻¹ is orthonormal when it does not (CG converges in one step)."""
    _agrees_with_numpy(np.eye(1000, 20), np.arange(1000.0), seed=seed)


@pytest.mark.filterwarnings("error")
def test_rank_deficient_tall_gives_numpys_minimum_norm_answer():
    a = _rng(6).standard_normal((1000, 20))
    a[:, -1] = a[:, 0]
    info = _agrees_with_numpy(a, _rng(7).standard_normal(1000))
    assert info["method"] == "lapack" and info["rank"] == 19
    info = _agrees_with_numpy(sp.csr_matrix(a), _rng(7).standard_normal(1000))
    assert info["method"] == "lapack"


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("cond", [1.0, 1e4, 1e8])
def test_consistent_system_converges_without_a_warning(cond):
    """r ≈ 0: ‖Aᵀr‖/(‖A‖‖r‖) is round-off over round-off, so r at round-off level counts."""
    u, _ = np.linalg.qr(_rng(8).standard_normal((3000, 30)))
    a = u * np.geomspace(1.0, 1.0 / cond, 30)
    x_true = _rng(9).standard_normal(30)
    info = _agrees_with_numpy(a, a @ x_true)
    assert info["method"] == "sketch-and-precondition"
    assert info["residuals"][-1] <= 1e-12


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("m", "n"), [(2000, 20), (30, 20)])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_several_right_hand_sides_give_numpys_answer(m, n, k):
    a = _rng(10).standard_normal((m, n))
    info = _agrees_with_numpy(a, _rng(11).standard_normal((m, k)))
    assert len(info["residuals"]) == k


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_empty_a_gives_numpys_answer(shape):
    _agrees_with_numpy(np.zeros(shape), np.ones(shape[0]))


def test_a_breakdown_of_the_iteration_falls_back_to_lapack(monkeypatch):
    def broken(a, r, v, steps):
        return np.full(a.shape[1], np.nan)

    monkeypatch.setattr(solvers, "preconditioned_cgls", broken)
    info = _agrees_with_numpy(_rng(12).standard_normal((2000, 10)), _rng(13).standard_normal(2000))
    assert info["method"] == "lapack"


def _complex(shape, seed=14):
    rng = _rng(seed)
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize(
    ("a", "b", "error", "match"),
    [
        (_complex((50, 5)), np.ones(50), TypeError, "A must be real"),
        (np.eye(50, 5), _complex(50), TypeError, "b must be real"),
        (sp.csr_matrix(_complex((50, 5))), np.ones(50), TypeError, "A must be real"),
        (spla.aslinearoperator(np.eye(50, 5)), np.ones(50), TypeError, "LinearOperator"),
        (np.eye(50, 5), np.full(50, np.inf), ValueError, "b must be finite"),
        (np.eye(50, 5), np.ones((50, 2, 2)), ValueError, "b must have shape"),
    ],
)
def test_lstsq_refuses_complex_operator_and_non_finite_input(a, b, error, match):
    with pytest.raises(error, match=match):
        lstsq(a, b)


@pytest.mark.parametrize(
    "a",
    [
        _complex((60, 40)),
        sp.csr_matrix(_complex((60, 40))),
        spla.aslinearoperator(_complex((60, 40))),
    ],
)
def test_randomized_svd_refuses_complex_input(a):
    with pytest.raises(TypeError, match="A must be real"):
        randomized_svd(a, 3)


@pytest.mark.parametrize("test_matrix", ["gaussian", "sparse_sign"])
def test_randomized_svd_of_a_linear_operator_matches_the_dense_matrix(test_matrix):
    a, sigma = decaying_matrix(80, 50, "exponential", 0.5, seed=0)
    dense = randomized_svd(a, 5, test_matrix=test_matrix, seed=3)
    operator = randomized_svd(spla.aslinearoperator(a), 5, test_matrix=test_matrix, seed=3)
    np.testing.assert_allclose(operator[1], dense[1], rtol=1e-12)
    np.testing.assert_allclose(operator[1], np.linalg.svd(a, compute_uv=False)[:5], rtol=1e-8)
    u, s, vt, _ = operator
    np.testing.assert_allclose(u * s @ vt, dense[0] * dense[1] @ dense[2], atol=1e-10)


def test_randomized_svd_of_an_operator_without_a_transpose_is_refused():
    a = np.eye(30, 20)
    operator = spla.LinearOperator(a.shape, matvec=lambda v: a @ v, dtype=np.float64)
    with pytest.raises(TypeError, match="rmatvec"):
        randomized_svd(operator, 3)


@pytest.mark.parametrize(
    "call",
    [
        lambda: lstsq(np.eye(50, 5), np.ones(50), seed=-1),
        lambda: randomized_svd(np.eye(30, 20), 3, seed=-1),
        lambda: random_legal_steps(1, seed=-1),
        lambda: random_programs(1, seed=-1),
        lambda: decaying_matrix(10, 5, "polynomial", 1.0, seed=-1),
        lambda: decaying_problem(10, 5, 2, "polynomial", 1.0, seed=-1),
    ],
)
def test_a_negative_seed_is_refused_in_one_line_naming_it(call):
    with pytest.raises(ValueError, match=r"^seed must be an integer >= 0, got -1$"):
        call()


@pytest.mark.parametrize(
    "code",
    [
        "import sys, linalg_discovery\n"
        "assert 'gymnasium' not in sys.modules\n"
        "import gymnasium\n"
        "envs = [gymnasium.make('linalg_discovery/RLADiscovery-v0'),\n"
        "        gymnasium.make('linalg_discovery/LowRankDiscovery-v0')]\n",
        "import gymnasium, linalg_discovery\n"
        "envs = [gymnasium.make('linalg_discovery/RLADiscovery-v0'),\n"
        "        gymnasium.make('linalg_discovery/LowRankDiscovery-v0')]\n",
        "import gymnasium\n"  # gymnasium's "module:id": no import of the package by hand
        "envs = [gymnasium.make('linalg_discovery:linalg_discovery/RLADiscovery-v0'),\n"
        "        gymnasium.make('linalg_discovery:linalg_discovery/LowRankDiscovery-v0')]\n",
    ],
    ids=["package-then-gymnasium", "gymnasium-then-package", "module-colon-id"],
)
def test_importing_the_package_registers_both_environments(code):
    code += "print(' '.join(type(env.unwrapped).__name__ for env in envs))\n"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["RLAEnv", "LowRankEnv"]

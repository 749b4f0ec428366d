"""Low-rank family: primitives against closed forms, reward, canonical form, search, export,
bad input."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from linalg_discovery.discovery import discover
from linalg_discovery.grammar import Action
from linalg_discovery.lowrank import primitives as pr
from linalg_discovery.lowrank.canonical import eliminate_dead_code, program_key
from linalg_discovery.lowrank.curriculum import ORTH, PATHS, RANGE, path_stages, stages
from linalg_discovery.lowrank.env import LowRankEnv, register_lowrank_env
from linalg_discovery.lowrank.interpreter import Settings, execute
from linalg_discovery.lowrank.problems import LowRankProblem, decaying_matrix, decaying_problem
from linalg_discovery.lowrank.program import Program, instr
from linalg_discovery.lowrank.reward import Weights, accuracy_term, combine, reward_terms
from linalg_discovery.lowrank.task import LowRankTask
from linalg_discovery.search import SearchConfig, search_stage
from linalg_discovery.solvers import randomized_svd
from sciml.cli import main

STAGES = stages()


def _rank_r(m: int, n: int, r: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def test_a_rank_r_matrix_is_recovered_exactly():
    a = _rank_r(80, 50, 6)
    omega = pr.gaussian_test_matrix(50, 6, np.random.default_rng(1))
    q = pr.orthonormalize(pr.range_finder(a, omega))
    assert np.linalg.norm(a - q @ (q.T @ a)) <= 1e-12 * np.linalg.norm(a)
    for test_matrix in ("gaussian", "sparse_sign"):
        u, s, vt, info = randomized_svd(a, 6, oversampling=0, test_matrix=test_matrix, seed=3)
        assert np.linalg.norm(a - (u * s) @ vt) <= 1e-10 * np.linalg.norm(a)
        np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False)[:6], rtol=1e-10)
        np.testing.assert_allclose(u.T @ u, np.eye(6), atol=1e-12)
        assert info["passes_over_A"] == 6


def test_power_iteration_error_follows_the_hmt_bound():
    # E‖A − QQᵀA‖₂ ≤ [1 + √(k/(p−1)) + e√(k+p)/p · √(n−k)]^{1/(2q+1)} σ_{k+1} (HMT Cor. 10.10)
    m, n, k, p = 200, 120, 10, 6
    a, sigma = decaying_matrix(m, n, "polynomial", 0.5, seed=4)
    factor = 1 + np.sqrt(k / (p - 1)) + np.e * np.sqrt(k + p) / p * np.sqrt(n - k)
    means = []
    for q in range(4):
        errors = []
        for seed in range(8):
            omega = pr.gaussian_test_matrix(n, k + p, np.random.default_rng(seed))
            basis = pr.power_iteration(a, pr.orthonormalize(a @ omega), q)
            errors.append(np.linalg.norm(a - basis @ (basis.T @ a), 2))
        means.append(np.mean(errors) / sigma[k])
        # rank ℓ = k + p: never below σ_{ℓ+1}; the bound's factor falls as 1/(2q + 1)
        assert sigma[k + p] / sigma[k] <= means[-1] <= factor ** (1.0 / (2 * q + 1))
    assert all(later < earlier for earlier, later in zip(means[:-1], means[1:], strict=True))


def test_small_svd_gives_the_best_rank_k_approximation_in_the_range():
    a, _ = decaying_matrix(90, 60, "exponential", 0.2, seed=2)
    q = pr.orthonormalize(a @ pr.gaussian_test_matrix(60, 15, np.random.default_rng(0)))
    w = a.T @ q
    z = pr.small_svd_rotation(w)
    projected = q @ w.T
    np.testing.assert_allclose((q @ z) @ (w @ z).T, projected, atol=1e-12)
    u, s, vt = np.linalg.svd(projected)
    best = (u[:, :8] * s[:8]) @ vt[:8]
    np.testing.assert_allclose((q @ z)[:, :8] @ (w @ z)[:, :8].T, best, atol=1e-12)


def test_nystrom_matches_the_closed_form_and_is_exact_at_low_rank():
    a, _ = decaying_matrix(70, 70, "polynomial", 1.0, seed=5, psd=True)
    omega = pr.gaussian_test_matrix(70, 12, np.random.default_rng(1))
    y = a @ omega
    u, lam = pr.nystrom(a, omega, y)
    closed = y @ np.linalg.pinv(omega.T @ y) @ y.T
    np.testing.assert_allclose((u * lam) @ u.T, closed, atol=1e-10 * np.linalg.norm(closed))
    assert np.all(np.diff(lam) <= 0) and np.all(lam >= 0)
    low = _rank_r(70, 5, 5, seed=6)
    low = low @ low.T  # PSD of rank 5
    u, lam = pr.nystrom(low, omega)
    assert np.linalg.norm(low - (u * lam) @ u.T) <= 1e-8 * np.linalg.norm(low)


def test_reward_is_one_at_the_optimum_and_falls_with_the_error():
    assert accuracy_term(1.0) == 1.0 and accuracy_term(2.0) == 0.5
    # rank k + 1: a basis of ℓ ≥ k + 1 columns spans the range, so Â_k = A_k (Eckart–Young)
    sigma = np.array([3.0, 2.0, 1.0, 0.5])
    rng = np.random.default_rng(0)
    u = np.linalg.qr(rng.standard_normal((40, 4)))[0]
    v = np.linalg.qr(rng.standard_normal((30, 4)))[0]
    problem = LowRankProblem((u * sigma) @ v.T, 3, sigma)
    assert problem.optimal == pytest.approx(0.5)
    stage = STAGES["small-svd"]
    terms = reward_terms(execute(stage.target, problem, stage.settings), problem)
    assert terms["accuracy"] == pytest.approx(1.0, abs=1e-12)
    assert combine(terms, Weights(1.0, 0.0)) == pytest.approx(1.0, abs=1e-12)
    worse = reward_terms(execute(stage.start, problem, stage.settings), problem)
    assert worse["accuracy"] < 0.9
    failed = execute(Program(finish=(instr("orth", "V1", target="V1"),)), problem)
    assert failed.failed and reward_terms(failed, problem) == {"accuracy": 0.0, "cost": 0.0}


def test_canonical_form_merges_renamings_dead_code_and_repeated_orthonormalisation():
    target = STAGES["power-iteration"].target
    renamed = target._replace(
        iterate=(
            instr("rmatmul", "U1", target="V1"),
            instr("matmul", "V1", target="U1"),
            instr("orth", "U1", target="U1"),
        )
    )
    assert program_key(renamed, 2) == program_key(target, 2)
    again = target._replace(setup=(*RANGE, *ORTH, *ORTH, instr("orth", "U1", target="U2")))
    assert eliminate_dead_code(again).setup == (*RANGE, *ORTH, *ORTH)
    assert program_key(eliminate_dead_code(again), 2) == program_key(target, 2)
    assert program_key(target, 1) != program_key(target, 2)


@pytest.mark.parametrize("search", ["mcgs", "mcts"])
def test_a_tiny_search_finds_the_range_finder(search):
    stage = STAGES["range-finder"]
    task = LowRankTask(stage, 42)
    result = search_stage(task, SearchConfig(search=search, budget=200), seed=42)
    assert result.found and result.evaluations == task.evaluations > 0
    assert result.reward == pytest.approx(task.score(stage.target))


def test_mcgs_discovers_the_randomized_svd_and_it_matches_the_solver():
    result = discover("randomized-svd", "mcgs", 42, budget=2000, family="lowrank")
    assert result.found and [name for name, _ in result.stages] == list(PATHS["randomized-svd"])
    assert result.verification["agrees"]
    assert max(result.verification["error_ratios"]) < 1.01
    assert "U1 = orth(U1)" in result.source.split("iterate")[1]


def test_workers_score_low_rank_programs_like_one_process():
    stage = STAGES["small-svd"]
    runs = []
    for workers in (1, 2):
        task = LowRankTask(stage, 7)
        config = SearchConfig(batch=4, budget=60, workers=workers)
        runs.append((search_stage(task, config, seed=3), task))
    (one, one_task), (two, two_task) = runs
    assert two.history == one.history and two.program == one.program
    assert list(two_task._rewards.items()) == list(one_task._rewards.items())


def test_randomized_svd_is_seeded():
    a, _ = decaying_matrix(60, 40, "exponential", 0.3, seed=1)
    first, second = randomized_svd(a, 5, seed=9), randomized_svd(a, 5, seed=9)
    assert all(x.tobytes() == y.tobytes() for x, y in zip(first[:3], second[:3], strict=True))
    assert randomized_svd(a, 5, seed=10)[0].tobytes() != first[0].tobytes()


def test_the_interpreter_and_the_solver_draw_the_same_test_matrix():
    stage = STAGES["power-iteration"]
    problem = decaying_problem(120, 80, 6, "polynomial", 1.0, seed=11)
    ev = execute(stage.target, problem, Settings(oversampling=4, iterations=2, seed=5))
    u, s, vt, _ = randomized_svd(problem.A, 6, oversampling=4, power_iterations=2, seed=5)
    np.testing.assert_allclose(ev.u @ ev.v.T, (u * s) @ vt, atol=1e-12)


def test_the_environment_passes_check_env_and_plays_the_power_iteration():
    env = gymnasium.make(register_lowrank_env(), stage="power-iteration", m=60, n=40, k=5)
    check_env(env.unwrapped, skip_render_check=True)
    env = LowRankEnv("power-iteration", m=60, n=40, k=5, fixed_problem_seed=3)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    # grown one live instruction at a time: A·V1 reads the live cache V1 first
    inserts = [
        Action("iterate", 0, instr("matmul", "V1", target="U1")),
        Action("iterate", 0, instr("rmatmul", "U1", target="V1")),
        Action("iterate", 2, instr("orth", "U1", target="U1")),
    ]
    for action in inserts:
        assert info["action_mask"][env.index_of(action)] == 1
        obs, reward, terminated, truncated, info = env.step(env.index_of(action))
    assert terminated and not truncated and info["found"]
    assert reward == pytest.approx(env._task.score(env.stage.target)) and reward > 0.8


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: randomized_svd(np.ones((5, 4)), 0), "k"),
        (lambda: randomized_svd(np.ones((5, 4)), 5), "k"),
        (lambda: randomized_svd(np.full((5, 4), np.nan), 2), "A"),
        (lambda: randomized_svd(np.ones((5, 4)), 2, power_iterations=-1), "power_iterations"),
        (lambda: randomized_svd(np.ones((5, 4)), 2, test_matrix="srht"), "test_matrix"),
        (lambda: LowRankProblem(np.ones((5, 4)), 0), "rank"),
        (lambda: LowRankProblem(np.ones((5, 4)), 5), "rank"),
        (lambda: LowRankProblem(np.array([[1.0, np.nan], [0.0, 1.0]]), 1), "A"),
        (lambda: path_stages("sketch-and-solve"), "path"),
        (lambda: LowRankEnv("sketch-and-solve"), "stage"),
        (lambda: stages(30, 20, 0), "rank"),
        (lambda: discover("randomized-svd", family="tensor"), "family"),
        (lambda: discover("sketch-and-solve", family="lowrank"), "path"),
        (lambda: discover("randomized-svd", family="lowrank", budget=0), "budget"),
    ],
)
def test_bad_input_names_the_argument(call, named):
    with pytest.raises(ValueError, match=named):
        call()


@pytest.mark.parametrize(
    "argv",
    [
        ["discover", "--family", "tensor", "--path", "randomized-svd"],
        ["discover", "--family", "lowrank", "--path", "nope"],
        ["discover", "--family", "lowrank", "--path", "randomized-svd", "--budget", "0"],
    ],
)
def test_cli_refuses_bad_low_rank_input_in_one_line(capsys, argv):
    capsys.readouterr()
    try:
        code = main(["--quiet", *argv])
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err

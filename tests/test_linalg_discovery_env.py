"""gymnasium environment: registration, check_env, vector envs, masks and bad actions."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import linalg_discovery
from linalg_discovery.env import RLAEnv
from linalg_discovery.fuzz import random_legal_steps, random_programs


def test_registered_on_import_and_passes_check_env():
    env = gymnasium.make(linalg_discovery.ENV_ID, stage="psd-residual")
    check_env(env.unwrapped, skip_render_check=True)
    assert isinstance(env.unwrapped, RLAEnv)


def test_target_episode_gets_the_stage_reward_and_is_found():
    env = RLAEnv("psd-residual", fixed_problem_seed=3)
    obs, info = env.reset(seed=0)
    assert obs["features"][-1] == 2 and obs["program"].sum() == 0
    target = env.stage.target.forward
    for position, ins in enumerate(target):
        index = env.index_of(linalg_discovery.env.Action("forward", position, ins))
        assert info["action_mask"][index] == 1
        obs, reward, terminated, truncated, info = env.step(index)
    assert terminated and not truncated and info["found"]
    problem = env._task.problem
    assert reward == pytest.approx(env._task.reward(env.program))
    assert reward > 0.5
    assert (obs["program"][:2, 1] > 0).all() and problem.shape == (5, 5)


def test_masked_action_ends_with_zero_and_bad_action_raises():
    env = RLAEnv("lowcond-gradient", m=64, n=4)
    _, info = env.reset(seed=1)
    illegal = int(np.flatnonzero(info["action_mask"] == 0)[0])
    _, reward, terminated, _, info = env.step(illegal)
    assert reward == 0.0 and terminated and info["illegal_action"]
    with pytest.raises(ValueError, match="action"):
        env.step(env.action_space.n + 5)
    with pytest.raises(ValueError, match="unknown stage"):
        RLAEnv("no-such-stage")


def test_vector_env_steps_in_lockstep():
    envs = gymnasium.vector.SyncVectorEnv(
        [lambda: gymnasium.make(linalg_discovery.ENV_ID, stage="lowcond-gradient", m=64, n=4)] * 2
    )
    obs, info = envs.reset(seed=7)
    assert obs["program"].shape == (2, 16, 5)
    actions = np.array([int(np.flatnonzero(mask)[0]) for mask in info["action_mask"]])
    _, rewards, terminated, _, _ = envs.step(actions)
    assert terminated.all() and rewards.shape == (2,)
    envs.close()


def test_same_seed_same_episode():
    runs = []
    for _ in range(2):
        env = RLAEnv("psd-residual")
        obs, info = env.reset(seed=11)
        rng = np.random.default_rng(0)
        rewards = []
        done = False
        while not done:
            action = int(rng.choice(np.flatnonzero(info["action_mask"])))
            obs, reward, done, _, info = env.step(action)
            rewards.append(reward)
        runs.append((obs["features"].tobytes(), rewards))
    assert runs[0] == runs[1]


def test_property_random_legal_steps_and_random_programs_never_raise():
    # the benchmark drives 10^5 steps; the suite keeps a few hundred
    steps = random_legal_steps(300, seed=0)
    assert steps["steps"] == 300 and steps["episodes"] > 50
    programs = random_programs(300, seed=0)
    assert 0 < programs["failed"] < programs["programs"]


@pytest.mark.parametrize(
    ("sigma_max", "sigma_min", "log_kappa"), [(1.0, 1e-300, 300.0), (1e300, 0.0, 600.0), (1, 1, 0)]
)
def test_features_of_any_conditioning_lie_in_the_observation_space(sigma_max, sigma_min, log_kappa):
    from linalg_discovery.problems import LOG10_KAPPA_MAX, Problem

    a = np.zeros((8, 2))
    a[0, 0], a[1, 1] = sigma_max, sigma_min
    features = Problem(a, np.ones(8)).features()
    assert features[2] == pytest.approx(log_kappa, rel=1e-6) and features[2] <= LOG10_KAPPA_MAX
    space = RLAEnv("psd-residual", m=64, n=4).observation_space["features"]
    assert space.contains(np.append(features, np.float32(1)))
    assert not space.contains(np.append(features, np.float32(-1)))

"""Property check: random legal steps through the environment and random (possibly
ill-typed-for-shape, uninitialised-reading) programs through the interpreter must never raise,
and every reward must be a finite number in [0, 1]."""

from __future__ import annotations

import numpy as np

from linalg_discovery.curriculum import stages
from linalg_discovery.env import RLAEnv
from linalg_discovery.interpreter import execute
from linalg_discovery.program import OPS, SECTIONS, Instr, Program, register_type
from sciml.core.checks import check_integer


def random_legal_steps(steps: int, seed: int = 0, m: int = 64, n: int = 4) -> dict[str, int]:
    """``steps`` uniformly random legal actions, cycling through every stage's environment on
    small m×n problems; returns counts of steps, episodes and episodes with a zero reward."""
    rng = np.random.default_rng(check_integer(seed, "seed", minimum=0))
    envs = [RLAEnv(name, m=m, n=n) for name in stages(m, n)]
    done_steps = episodes = zero = 0
    while done_steps < steps:
        env = envs[episodes % len(envs)]
        _, info = env.reset(seed=int(rng.integers(2**31)))
        terminated = False
        while not terminated and done_steps < steps:
            legal = np.flatnonzero(info["action_mask"])
            if legal.size == 0:
                break
            _, reward, terminated, _, info = env.step(int(rng.choice(legal)))
            done_steps += 1
            if not (np.isfinite(reward) and 0.0 <= reward <= 1.0):
                raise AssertionError(f"reward {reward!r} outside [0, 1] in {env.stage.name}")
        episodes += 1
        zero += terminated and reward == 0.0
    return {"steps": done_steps, "episodes": episodes, "zero_reward_episodes": int(zero)}


def random_program(rng: np.random.Generator, length: int = 6) -> Program:
    """Type-correct instructions with random operands, targets and sections, no grammar."""
    work_v, work_m = ("V1", "V2", "V3"), ("R1", "R2", "R3")
    sections: dict[str, list[Instr]] = {s: [] for s in SECTIONS}
    ops = list(OPS)
    for _ in range(length):
        op = ops[int(rng.integers(len(ops)))]
        spec = OPS[op]
        section = spec.sections[int(rng.integers(len(spec.sections)))]
        if spec.effect:
            sections[section].append(Instr(op, (), spec.effect[0]))
            continue
        args = []
        for t in spec.args:
            pool = {"v": ("b", "x", *work_v), "m": ("A", *work_m), "*": ("A", "b", *work_v)}[t]
            args.append(pool[int(rng.integers(len(pool)))])
        kind = register_type(args[0]) if spec.result == "=" else spec.result
        targets = work_v if kind == "v" else work_m
        sections[section].append(Instr(op, tuple(args), targets[int(rng.integers(len(targets)))]))
    return Program(*(tuple(sections[s]) for s in SECTIONS))


def random_programs(count: int, seed: int = 0, m: int = 64, n: int = 4) -> dict[str, int]:
    """Run ``count`` random programs on small problems of every stage; count the failures."""
    rng = np.random.default_rng(check_integer(seed, "seed", minimum=0))
    table = list(stages(m, n).values())
    failed = 0
    for i in range(count):
        stage = table[i % len(table)]
        ev = execute(random_program(rng), stage.problem(i), stage.settings)
        failed += ev.failed
    return {"programs": count, "failed": failed}

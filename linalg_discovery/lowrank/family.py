"""The low-rank family as seen by :func:`linalg_discovery.discovery.discover`."""

from __future__ import annotations

from typing import Any

import numpy as np

from linalg_discovery.families import Family
from linalg_discovery.lowrank.curriculum import PATH_NAMES, LowRankStage, path_stages
from linalg_discovery.lowrank.interpreter import execute
from linalg_discovery.lowrank.program import Program
from linalg_discovery.lowrank.reward import error_ratio
from linalg_discovery.lowrank.solver import randomized_svd
from linalg_discovery.lowrank.task import LowRankTask


def _stages(path: str, m: int | None = None, n: int | None = None) -> list[LowRankStage]:
    return path_stages(path, 300 if m is None else m, 200 if n is None else n)


def verify(program: Program, stage: LowRankStage, seeds: tuple[int, ...] = (1000, 1001)) -> dict:
    """The program's rank-k error over the optimal on fresh problems of ``stage``; when it is
    the randomized SVD (the ``power-iteration`` target), the largest relative difference of
    its Â_k from :func:`~linalg_discovery.lowrank.solver.randomized_svd`'s."""
    task = LowRankTask(stage, seeds[0])
    is_rsvd = stage.name == "power-iteration" and task.is_target(program)
    ratios, diffs = [], []
    for seed in seeds:
        problem = stage.problem(seed)
        ev = execute(program, problem, stage.settings)
        ratios.append(error_ratio(ev, problem))
        if is_rsvd and not ev.failed:
            s = stage.settings
            u, sv, vt, _ = randomized_svd(
                problem.A,
                problem.k,
                oversampling=s.oversampling,
                power_iterations=s.iterations,
                seed=s.seed,
            )
            mine = ev.u @ ev.v.T
            diffs.append(float(np.linalg.norm(mine - (u * sv) @ vt) / np.linalg.norm(mine)))
    out: dict[str, Any] = {"error_ratios": ratios}
    if is_rsvd:
        out["max_relative_difference"] = max(diffs, default=float("inf"))
        out["agrees"] = bool(out["max_relative_difference"] <= 1e-10)
    return out


def _export(program: Program, stage: LowRankStage) -> tuple[str, dict[str, Any]]:
    return str(program) + "\n", verify(program, stage)


LOWRANK = Family(PATH_NAMES, _stages, LowRankTask, _export)

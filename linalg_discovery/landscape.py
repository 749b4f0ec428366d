"""How hard a stage's target is to hit: the direct paths from the start program to the target
(each step inserts one of the target's missing instructions), the chance that a uniformly random
rollout follows one of them, and the rewards of the programs along them.

With k instructions missing, the programs on the direct paths are P(S), the target without the
missing instructions outside S, for the subsets S of the k. A rollout picks uniformly among a
program's legal moves (:meth:`Task.moves`, one per canonical child), so the chance of reaching
the target along direct paths is p_k(target), with p_0(start) = 1 and
p_d(P) = Σ_{Q on level d−1, P a move of Q} p_{d−1}(Q)/|moves(Q)|.
A rollout that reaches the target in k steps never loses an instruction (each insertion adds
one, dead-code elimination only removes), so it passes only through programs made of the
target's instructions, the P(S) up to variants the canonical key does not merge: p is the hit
chance of one rollout, and 1/p the rollouts a search without reward signal needs on average.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from linalg_discovery.program import SECTIONS, Program
from linalg_discovery.task import Task


def missing_instructions(start: Program, target: Program) -> list[tuple[str, int]]:
    """(section, index in ``target``) of the target's instructions that ``start`` lacks;
    ``ValueError`` when ``start`` is not a subsequence of ``target`` section by section."""
    missing = []
    for section in SECTIONS:
        have = list(start.section(section))
        for index, ins in enumerate(target.section(section)):
            if have and have[0] == ins:
                have.pop(0)
            else:
                missing.append((section, index))
        if have:
            raise ValueError(
                f"start must be a subsequence of target; {section} keeps {have[0]} unmatched"
            )
    return missing


def _without(target: Program, drop: set[tuple[str, int]]) -> Program:
    return Program(
        *(
            tuple(ins for i, ins in enumerate(target.section(s)) if (s, i) not in drop)
            for s in SECTIONS
        )
    )


def target_landscape(task: Task) -> dict[str, Any]:
    """The direct paths from ``task``'s start program to its stage's target.

    Parameters
    ----------
    task : Task
        The stage on one problem instance; its moves are cached on it, its rewards are not
        (the programs here are scored afresh and not counted as evaluations).

    Returns
    -------
    dict
        ``depth`` k (instructions the start lacks), ``root_moves``, ``hit_probability`` p (the
        chance that one uniform rollout reaches the target along direct paths),
        ``rollouts_per_hit`` 1/p (``None`` if p = 0), ``target_reward``, and ``levels``: per
        depth d = 0..k the number of distinct programs on the direct paths, how many a rollout
        reaches, their mean number of moves and their best reward.
    """
    stage = task.stage
    target = task.canonical(stage.target)
    missing = missing_instructions(task.root, target)
    depth = len(missing)
    programs: list[dict[int, Program]] = []
    for d in range(depth + 1):
        level = {}
        for chosen in combinations(missing, d):
            program = task.canonical(_without(target, set(missing) - set(chosen)))
            level[task.key(program)] = program
        programs.append(level)
    chance = {task.key(task.root): 1.0}
    levels = []
    for d in range(depth + 1):
        if d > 0:
            nxt: dict[int, float] = {}
            for key, p in chance.items():
                moves = task.moves(programs[d - 1][key])
                for move in moves:
                    if move.key in programs[d]:
                        nxt[move.key] = nxt.get(move.key, 0.0) + p / len(moves)
            chance = nxt
        branching = [len(task.moves(p)) for p in programs[d].values()] if d < depth else []
        levels.append(
            {
                "depth": d,
                "programs": len(programs[d]),
                "reachable": sum(1 for k in programs[d] if chance.get(k, 0.0) > 0),
                "mean_moves": sum(branching) / len(branching) if branching else None,
                "best_reward": max(task.score(p) for p in programs[d].values()),
            }
        )
    p_hit = chance.get(task.target_key, 0.0)
    return {
        "depth": depth,
        "root_moves": len(task.moves(task.root)),
        "hit_probability": p_hit,
        "rollouts_per_hit": 1.0 / p_hit if p_hit > 0 else None,
        "target_reward": task.score(target),
        "levels": levels,
    }

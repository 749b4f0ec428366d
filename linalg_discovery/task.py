"""One curriculum stage on one problem instance as a search problem: legal moves between
canonical programs, structural keys, and a cached reward of terminal programs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from linalg_discovery.canonical import eliminate_dead_code, program_key
from linalg_discovery.curriculum import Stage
from linalg_discovery.grammar import Action, apply_action, legal_actions
from linalg_discovery.interpreter import Evaluation, execute
from linalg_discovery.problems import Problem
from linalg_discovery.program import Program
from linalg_discovery.reward import combine, reward_terms


@dataclass
class Move:
    """Actions from one program that all lead to the same canonical child (a merged edge)."""

    actions: list[Action]
    child: Program
    key: int


@dataclass
class Task:
    """Search problem of ``stage`` on ``problem`` (built from ``seed`` when not given).
    A problem family other than least squares subclasses it and overrides ``canonical``,
    ``key``, ``actions`` and ``score``; the cache, the counting and the searches stay as here.
    ``moves_cache`` may be shared between tasks of the same stage (moves do not depend on the
    problem).

    Every search pays for interpreter runs the same way: a reward is cached by canonical key,
    so ``evaluations`` counts unique programs run and ``eval_seconds`` their interpreter time;
    ``target_evaluation`` / ``target_clock`` record the evaluation count and
    ``time.perf_counter()`` when the stage's target was first run (``None`` until then).
    ``pool``, when set (a :class:`~linalg_discovery.parallel.EvaluationPool`), is where a
    search sends a batch of programs to score; their runs are counted here alike."""

    stage: Stage
    seed: int = 0
    problem: Problem | None = None
    evaluations: int = 0
    eval_seconds: float = 0.0
    target_evaluation: int | None = None
    target_clock: float | None = None
    _rewards: dict[int, float] = field(default_factory=dict, repr=False)
    moves_cache: dict[int, list[Move]] = field(default_factory=dict, repr=False)
    pool: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise TypeError(f"seed must be an integer, got {type(self.seed).__name__}")
        if self.seed < 0:
            raise ValueError(f"seed must be non-negative, got {self.seed}")
        if self.problem is None:
            self.problem = self.stage.problem(self.seed)
        self._target_key = self.key(self.canonical(self.stage.target))

    @property
    def root(self) -> Program:
        return self.canonical(self.stage.start)

    def canonical(self, program: Program) -> Program:
        return eliminate_dead_code(program, self.stage.outputs)

    def key(self, program: Program) -> int:
        return program_key(program, self.stage.outputs)

    def actions(self, program: Program) -> list[Action]:
        """Legal insertions into the stage's open sections (a problem family's grammar)."""
        return legal_actions(program, self.stage.open_sections, self.stage.enabled)

    def moves(self, program: Program) -> list[Move]:
        """Legal insertions grouped by canonical child; insertions that are dead on arrival
        (the child equals the parent) are dropped."""
        parent = self.key(program)
        if parent in self.moves_cache:
            return self.moves_cache[parent]
        groups: dict[int, Move] = {}
        for action in self.actions(program):
            child = self.canonical(apply_action(program, action))
            key = self.key(child)
            if key == parent:
                continue
            if key in groups:
                groups[key].actions.append(action)
            else:
                groups[key] = Move([action], child, key)
        moves = list(groups.values())
        self.moves_cache[parent] = moves
        return moves

    def evaluate(self, program: Program) -> Evaluation:
        return execute(program, self.problem, self.stage.settings)

    def score(self, program: Program) -> float:
        """Reward in [0, 1] of a (terminal) program, computed afresh: no cache, no counting."""
        ev = self.evaluate(program)
        terms = reward_terms(
            ev,
            self.problem,
            self.stage.settings.iterations,
            need_conditioning=self.stage.weights.conditioning > 0,
            cost_midpoint=self.stage.cost_midpoint,
        )
        return combine(terms, self.stage.weights)

    def reward(self, program: Program, key: int | None = None) -> float:
        """Reward in [0, 1] of a (terminal) program, cached by its key."""
        key = key if key is not None else self.key(program)
        if key not in self._rewards:
            start = time.perf_counter()
            value = self.score(program)
            self.record(key, value, time.perf_counter() - start)
        return self._rewards[key]

    def recorded_rewards(self) -> list[float]:
        """The reward of every program evaluated so far, in evaluation order."""
        return list(self._rewards.values())

    def cached(self, key: int) -> bool:
        """Whether the reward of the program with this key is known."""
        return key in self._rewards

    def record(self, key: int, value: float, seconds: float) -> None:
        """Cache a reward computed elsewhere (a worker) and count its interpreter run like one
        made here: one evaluation and ``seconds`` of interpreter time."""
        if key in self._rewards:
            raise ValueError(f"the reward of program {key} is already recorded")
        self.evaluations += 1
        self.eval_seconds += seconds
        self._rewards[key] = value
        if key == self._target_key and self.target_evaluation is None:
            self.target_evaluation, self.target_clock = self.evaluations, time.perf_counter()

    @property
    def target_key(self) -> int:
        """Canonical key of the stage's target program."""
        return self._target_key

    def is_target(self, program: Program) -> bool:
        """Exact match with the stage's target in canonical form."""
        return self.key(program) == self._target_key

"""gymnasium environment of the low-rank family: :class:`~linalg_discovery.env.RLAEnv`'s
stepping, masks and rewards over this family's programs, stages and problems.

Observation (a ``Dict``): ``program``, one row (section, operation, operand 1, operand 2,
target) of token ids per instruction, 0 for padding; ``features``, float32 (log10 m, log10 n,
log10 k, log10 σ₁/σ_{k+1}, insertions left), each in its exact range. Action: ``Discrete``
over every (section, position, instruction) of the stage's open sections and enabled
operations, legal ones marked by ``info["action_mask"]``.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from linalg_discovery.env import MAX_INSTRUCTIONS, RLAEnv
from linalg_discovery.grammar import Action
from linalg_discovery.lowrank.curriculum import stages
from linalg_discovery.lowrank.program import OPS, REGISTERS, SECTIONS, Instr, register_type
from linalg_discovery.lowrank.task import LowRankTask
from linalg_discovery.problems import LOG10_KAPPA_MAX, LOG10_SIZE_MAX, SINGULAR_FLOOR
from linalg_discovery.registration import LOWRANK_ENV_ID, register_env
from sciml.core.checks import check_integer

ENV_ID = LOWRANK_ENV_ID
_ALL_REGISTERS = tuple(r for names in REGISTERS.values() for r in names)
TOKENS = ("", *SECTIONS, *OPS, *_ALL_REGISTERS)
_TOKEN = {t: i for i, t in enumerate(TOKENS)}


def _instruction_universe(enabled: tuple[str, ...], section: str) -> list[Instr]:
    out = []
    for op in enabled:
        spec = OPS[op]
        if section not in spec.sections:
            continue
        if spec.effect:
            out.append(Instr(op, (), spec.effect[0]))
            continue
        pools = [
            [r for r in _ALL_REGISTERS if register_type(r) in ("uv" if t == "x" else t)]
            for t in spec.args
        ]
        for args in product(*pools):
            kind = register_type(args[0]) if spec.result == "=" else spec.result
            out.extend(Instr(op, args, r) for r in REGISTERS[kind])
    return out


class LowRankEnv(RLAEnv):
    """Program-discovery environment for the low-rank stage ``stage`` (a name from
    :func:`linalg_discovery.lowrank.curriculum.stages`) on m×n problems of rank k.

    Parameters
    ----------
    stage : str
        Low-rank curriculum stage.
    m, n, k : int
        Problem size and target rank.
    max_section_length : int
        Insert positions per section in the action space.
    fixed_problem_seed : int, optional
        Use this problem on every reset.
    render_mode : {None, "ansi"}

    Raises
    ------
    ValueError
        For an unknown stage, an invalid size or rank, or render mode.

    Examples
    --------
    >>> import gymnasium as gym
    >>> env = gym.make(register_lowrank_env(), stage="range-finder", m=40, n=30, k=4)
    >>> obs, info = env.reset(seed=0)
    >>> env.observation_space.contains(obs), int(info["action_mask"].sum()) > 0
    (True, True)
    """

    def __init__(
        self,
        stage: str = "range-finder",
        *,
        m: int = 300,
        n: int = 200,
        k: int = 10,
        max_section_length: int = 8,
        fixed_problem_seed: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        table = stages(m, n, k)
        if stage not in table:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(table)}")
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        gym.Env.__init__(self)
        self.stage = table[stage]
        self.render_mode = render_mode
        self.fixed_problem_seed = fixed_problem_seed
        max_section_length = check_integer(max_section_length, "max_section_length", minimum=0)
        self.max_section_length = max_section_length
        self._actions = [
            Action(section, position, ins)
            for section in self.stage.open_sections
            for position in range(max_section_length + 1)
            for ins in _instruction_universe(self.stage.enabled, section)
        ]
        self._index = {a: i for i, a in enumerate(self._actions)}
        self.action_space = spaces.Discrete(len(self._actions))
        high = [LOG10_SIZE_MAX] * 3 + [LOG10_KAPPA_MAX, self.stage.steps]
        self.observation_space = spaces.Dict(
            {
                "program": spaces.Box(
                    0, len(TOKENS) - 1, shape=(MAX_INSTRUCTIONS, 5), dtype=np.int64
                ),
                "features": spaces.Box(
                    np.zeros(5, dtype=np.float32), np.array(high, dtype=np.float32)
                ),
            }
        )
        self._task: LowRankTask | None = None
        self._program = self.stage.start
        self._depth = 0
        self._features = np.zeros(4, dtype=np.float32)
        self._moves: dict[int, Any] = {}
        self._moves_cache: dict = {}

    def _observation(self) -> dict[str, np.ndarray]:
        tokens = np.zeros((MAX_INSTRUCTIONS, 5), dtype=np.int64)
        for row, (section, _, ins) in enumerate(self._program.instructions()[:MAX_INSTRUCTIONS]):
            args = (*ins.args, "", "")[:2]
            tokens[row] = [_TOKEN[t] for t in (section, ins.op, args[0], args[1], ins.target)]
        left = np.float32(self.stage.steps - self._depth)
        return {"program": tokens, "features": np.append(self._features, left).astype(np.float32)}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        gym.Env.reset(self, seed=seed)
        problem_seed = self.fixed_problem_seed
        if problem_seed is None:
            problem_seed = int(self.np_random.integers(2**31 - 1))
        self._task = LowRankTask(self.stage, problem_seed, moves_cache=self._moves_cache)
        problem = self._task.problem
        sv = problem.singular_values
        decay = np.log10(sv[0]) - np.log10(max(sv[problem.k], SINGULAR_FLOOR))
        m, n = problem.shape
        self._features = np.array(
            [np.log10(m), np.log10(n), np.log10(problem.k), max(decay, 0.0)], dtype=np.float32
        )
        self._program = self._task.root
        self._depth = 0
        self._refresh()
        return self._observation(), self._info()


def register_lowrank_env() -> str:
    """Register :class:`LowRankEnv` (and :class:`~linalg_discovery.env.RLAEnv`) with
    gymnasium (once) and return its id."""
    register_env()
    return ENV_ID


register_lowrank_env()

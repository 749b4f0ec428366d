"""gymnasium environment: grow a program one instruction at a time for one curriculum stage.

Observation (a ``Dict``): ``program``, a fixed-size token array with one row
(section, operation, operand 1, operand 2, target) per instruction, 0 for padding; and
``features``, float32 (log10 m, log10 n, log10 κ(A), log10 μ(A), insertions left), each in
its exact range: sizes and coherence μ ∈ [1, m/n] in [0, log10 2⁶³], κ in
[0, :data:`~linalg_discovery.problems.LOG10_KAPPA_MAX`], insertions in [0, stage steps].
Action: ``Discrete`` over every (section, position, instruction) of the stage's open sections
and enabled operations; ``info["action_mask"]`` (also :meth:`RLAEnv.action_masks`) marks the
legal ones. A masked action ends the episode with reward 0 and ``info["illegal_action"]``.
The reward is 0 until the last insertion, then the stage's reward of the program.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from linalg_discovery.curriculum import stages
from linalg_discovery.grammar import Action
from linalg_discovery.problems import LOG10_KAPPA_MAX, LOG10_SIZE_MAX
from linalg_discovery.program import (
    INPUTS,
    MATRIX_REGISTERS,
    OPS,
    SECTIONS,
    VECTOR_REGISTERS,
    Instr,
    Program,
    register_type,
)
from linalg_discovery.registration import register_env
from linalg_discovery.task import Task
from sciml.core.checks import check_integer

MAX_INSTRUCTIONS = 16
TOKENS = ("", *SECTIONS, *OPS, *INPUTS, *VECTOR_REGISTERS, *MATRIX_REGISTERS, "P")
_TOKEN = {t: i for i, t in enumerate(TOKENS)}
_WORK = VECTOR_REGISTERS + MATRIX_REGISTERS


def _instruction_universe(enabled: tuple[str, ...], section: str) -> list[Instr]:
    out = []
    for op in enabled:
        spec = OPS[op]
        if section not in spec.sections:
            continue
        if spec.effect:
            out.append(Instr(op, (), spec.effect[0]))
            continue
        pools = []
        for t in spec.args:
            regs = [r for r in (*INPUTS, *_WORK) if t == "*" or register_type(r) == t]
            pools.append([r for r in regs if not (t == "*" and r == "x")])
        for args in product(*pools):
            if spec.commutative and list(args) != sorted(args):
                continue
            kind = register_type(args[0]) if spec.result == "=" else spec.result
            out.extend(Instr(op, args, r) for r in _WORK if register_type(r) == kind)
    return out


class RLAEnv(gym.Env):
    """Program-discovery environment: grow a program for one curriculum stage.

    The stage ``stage`` (a name from :func:`linalg_discovery.curriculum.stages`) is played on
    m×n problems; each ``reset`` draws a new problem instance from the seeded generator
    unless ``fixed_problem_seed`` is given. An episode inserts the stage's ``steps``
    instructions, one legal action each (see the module docstring for the spaces).

    Parameters
    ----------
    stage : str, default "psd-residual"
        Curriculum stage.
    m, n : int, default 1000, 20
        Size of the tall problems, n ≥ 4 and m ≥ 16·n (the PSD stage is always 5×5).
    max_section_length : int, default 8
        Insert positions per section in the action space (positions 0 to
        ``max_section_length``).
    fixed_problem_seed : int, optional
        Use this problem (seed ≥ 0) on every reset instead of drawing one.
    render_mode : {None, "ansi"}, default None
        ``render()`` returns the program as text with ``"ansi"``.

    Attributes
    ----------
    stage : Stage
        The curriculum stage played.
    action_space : gymnasium.spaces.Discrete
        One action per (section, position, instruction) of the stage's open sections.
    observation_space : gymnasium.spaces.Dict
        ``program`` (16×5 int64 tokens) and ``features`` (5 float32).
    program : Program
        The current (canonical) program.

    Raises
    ------
    ValueError
        For an unknown stage or render mode, or m, n the stages refuse; ``step`` for an
        action outside ``action_space``.
    TypeError
        For a non-integer m or n.
    RuntimeError
        From ``step`` before the first ``reset``.

    See Also
    --------
    linalg_discovery.discovery.discover : Search a whole curriculum path with MCGS, MCTS or
        random search.

    Examples
    --------
    >>> import gymnasium as gym
    >>> import numpy as np
    >>> import linalg_discovery
    >>> env = gym.make(linalg_discovery.ENV_ID, stage="psd-residual")
    >>> obs, info = env.reset(seed=0)
    >>> env.observation_space.contains(obs), obs["features"][-1]   # 2 insertions left
    (True, np.float32(2.0))
    >>> mask = info["action_mask"]   # int8, 1 on the legal actions
    >>> mask.shape == (env.action_space.n,), int(mask.sum())
    (True, 21)
    >>> legal = int(np.flatnonzero(mask)[0])
    >>> obs, reward, terminated, truncated, info = env.step(legal)
    >>> terminated, truncated, reward, obs["features"][-1]
    (False, False, 0.0, np.float32(1.0))
    >>> print(info["program"])
    setup:
    forward:
      V1 = add(b, b)
    update:
    step: x = x - lr * V1
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        stage: str = "psd-residual",
        *,
        m: int = 1000,
        n: int = 20,
        max_section_length: int = 8,
        fixed_problem_seed: int | None = None,
        render_mode: str | None = None,
    ) -> None:
        table = stages(m, n)
        if stage not in table:
            raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(table)}")
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.stage = table[stage]
        self.render_mode = render_mode
        self.fixed_problem_seed = fixed_problem_seed
        max_section_length = check_integer(max_section_length, "max_section_length", minimum=0)
        self.max_section_length = max_section_length
        self._actions: list[Action] = [
            Action(section, position, ins)
            for section in self.stage.open_sections
            for position in range(max_section_length + 1)
            for ins in _instruction_universe(self.stage.enabled, section)
        ]
        self._index = {a: i for i, a in enumerate(self._actions)}
        self.action_space = spaces.Discrete(len(self._actions))
        self.observation_space = spaces.Dict(
            {
                "program": spaces.Box(
                    0, len(TOKENS) - 1, shape=(MAX_INSTRUCTIONS, 5), dtype=np.int64
                ),
                "features": spaces.Box(
                    np.zeros(5, dtype=np.float32),
                    np.array(
                        [LOG10_SIZE_MAX, LOG10_SIZE_MAX, LOG10_KAPPA_MAX, LOG10_SIZE_MAX,
                         self.stage.steps],
                        dtype=np.float32,
                    ),
                    dtype=np.float32,
                ),
            }
        )
        self._task: Task | None = None
        self._program = Program()
        self._depth = 0
        self._features = np.zeros(4, dtype=np.float32)
        self._moves: dict[int, Program] = {}
        self._moves_cache: dict = {}

    @property
    def program(self) -> Program:
        """The current (canonical) program."""
        return self._program

    def index_of(self, action: Action) -> int:
        """The index in ``action_space`` of a grammar :class:`~linalg_discovery.grammar.Action`
        (``KeyError`` for one outside the space)."""
        return self._index[action]

    def action_masks(self) -> np.ndarray:
        """int8 mask of the legal actions in the current state."""
        mask = np.zeros(self.action_space.n, dtype=np.int8)
        mask[list(self._moves)] = 1
        return mask

    def _refresh(self) -> None:
        self._moves = {}
        if self._depth >= self.stage.steps:
            return
        for move in self._task.moves(self._program):
            for action in move.actions:
                index = self._index.get(action)
                if index is not None:
                    self._moves[index] = move.child

    def _observation(self) -> dict[str, np.ndarray]:
        tokens = np.zeros((MAX_INSTRUCTIONS, 5), dtype=np.int64)
        for row, (section, _, ins) in enumerate(self._program.instructions()[:MAX_INSTRUCTIONS]):
            args = (*ins.args, "", "")[:2]
            names = (section, ins.op, args[0], args[1], ins.target)
            tokens[row] = [_TOKEN[name] for name in names]
        left = np.float32(self.stage.steps - self._depth)
        return {"program": tokens, "features": np.append(self._features, left).astype(np.float32)}

    def _info(self, **extra: Any) -> dict[str, Any]:
        return {"action_mask": self.action_masks(), "program": str(self._program), **extra}

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Start an episode at the stage's start program on a new problem (drawn from the
        generator seeded by ``seed``, or ``fixed_problem_seed``); ``options`` is ignored.
        Returns the observation and ``info`` with ``action_mask`` and ``program``."""
        super().reset(seed=seed)
        problem_seed = self.fixed_problem_seed
        if problem_seed is None:
            problem_seed = int(self.np_random.integers(2**31 - 1))
        self._task = Task(self.stage, problem_seed, moves_cache=self._moves_cache)
        self._features = self._task.problem.features()
        self._program = self._task.root
        self._depth = 0
        self._refresh()
        return self._observation(), self._info()

    def step(self, action: int) -> tuple[dict[str, np.ndarray], float, bool, bool, dict[str, Any]]:
        """Insert the instruction of ``action``: (observation, reward, terminated, truncated,
        info). The episode ends when no legal action is left, after the stage's last insertion
        (reward: the stage's reward of the program, ``info["found"]``: whether it is the
        target), or at a masked action (reward 0, ``info["illegal_action"]``); ``truncated``
        is always False. ``RuntimeError`` before
        ``reset``, ``ValueError`` for an action outside ``action_space``."""
        if self._task is None:
            raise RuntimeError("call reset() before step()")
        if not self.action_space.contains(action):
            raise ValueError(
                f"action must be an integer in [0, {self.action_space.n}), got {action!r}"
            )
        index = int(action)
        if index not in self._moves:
            obs = self._observation()
            self._moves = {}
            return obs, 0.0, True, False, self._info(illegal_action=True)
        self._program = self._moves[index]
        self._depth += 1
        self._refresh()
        terminated = not self._moves
        reward = self._task.reward(self._program) if terminated else 0.0
        info = self._info(found=self._task.is_target(self._program)) if terminated else self._info()
        return self._observation(), float(reward), terminated, False, info

    def render(self) -> str | None:
        """The current program as text with ``render_mode="ansi"``, else ``None``."""
        if self.render_mode == "ansi":
            return str(self._program)
        return None


register_env()

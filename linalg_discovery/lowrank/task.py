"""One low-rank stage on one problem as a search problem: the least-squares
:class:`~linalg_discovery.task.Task` (reward cache, evaluation counting, merged moves) with
this family's canonical form, grammar and reward."""

from __future__ import annotations

from linalg_discovery.grammar import Action
from linalg_discovery.lowrank.canonical import eliminate_dead_code, program_key
from linalg_discovery.lowrank.interpreter import Evaluation, execute
from linalg_discovery.lowrank.program import Program, legal_actions
from linalg_discovery.lowrank.reward import combine, reward_terms
from linalg_discovery.task import Task


class LowRankTask(Task):
    """Search problem of a :class:`~linalg_discovery.lowrank.curriculum.LowRankStage`."""

    def canonical(self, program: Program) -> Program:
        return eliminate_dead_code(program)

    def key(self, program: Program) -> int:
        return program_key(program, self.stage.settings.iterations)

    def actions(self, program: Program) -> list[Action]:
        return legal_actions(program, self.stage.open_sections, self.stage.enabled)

    def evaluate(self, program: Program) -> Evaluation:
        return execute(program, self.problem, self.stage.settings)

    def score(self, program: Program) -> float:
        """Reward in [0, 1] of a (terminal) program, computed afresh."""
        terms = reward_terms(self.evaluate(program), self.problem)
        return combine(terms, self.stage.weights)

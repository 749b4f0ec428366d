"""The problem-family registry: name → :class:`Family`. A family brings its curriculum paths,
its :class:`~linalg_discovery.task.Task` subclass and its export; the searches, the reward
cache and the evaluation counting are shared."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sciml.core.registry import Registry


@dataclass(frozen=True)
class Family:
    """``path_names``; ``path_stages(path, m, n)`` (``None`` for the family's default sizes);
    ``task`` the Task class of its stages; ``export(program, stage)`` → (source, verification)."""

    path_names: tuple[str, ...]
    path_stages: Callable[..., list]
    task: type
    export: Callable[[Any, Any], tuple[str, dict[str, Any]]]


def _least_squares() -> Family:
    from linalg_discovery.curriculum import PATH_NAMES, path_stages
    from linalg_discovery.export import to_source, verify
    from linalg_discovery.task import Task

    def stages_of(path: str, m: int | None = None, n: int | None = None) -> list:
        return path_stages(path, 1000 if m is None else m, 20 if n is None else n)

    def export(program: Any, stage: Any) -> tuple[str, dict[str, Any]]:
        return to_source(program, stage.settings), verify(program, stage)

    return Family(PATH_NAMES, stages_of, Task, export)


#: Each family's curriculum paths, here so that listing them (the CLI's help and errors)
#: imports no curriculum; the tests hold them equal to each family's ``path_names``.
FAMILY_PATHS: dict[str, tuple[str, ...]] = {
    "least-squares": (
        "sketch-and-precondition",
        "sketch-and-solve",
        "sketch-and-project",
        "newton-sketch",
    ),
    "lowrank": ("randomized-svd", "nystrom"),
}

FAMILIES = Registry("problem family")
FAMILIES.register(
    "least-squares", "linalg_discovery.families:LEAST_SQUARES", help="least squares, logistic"
)
FAMILIES.register("lowrank", "linalg_discovery.lowrank.family:LOWRANK", help="rank-k approximation")


def __getattr__(name: str) -> Any:
    if name == "LEAST_SQUARES":
        return _least_squares()
    raise AttributeError(name)

"""Run a curriculum path with one search method: the function behind ``sciml discover``."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from tqdm.auto import tqdm

from linalg_discovery.curriculum import PATH_NAMES
from linalg_discovery.families import FAMILIES, FAMILY_PATHS
from linalg_discovery.search import SearchConfig, SearchResult, search_stage
from linalg_discovery.searches import SEARCHES

__all__ = ["FAMILIES", "PATH_NAMES", "SEARCHES", "DiscoveryResult", "discover"]


@dataclass
class DiscoveryResult:
    """Per-stage search results of a path and the last stage's program as NumPy source."""

    path: str
    search: str
    seed: int
    stages: list[tuple[str, SearchResult]]
    source: str
    verification: dict[str, Any] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return all(r.found for _, r in self.stages)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary: found, simulations, seconds, evaluations (unique interpreter runs)
        and their seconds, nodes, program (source) and stages."""
        results = [r for _, r in self.stages]
        return {
            "path": self.path,
            "search": self.search,
            "seed": self.seed,
            "found": self.found,
            "simulations": sum(r.simulations for r in results),
            "seconds": sum(r.seconds for r in results),
            "evaluations": sum(r.evaluations for r in results),
            "eval_seconds": sum(r.eval_seconds for r in results),
            "nodes": sum(r.nodes for r in results),
            "merged_nodes": sum(r.merged_nodes for r in results),
            "program": self.source,
            "verification": self.verification,
            "stages": [{"stage": name, **r.to_dict()} for name, r in self.stages],
        }


def discover(
    path: str,
    search: str = "mcgs",
    seed: int = 42,
    *,
    selection: str = "ucd",
    budget: int | None = None,
    workers: int = 1,
    batch: int = 1,
    backend: str = "process",
    scheduler: str | None = None,
    m: int | None = None,
    n: int | None = None,
    progress: bool = False,
    family: str = "least-squares",
) -> DiscoveryResult:
    """Search every stage of ``path`` with ``search``, each from its hand-written start
    program on the problem drawn with ``seed``; export the last stage's program as NumPy source
    and re-verify it against the interpreter on fresh problems.

    Parameters
    ----------
    path : str
        A curriculum path (:data:`PATH_NAMES`).
    search : str
        A registered search (:data:`~linalg_discovery.searches.SEARCHES`: ``mcgs``,
        ``mcts``, ``random``).
    seed : int
        Problem and search seed; the same seed gives the same result.
    selection : {"ucd", "uct", "puct"}
        MCGS selection rule.
    budget : int, optional
        Simulations per inserted instruction (MCGS/MCTS, default 20000) or random programs
        per stage (default 3000): the search's ``default_budget``.
    workers : int
        Workers that score the programs of each batch (processes, or Dask workers).
    batch : int
        Leaves picked per round (MCGS/MCTS); workers help only when it is above 1. The result
        depends on ``batch``, never on ``workers`` or ``backend``.
    backend : {"process", "dask"}
        A fork process pool, or a Dask cluster (``pip install 'sciml[distributed]'``): a local
        one of ``workers`` processes, or the one at ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:port"``, backend ``dask``); the
        search starts once ``workers`` workers have joined it.
    m, n : int, optional
        Size of the problems (the family's default: 1000×20 for least squares, 300×200 for
        low rank).
    progress : bool
        Show a tqdm bar over the stages.
    family : str
        A problem family (:data:`~linalg_discovery.families.FAMILIES`: ``least-squares``,
        ``lowrank``, whose paths are ``randomized-svd`` and ``nystrom``).

    Returns
    -------
    DiscoveryResult
        Per-stage results, ``found``, the exported ``source`` and its ``verification``.

    Raises
    ------
    ValueError
        For an unknown family, path, search or backend, a negative seed, or a scheduler that cannot
        be reached.
    TypeError
        For a seed that is not an integer.

    Examples
    --------
    >>> result = discover("sketch-and-solve", "mcgs", seed=42, budget=100)
    >>> result.found
    True
    >>> "def discovered_solver(A, b" in result.source
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    method = SEARCHES[search]
    kind = FAMILIES[family]
    if path not in kind.path_names:
        owner = [f for f, paths in FAMILY_PATHS.items() if path in paths and f != family]
        hint = f" ({path!r} is a path of family {owner[0]!r})" if owner else ""
        raise ValueError(
            f"unknown path {path!r} for family {family!r}; expected one of "
            f"{', '.join(kind.path_names)}{hint}"
        )
    stages = kind.path_stages(path, m, n)
    if budget is None:
        budget = method.default_budget
    config = SearchConfig(
        search=search,
        selection=selection,
        budget=budget,
        workers=workers,
        batch=batch,
        backend=backend,
        scheduler=scheduler,
    )
    results = []
    with config.open_pool() or nullcontext() as pool:
        for stage in tqdm(stages, desc=f"{path} ({search})", disable=not progress):
            task = kind.task(stage, seed)
            results.append((stage.name, search_stage(task, config, seed, pool=pool)))
    source, verification = kind.export(results[-1][1].program, stages[-1])
    return DiscoveryResult(path, search, seed, results, source, verification)

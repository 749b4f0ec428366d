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
        """Whether every stage's search reached its target program."""
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
    """Discover a solver by searching every stage of a curriculum path.

    Each stage of ``path`` is searched with ``search`` from its hand-written start program
    on the problem drawn with ``seed``; the last stage's program is exported as NumPy source
    and re-verified against the interpreter on fresh problems. This is the function behind
    ``sciml discover``.

    Parameters
    ----------
    path : str
        A curriculum path of ``family`` (:data:`PATH_NAMES` for least squares).
    search : str, default "mcgs"
        A registered search (:data:`~linalg_discovery.searches.SEARCHES`: ``mcgs``,
        ``mcts``, ``random``).
    seed : int, default 42
        Problem and search seed, ≥ 0; the same seed gives the same result.
    selection : {"ucd", "uct", "puct"}, default "ucd"
        MCGS selection rule.
    budget : int, optional
        Simulations per inserted instruction (MCGS/MCTS, default 20000) or random programs
        per stage (default 3000): the search's ``default_budget`` when ``None``.
    workers : int, default 1
        Workers that score the programs of each batch (processes, or Dask workers).
    batch : int, default 1
        Leaves picked per round (MCGS/MCTS); workers help only when it is above 1. The result
        depends on ``batch``, never on ``workers`` or ``backend``.
    backend : {"process", "dask"}, default "process"
        A fork process pool, or a Dask cluster (``pip install 'sciml[distributed]'``): a local
        one of ``workers`` processes, or the one at ``scheduler``.
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:port"``, backend ``dask``); the
        search starts once ``workers`` workers have joined it.
    m, n : int, optional
        Size of the problems (``None`` for the family's default: 1000×20 for least squares,
        with n ≥ 4 and m ≥ 16·n; 300×200 for low rank).
    progress : bool, default False
        Show a tqdm bar over the stages.
    family : str, default "least-squares"
        A problem family (:data:`~linalg_discovery.families.FAMILIES`: ``least-squares``,
        ``lowrank``, whose paths are ``randomized-svd`` and ``nystrom``).

    Returns
    -------
    DiscoveryResult
        Per-stage ``(stage name, SearchResult)`` pairs in ``stages``; ``found`` (every stage
        reached its target), the exported ``source`` and its ``verification``.

    Raises
    ------
    ValueError
        For an unknown family, path (or a path of another family), search, selection or
        backend; a negative seed; a budget, ``workers`` or ``batch`` below 1; problem sizes
        the family's stages refuse; a ``scheduler`` without backend ``dask``, one that
        cannot be reached, or one that ``workers`` workers do not join within 60 s.
    TypeError
        For a seed that is not an integer (or, for least squares, a non-integer m or n).
    ImportError
        For backend ``dask`` without ``dask.distributed`` installed.

    See Also
    --------
    linalg_discovery.env.RLAEnv : One curriculum stage as a gymnasium environment.
    linalg_discovery.solvers.lstsq : The discovered sketch-and-precondition solver.

    Examples
    --------
    A short path on small problems with a small budget:

    >>> result = discover("sketch-and-solve", "mcgs", seed=42, budget=100, m=320, n=8)
    >>> result.found, [name for name, _ in result.stages]
    (True, ['psd-residual', 'lowcond-gradient', 'lstsq-step', 'sketch-and-solve'])
    >>> print(result.stages[-1][1].program)
    setup:
      A, b = sketch_system(A, b)
    forward:
      V1 = matvec(A, x)
      V1 = sub(V1, b)
    update:
      V1 = lstsq(A, V1)
    step: x = x - lr * V1
    >>> "def discovered_solver(A, b" in result.source, result.verification["agrees"]
    (True, True)
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

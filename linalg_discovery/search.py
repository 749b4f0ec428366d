"""Monte Carlo Graph Search over programs, with plain MCTS and random search as baselines.

MCGS (Czech et al. 2020, as in RL4RLA): states (canonical key, depth) live in a transposition
table, and the actions of a node that reach the same canonical child form one merged edge.
A simulation descends by a selection rule, expands the first new node, plays uniformly random
legal moves to a terminal program and backs its reward up the path:
a node's N = 1 + Σ n_edge and Q = (v + Σ n_edge·Q_child)/N, with v its own rollout value.
Selection (unvisited edges first): UCT  Q_c + c·√(ln N / n_e); PUCT Q_c + c·P·√N/(1 + n_e)
with uniform P; UCD Q_c + c·√(ln N / N_c), N_c the child's visits over all its parents.
MCTS is the same search on a tree (one node per action path, no merging) with the same
selection rule and constant: on a tree N_c = n_e, so UCD and UCT coincide there.

Cost is counted alike for every search: the task caches rewards by canonical key, so
``evaluations`` are unique interpreter runs and ``eval_seconds`` their time; ``*_to_target``
give the simulations, evaluations and wall seconds when the target program was first run.

Rewards are deterministic, so a subgraph whose terminal programs are all evaluated is *solved*:
its exact best reward below is known, and selection skips it. At the root, LUCB on the mean
values Q (leader = best Q, challenger = best upper bound among the others, Hoeffding radii, 0
for a solved edge) stops the search once their bounds separate, or once the root is solved (the
reference's rule to stop when every value is 0 is left out: with sparse rewards it stops before
the target is seen). Means are compared with means only: a solved edge's exact maximum against
an open edge's mean bound stopped the search before the target was seen. The driver then
commits to the root edge below which the best reward was seen (ties: best Q), so the best
program seen stays reachable, keeps the subgraph below it, and searches again, until the
stage's insertion budget is used.

Interpreter runs can go to a process pool or a Dask cluster (:mod:`linalg_discovery.parallel`):
leaves are picked in batches (virtual visits keep a batch apart), each rollout draws from its own
stream (seed, step, simulation), and the batch's uncached terminal programs are scored by the
workers, each once, so the same seed gives the same search and the same cost counts whatever the
number of workers (``eval_seconds`` then sums the workers' interpreter time).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from linalg_discovery.parallel import BACKENDS, EvaluationPool, open_pool
from linalg_discovery.program import Program
from linalg_discovery.searches import SEARCHES, SearchMethod
from linalg_discovery.task import Task
from sciml.core.checks import check_choice, check_nonnegative, check_positive

SELECTIONS = ("uct", "puct", "ucd")


@dataclass(frozen=True)
class SearchConfig:
    """``search`` a name in :data:`~linalg_discovery.searches.SEARCHES`; ``selection`` in
    :data:`SELECTIONS` (MCGS only); exploration constant ``c``; at most ``budget`` simulations
    per inserted instruction; LUCB confidence ``delta``; ``batch`` leaves per round, whose
    programs are scored by ``workers`` workers of ``backend`` (:data:`BACKENDS`: ``process``
    forks a pool, ``dask`` starts a local Dask cluster, or joins the one at ``scheduler``,
    ``"tcp://host:port"``, once ``workers`` workers have joined)."""

    search: str = "mcgs"
    selection: str = "ucd"
    c: float = 0.5
    budget: int = 20_000
    delta: float = 0.05
    batch: int = 1
    workers: int = 1
    backend: str = "process"
    scheduler: str | None = None

    def __post_init__(self) -> None:
        SEARCHES.check(self.search, "search")
        check_choice(self.selection, "selection", SELECTIONS)
        for name in ("budget", "batch", "workers"):
            check_positive(getattr(self, name), name, integer=True)
        check_nonnegative(self.c, "c")
        if not 0 < check_positive(self.delta, "delta") < 1:
            raise ValueError(f"delta must be a number in (0, 1), got {self.delta!r}")
        check_choice(self.backend, "backend", BACKENDS)
        if self.scheduler is not None and self.backend != "dask":
            raise ValueError(f"scheduler needs backend 'dask', got backend {self.backend!r}")
        if self.scheduler is not None and not isinstance(self.scheduler, str):
            raise ValueError(
                f"scheduler must be an address string such as 'tcp://host:8786', "
                f"got {self.scheduler!r}"
            )

    @property
    def parallel(self) -> bool:
        """Whether programs are scored by workers (more than one, or a Dask cluster)."""
        return self.workers > 1 or self.backend == "dask"

    def open_pool(self) -> EvaluationPool | None:
        """The workers this configuration asks for (``None`` when it runs in-process)."""
        return open_pool(self.backend, self.workers, self.scheduler) if self.parallel else None


@dataclass
class SearchResult:
    """Outcome of one stage: the committed program, whether it is the target, and the cost;
    ``links`` counts the child links the tree searches' expansions made, ``transpositions``
    those that reached a program already in the graph (0 on a tree)."""

    found: bool
    program: Program
    reward: float
    simulations: int
    seconds: float
    nodes: int
    merged_nodes: int
    evaluations: int
    eval_seconds: float = 0.0
    links: int = 0
    transpositions: int = 0
    simulations_to_target: int | None = None
    evaluations_to_target: int | None = None
    seconds_to_target: float | None = None
    history: list[tuple[int, float]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "found": self.found,
            "reward": self.reward,
            "simulations": self.simulations,
            "seconds": self.seconds,
            "nodes": self.nodes,
            "merged_nodes": self.merged_nodes,
            "evaluations": self.evaluations,
            "eval_seconds": self.eval_seconds,
            "links": self.links,
            "transpositions": self.transpositions,
            "simulations_to_target": self.simulations_to_target,
            "evaluations_to_target": self.evaluations_to_target,
            "seconds_to_target": self.seconds_to_target,
            "program": str(self.program),
        }


class _Node:
    __slots__ = (
        "program", "key", "depth", "edges", "n_total", "q", "v", "parents", "solved", "best"
    )

    def __init__(self, program: Program, key: int, depth: int) -> None:
        self.program, self.key, self.depth = program, key, depth
        self.edges: list[_Edge] | None = None
        self.n_total = 0
        self.q = 0.0
        self.v = 0.0
        self.parents = 0
        self.solved: float | None = None  # exact best reward below, once known
        self.best = 0.0  # best reward seen below


class _Edge:
    __slots__ = ("child", "n", "pending")

    def __init__(self, child: _Node) -> None:
        self.child, self.n, self.pending = child, 0, 0


def _walk(task: Task, program: Program, depth: int, stream: list[int]) -> Program:
    """Uniformly random legal moves from ``program`` to a terminal program."""
    rng = np.random.default_rng(stream)
    while depth < task.stage.steps:
        moves = task.moves(program)
        if not moves:
            break
        program = moves[int(rng.integers(len(moves)))].child
        depth += 1
    return program


def _score_new(task: Task, programs: list[Program]) -> list[int]:
    """Record the rewards of the programs not cached yet (each once, in order; on the workers
    of ``task.pool`` when there are several); return every program's key."""
    keys = [task.key(p) for p in programs]
    new = {k: p for k, p in zip(keys, programs, strict=True) if not task.cached(k)}
    if task.pool is not None and len(new) > 1:
        scores = task.pool.scores(task, list(new.values()))
        for key, (value, seconds) in zip(new, scores, strict=True):
            task.record(key, value, seconds)
    else:
        for key, program in new.items():
            task.reward(program, key)
    return keys


class _Search:
    """Search state for one stage: the graph (or tree), counters and the best reward seen."""

    def __init__(self, task: Task, config: SearchConfig, seed: int, merge: bool) -> None:
        self.task, self.config, self.seed = task, config, seed
        self.merge = merge
        self.table: dict[tuple[int, int], _Node] = {}
        self.nodes = 0
        self.links = 0  # child links made by expansions
        self.transpositions = 0  # links that reached a node already in the graph
        self.simulations = 0
        self.target_simulations: int | None = None
        self.best = 0.0
        self.history: list[tuple[int, float]] = []
        root = task.root
        self.root = self._node(root, task.key(root), 0)

    def _node(self, program: Program, key: int, depth: int) -> _Node:
        self.links += depth > 0
        if self.merge and (key, depth) in self.table:
            node = self.table[(key, depth)]
            self.transpositions += 1
        else:
            node = _Node(program, key, depth)
            self.nodes += 1
            if self.merge:
                self.table[(key, depth)] = node
        node.parents += 1
        return node

    def _terminal(self, node: _Node) -> bool:
        if node.depth >= self.task.stage.steps:
            return True
        self._expand(node)
        return not node.edges

    def _expand(self, node: _Node) -> None:
        if node.edges is not None:
            return
        edges = []
        for move in self.task.moves(node.program):
            copies = 1 if self.merge else len(move.actions)
            edges.extend(
                _Edge(self._node(move.child, move.key, node.depth + 1)) for _ in range(copies)
            )
        node.edges = edges

    # selection ---------------------------------------------------------------------------
    def _score(self, node: _Node, edge: _Edge) -> float:
        n_edge = edge.n + edge.pending
        child = edge.child
        if n_edge == 0:
            return math.inf
        q = child.q - edge.pending / n_edge  # a pending visit counts as a loss
        n_node = max(1, node.n_total + sum(e.pending for e in node.edges))
        c = self.config.c
        if self.config.selection == "uct":
            return q + c * math.sqrt(math.log(n_node) / n_edge)
        if self.config.selection == "puct":
            return q + c * (1.0 / len(node.edges)) * math.sqrt(n_node) / (1 + n_edge)
        return q + c * math.sqrt(math.log(n_node) / max(child.n_total, 1))

    def _select(self, node: _Node, rng: np.random.Generator, root_edge: _Edge | None) -> _Edge:
        open_edges = [e for e in node.edges if e.child.solved is None]
        if root_edge is not None and root_edge in open_edges:
            return root_edge
        scores = np.array([self._score(node, e) for e in open_edges])
        best = np.flatnonzero(scores == scores.max())
        return open_edges[int(best[rng.integers(len(best))]) if len(best) > 1 else best[0]]

    # one simulation ----------------------------------------------------------------------
    def _descend(self, rng: np.random.Generator, root_edge: _Edge | None) -> tuple[list, _Node]:
        path: list[tuple[_Node, _Edge]] = []
        node = self.root
        first = True
        while not self._terminal(node) and node.n_total > 0 and node.solved is None:
            if all(e.child.solved is not None for e in node.edges):
                node.solved = max(e.child.solved for e in node.edges)
                break
            edge = self._select(node, rng, root_edge if first else None)
            first = False
            edge.pending += 1
            path.append((node, edge))
            node = edge.child
        return path, node

    def _backup(self, path: list, leaf: _Node, value: float, key: int | None) -> None:
        leaf.best = max(leaf.best, value)
        if self._terminal(leaf):
            leaf.solved = value
            leaf.q, leaf.v = value, value
            leaf.n_total += 1
        elif leaf.n_total == 0:
            leaf.v = leaf.q = value
            leaf.n_total = 1
        for node, edge in reversed(path):
            edge.pending -= 1
            edge.n += 1
            node.best = max(node.best, value)
            n = 1 + sum(e.n for e in node.edges)
            node.n_total = n
            node.q = (node.v + sum(e.n * e.child.q for e in node.edges)) / n
            if node.solved is None and all(e.child.solved is not None for e in node.edges):
                node.solved = max(e.child.solved for e in node.edges)
        self.simulations += 1
        if self.target_simulations is None and key == self.task.target_key:
            self.target_simulations = self.simulations
        if value > self.best:
            self.best = value
        self.history.append((self.simulations, self.best))

    def _round(self, step: int, root_edges: list[_Edge | None]) -> None:
        picks = []
        for i, root_edge in enumerate(root_edges):
            rng = np.random.default_rng([self.seed, step, self.simulations + i])
            path, leaf = self._descend(rng, root_edge)
            picks.append((path, leaf))
        programs: list[Program | None] = []
        for i, (_, leaf) in enumerate(picks):
            terminal = self._terminal(leaf)
            if leaf.solved is not None:
                programs.append(None)  # its reward is known: no run
            elif terminal:
                programs.append(leaf.program)
            else:
                stream = [self.seed, step, self.simulations + i, 1]
                programs.append(_walk(self.task, leaf.program, leaf.depth, stream))
        todo = [p for p in programs if p is not None]
        keys = iter(_score_new(self.task, todo))
        for (path, leaf), program in zip(picks, programs, strict=True):
            if program is None:
                self._backup(path, leaf, leaf.solved, None)
            else:
                key = next(keys)
                self._backup(path, leaf, self.task.reward(program, key), key)

    # root decision -----------------------------------------------------------------------
    def _value(self, edge: _Edge) -> float:
        return edge.child.q

    def _radius(self, edge: _Edge, visits: int) -> float:
        if edge.child.solved is not None:
            return 0.0
        if edge.n == 0:
            return math.inf
        k = len(self.root.edges)
        return math.sqrt(math.log(4.0 * k * max(visits, 1) ** 2 / self.config.delta) / (2 * edge.n))

    def _lucb(self) -> tuple[bool, _Edge | None, _Edge | None]:
        """(stop, leader, challenger) at the root."""
        edges = self.root.edges
        if self.root.solved is not None or len(edges) == 1:
            return True, None, None
        visits = self.root.n_total
        leader = max(edges, key=self._value)
        others = [e for e in edges if e is not leader]
        challenger = max(others, key=lambda e: self._value(e) + self._radius(e, visits))
        stop = self._value(leader) - self._radius(leader, visits) >= self._value(
            challenger
        ) + self._radius(challenger, visits)
        return stop, leader, challenger

    def search_step(self, step: int) -> None:
        """Simulations from the current root until LUCB stops or the budget is used."""
        self._expand(self.root)
        used = 0
        toggle = 0
        while used < self.config.budget:
            if self.root.n_total == 0 or any(e.n == 0 for e in self.root.edges):
                root_edges: list[_Edge | None] = [None] * self.config.batch
            else:
                stop, leader, challenger = self._lucb()
                if stop:
                    break
                root_edges = []
                for _ in range(self.config.batch):
                    pick = (leader, challenger)[toggle % 2]
                    toggle += 1
                    root_edges.append(pick if pick.child.solved is None else None)
            if self.root.solved is not None:
                break
            self._round(step, root_edges)
            used += len(root_edges)

    def commit(self) -> None:
        """Move the root to the child below which the best reward was seen (then best mean)."""

        def key(edge: _Edge) -> tuple[float, float]:
            child = edge.child
            return max(child.best, child.solved or 0.0), child.q

        self.root = max(self.root.edges, key=key).child


def search_stage(
    task: Task,
    config: SearchConfig | None = None,
    seed: int = 0,
    *,
    pool: EvaluationPool | None = None,
) -> SearchResult:
    """Grow the stage's start program one instruction per search (MCGS/MCTS) or sample random
    complete programs (random search; ``config.budget`` samples); report whether the result is
    the stage's target. The same seed gives the same search. ``pool`` (from
    :meth:`SearchConfig.open_pool`, to share one between stages) scores the programs, as
    ``task.pool`` while the search runs; without one, a search whose ``config`` is parallel
    opens its own and closes it."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    config = config or SearchConfig()
    method = SEARCHES[config.search]
    previous = task.pool
    own = config.open_pool() if pool is None and previous is None else None
    task.pool = pool or own or previous
    try:
        return method.run(task, config, seed)
    finally:
        task.pool = previous
        if own is not None:
            own.close()


def tree_search(task: Task, config: SearchConfig, seed: int, *, merge: bool) -> SearchResult:
    """MCGS (``merge``: one node per canonical program) or MCTS (a tree of action paths)."""
    start = time.perf_counter()
    search = _Search(task, config, seed, merge)
    step = 0
    while not search._terminal(search.root):
        search.search_step(step)
        search.commit()
        step += 1
    program = search.root.program
    reward = task.reward(program)
    merged = sum(1 for n in search.table.values() if n.parents > 1) if search.merge else 0
    return SearchResult(
        found=task.is_target(program),
        program=program,
        reward=reward,
        simulations=search.simulations,
        seconds=time.perf_counter() - start,
        nodes=search.nodes,
        merged_nodes=merged,
        evaluations=task.evaluations,
        links=search.links,
        transpositions=search.transpositions,
        history=search.history,
        **_target_cost(task, search.target_simulations, start),
    )


def _target_cost(task: Task, simulations: int | None, start: float) -> dict:
    if task.target_evaluation is None:
        return {"eval_seconds": task.eval_seconds}
    return {
        "eval_seconds": task.eval_seconds,
        "simulations_to_target": simulations,
        "evaluations_to_target": task.target_evaluation,
        "seconds_to_target": task.target_clock - start,
    }


def random_search(task: Task, config: SearchConfig, seed: int) -> SearchResult:
    """``config.budget`` uniformly random complete programs; the best one."""
    start = time.perf_counter()
    best, best_program, best_at = -1.0, task.root, 0
    history = []
    seen: set[int] = set()
    target_at = None
    for first in range(0, config.budget, _RANDOM_CHUNK):
        draws = range(first, min(first + _RANDOM_CHUNK, config.budget))
        programs = [_walk(task, task.root, 0, [seed, 0, i, 1]) for i in draws]
        keys = _score_new(task, programs)
        for i, program, key in zip(draws, programs, keys, strict=True):
            seen.add(key)
            if target_at is None and key == task.target_key:
                target_at = i + 1
            value = task.reward(program, key)
            if value > best:
                best, best_program, best_at = value, program, i + 1
            history.append((i + 1, best))
    return SearchResult(
        found=task.is_target(best_program),
        program=best_program,
        reward=best,
        simulations=best_at,
        seconds=time.perf_counter() - start,
        nodes=len(seen),
        merged_nodes=0,
        evaluations=task.evaluations,
        history=history,
        **_target_cost(task, target_at, start),
    )


_RANDOM_CHUNK = 256  # random programs scored per round (the result does not depend on it)

MCGS = SearchMethod(partial(tree_search, merge=True), default_budget=20_000)
MCTS = SearchMethod(partial(tree_search, merge=False), default_budget=20_000)
RANDOM = SearchMethod(random_search, default_budget=3000)

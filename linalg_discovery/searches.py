"""The search registry: name → :class:`SearchMethod`. A new search is one function
``run(task, config, seed) -> SearchResult`` wrapped in a ``SearchMethod``, and one line below
(entries load on first use)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sciml.core.registry import Registry


@dataclass(frozen=True)
class SearchMethod:
    """``run(task, config, seed)`` searches one curriculum stage and returns a
    :class:`~linalg_discovery.search.SearchResult`; ``default_budget`` is its
    ``SearchConfig.budget`` when the caller gives none (simulations per inserted
    instruction for the tree searches, programs for random search)."""

    run: Callable[..., Any]
    default_budget: int


SEARCHES = Registry("search")
SEARCHES.register("mcgs", "linalg_discovery.search:MCGS", help="Monte Carlo Graph Search")
SEARCHES.register("mcts", "linalg_discovery.search:MCTS", help="Monte Carlo tree search")
SEARCHES.register("random", "linalg_discovery.search:RANDOM", help="random complete programs")

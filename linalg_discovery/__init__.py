"""RL4RLA: discovery of randomized linear-algebra algorithms.

Programs of typed three-address instructions (:mod:`~linalg_discovery.program`) run by a
NumPy/SciPy interpreter with flop accounting (:mod:`~linalg_discovery.interpreter`), kept in a
canonical form (:mod:`~linalg_discovery.canonical`) and grown by a legal-action grammar
(:mod:`~linalg_discovery.grammar`) through a curriculum (:mod:`~linalg_discovery.curriculum`);
searched by Monte Carlo Graph Search (:mod:`~linalg_discovery.search`) or through the gymnasium
environment ``linalg_discovery/RLADiscovery-v0`` (:class:`~linalg_discovery.env.RLAEnv`), and
exported as NumPy source (:mod:`~linalg_discovery.export`). Reading ``linalg_discovery.ENV_ID``
(or importing :mod:`~linalg_discovery.env`) registers the environment with gymnasium; the
package itself imports no gymnasium. The discovered
sketch-and-precondition least-squares solver is callable as
:func:`linalg_discovery.solvers.lstsq`.
"""

from __future__ import annotations

from typing import Any

from sciml.core.lazy import lazy_exports

_LAZY = {
    "RLAEnv": "linalg_discovery.env",
    "discover": "linalg_discovery.discover",
    "PATH_NAMES": "linalg_discovery.curriculum",
    "SEARCHES": "linalg_discovery.searches",
}

_lazy_getattr = lazy_exports(__name__, _LAZY)


def __getattr__(name: str) -> Any:
    if name == "ENV_ID":
        from linalg_discovery.registration import register_env

        return register_env()
    return _lazy_getattr(name)


__all__ = ["ENV_ID", *_LAZY]

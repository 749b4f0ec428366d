"""RL4RLA: discovery of randomized linear-algebra algorithms.

Programs of typed three-address instructions (:mod:`~linalg_discovery.program`) run by a
NumPy/SciPy interpreter with flop accounting (:mod:`~linalg_discovery.interpreter`), kept in a
canonical form (:mod:`~linalg_discovery.canonical`) and grown by a legal-action grammar
(:mod:`~linalg_discovery.grammar`) through a curriculum (:mod:`~linalg_discovery.curriculum`);
searched by Monte Carlo Graph Search (:mod:`~linalg_discovery.search`) or through the gymnasium
environment ``linalg_discovery/RLADiscovery-v0`` (:class:`~linalg_discovery.env.RLAEnv`), and
exported as NumPy source (:mod:`~linalg_discovery.export`). Importing the package registers
``linalg_discovery/RLADiscovery-v0`` (:data:`ENV_ID`) and ``linalg_discovery/LowRankDiscovery-v0``
with gymnasium, when gymnasium is imported (:mod:`~linalg_discovery.registration`); the package
itself imports no gymnasium. The discovered
sketch-and-precondition least-squares solver is callable as
:func:`linalg_discovery.solvers.lstsq`.
"""

from __future__ import annotations

from linalg_discovery.registration import ENV_ID, register_when_gymnasium_loads
from sciml.core.lazy import lazy_exports

_LAZY = {
    "RLAEnv": "linalg_discovery.env",
    "discover": "linalg_discovery.discovery",
    "PATH_NAMES": "linalg_discovery.curriculum",
    "SEARCHES": "linalg_discovery.searches",
}

__getattr__ = lazy_exports(__name__, _LAZY)
register_when_gymnasium_loads()


__all__ = ["ENV_ID", *_LAZY]

"""The gymnasium ids of the package's environments, registered without importing gymnasium.

Gymnasium 1.x loads no plugins (its ``gymnasium.envs`` entry-point group is gone), so an
environment exists once some import registers it. Importing :mod:`linalg_discovery` calls
:func:`register_when_gymnasium_loads`: both ids are registered at once if gymnasium is
already imported, else the moment gymnasium's registry module is imported. Importing the
package (the CLI listing the searches) thus never imports gymnasium itself, and

>>> import gymnasium
>>> env = gymnasium.make("linalg_discovery:linalg_discovery/RLADiscovery-v0")

(gymnasium's ``"module:id"`` spelling) works without importing the package first.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

ENV_ID = "linalg_discovery/RLADiscovery-v0"
LOWRANK_ENV_ID = "linalg_discovery/LowRankDiscovery-v0"
ENTRY_POINTS = {
    ENV_ID: "linalg_discovery.env:RLAEnv",
    LOWRANK_ENV_ID: "linalg_discovery.lowrank.env:LowRankEnv",
}
_REGISTRY_MODULE = "gymnasium.envs.registration"


def _register_all(registration: Any) -> None:
    """Register every id of :data:`ENTRY_POINTS` missing from ``registration.registry``."""
    for env_id, entry_point in ENTRY_POINTS.items():
        if env_id not in registration.registry:
            registration.register(id=env_id, entry_point=entry_point)


def register_env() -> str:
    """Register :class:`~linalg_discovery.env.RLAEnv` (and the low-rank environment) with
    gymnasium, importing it, and return the id.

    Examples
    --------
    >>> import gymnasium
    >>> register_env() in gymnasium.registry
    True
    """
    import gymnasium.envs.registration

    _register_all(gymnasium.envs.registration)
    return ENV_ID


class _RegisterOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself; it wraps the loader of gymnasium's registry module so that both
    environments are registered right after that module runs."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != _REGISTRY_MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is not None and hasattr(loader, "exec_module"):
            run = loader.exec_module

            def exec_module(module: ModuleType) -> None:
                run(module)
                _register_all(module)

            loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def register_when_gymnasium_loads() -> None:
    """Register both environments now if gymnasium's registry is imported, else as soon as
    it is (a finder on ``sys.meta_path``, installed once); imports nothing."""
    module = sys.modules.get(_REGISTRY_MODULE)
    if module is not None and hasattr(module, "register"):
        _register_all(module)
    elif not any(isinstance(f, _RegisterOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _RegisterOnImport())

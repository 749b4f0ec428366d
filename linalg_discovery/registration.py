"""The gymnasium id of the environment, registered on first use so that importing the package
(the CLI listing the searches) does not import gymnasium."""

from __future__ import annotations

ENV_ID = "linalg_discovery/RLADiscovery-v0"


def register_env() -> str:
    """Register :class:`~linalg_discovery.env.RLAEnv` with gymnasium (once) and return its id.

    Examples
    --------
    >>> import gymnasium
    >>> register_env() in gymnasium.registry
    True
    """
    import gymnasium

    if ENV_ID not in gymnasium.registry:
        gymnasium.register(id=ENV_ID, entry_point="linalg_discovery.env:RLAEnv")
    return ENV_ID

"""Named parameter sets that reproduce the conventions of standard benchmark datasets."""

from __future__ import annotations

from typing import Any

from sciml.data.pde.darcy import DARCY, DARCY_PRESETS, check_darcy_params

PRESETS: dict[str, dict[str, dict[str, Any]]] = {"darcy": DARCY_PRESETS}

_CHECKS = {"darcy": lambda params: check_darcy_params(DARCY.params(params))}


def preset_params(pde: str, name: str) -> dict[str, Any]:
    """Parameters of preset ``name`` for generator ``pde`` (a copy), checked for meaning."""
    if pde not in PRESETS:
        raise ValueError(f"no presets for {pde!r}; presets exist for: {', '.join(sorted(PRESETS))}")
    if name not in PRESETS[pde]:
        known = ", ".join(sorted(PRESETS[pde]))
        raise ValueError(f"unknown preset {name!r} for {pde}; known: {known}")
    return dict(PRESETS[pde][name])


def check_params(pde: str, params: dict[str, Any]) -> None:
    """Refuse ``params`` whose values are outside their meaning (no-op for unchecked PDEs)."""
    if pde in _CHECKS:
        _CHECKS[pde](params)

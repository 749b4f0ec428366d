"""Named parameter sets that reproduce the conventions of standard benchmark datasets."""

from __future__ import annotations

from typing import Any

from sciml.data.pde.darcy import DARCY, DARCY_PRESETS, check_darcy_params

# The FNO paper's Burgers and Navier–Stokes settings (Li et al. 2021). Burgers: u0 → u(t = 1)
# at ν = 0.1 (the defaults' field), two frames. Navier–Stokes: dt = 1e-4 and a frame every time
# unit to T = 50 / 30 / 20 for ν = 1e-3 / 1e-4 / 1e-5 (t = 0 included here); the benchmark
# solves at 256² and subsamples to 64², so generate at 256² and view coarser for its grid.
FNO_BURGERS = {"fno-burgers": {"nu": 0.1, "t_final": 1.0, "n_times": 2}}
FNO_NAVIER_STOKES = {
    f"fno-ns-{name}": {"nu": nu, "t_final": t, "n_times": int(t) + 1, "dt": 1e-4}
    for name, nu, t in (("1e-3", 1e-3, 50.0), ("1e-4", 1e-4, 30.0), ("1e-5", 1e-5, 20.0))
}
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "darcy": DARCY_PRESETS,
    "burgers": FNO_BURGERS,
    "navier-stokes": FNO_NAVIER_STOKES,
}

_CHECKS = {"darcy": lambda params: check_darcy_params(DARCY.params(params))}


def preset_params(pde: str, name: str) -> dict[str, Any]:
    """Parameters of preset ``name`` for generator ``pde`` (a copy).

    Presets reproduce the settings of standard benchmark datasets (the FNO paper's Burgers,
    Darcy and Navier–Stokes, PDEBench's Darcy; Darcy's ``"sciml"`` is the defaults). They are
    overrides of the generator's defaults; ``sciml data generate --preset`` lays explicit
    ``--param`` values over them.

    Parameters
    ----------
    pde : str
        A generator with presets: ``"darcy"``, ``"burgers"`` or ``"navier-stokes"``.
    name : str
        The preset, e.g. ``"fno-darcy"``, ``"fno-burgers"``, ``"fno-ns-1e-3"``.

    Returns
    -------
    dict
        Parameter overrides for :func:`~sciml.data.pde.store.generate_dataset`'s ``params``;
        changing it leaves the preset as it is.

    Raises
    ------
    ValueError
        For a PDE without presets or an unknown preset name (the message lists the known
        ones).

    Examples
    --------
    >>> preset_params("burgers", "fno-burgers")
    {'nu': 0.1, 't_final': 1.0, 'n_times': 2}
    >>> preset_params("darcy", "fno")
    Traceback (most recent call last):
    ...
    ValueError: unknown preset 'fno' for darcy; known: fno-darcy, pdebench-darcy, sciml
    """
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

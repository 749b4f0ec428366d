"""The ``fno-darcy`` preset against neuraloperator's Darcy test files (shipped under
``tests/data/neuralop``, see PROVENANCE.md there).

Figures: the relative L2 distance between the files' solutions and the project's solver run
on the files' own coefficient fields with the preset's conventions (no normalisation); the
same with the published convention (a ∈ {12, 3}, cell centres) after the best scale; the
distance against the contrast a_high/a_low (best scale each), which locates the files'
contrast; and the two-point statistics of the coefficient indicator (share of equal values at
lags 1, 2, 4, 8 nodes) of the files and of the periodic and Neumann random fields at 32².
``--quick`` is the same run (seconds).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sciml.data.pde.base import draw
from sciml.data.pde.darcy import DARCY, DARCY_PRESETS, solve_darcy

FILES = Path(__file__).resolve().parent.parent / "tests" / "data" / "neuralop"
CONTRASTS = (4.0, 10.0, 15.0, 19.0, 25.0, 40.0)
LAGS = (1, 2, 4, 8)


def _shipped(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    data = torch.load(FILES / f"darcy_test_{resolution}.pt", weights_only=True)
    return data["x"].numpy(), data["y"].numpy().astype(np.float64)


def _on_nodes(indicator: np.ndarray, a_high: float, a_low: float) -> np.ndarray:
    a = np.pad(np.where(indicator, a_high, a_low), ((0, 1), (0, 1)), mode="edge")
    return solve_darcy(a, 1.0, grid="nodes")[:-1, :-1]


def _rel(u: np.ndarray, y: np.ndarray) -> float:
    return float(np.linalg.norm(u - y) / np.linalg.norm(y))


def _best_scale(u: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    scale = float(np.sum(u * y) / np.sum(u * u))
    return _rel(scale * u, y), scale


def _agreement(indicator: np.ndarray) -> list[float]:
    return [float(np.mean(indicator[:, :, :-k] == indicator[:, :, k:])) for k in LAGS]


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    start = time.perf_counter()
    preset = DARCY_PRESETS["fno-darcy"]
    solver = {}
    for resolution in (16, 32):
        x, y = _shipped(resolution)
        u = np.stack([_on_nodes(xi, preset["a_high"], preset["a_low"]) for xi in x])
        solver[str(resolution)] = _rel(u, y)
    x, y = _shipped(32)
    cells = np.stack([solve_darcy(np.where(xi, 12.0, 3.0)) for xi in x])
    contrast = {}
    for c in CONTRASTS:
        u = np.stack([_on_nodes(xi, c, 1.0) for xi in x])
        rel, scale = _best_scale(u, y)
        contrast[str(c)] = {"rel_l2": rel, "scale": scale}
    fields = {"files": _agreement(x)}
    for field in ("periodic", "cosine"):
        a = draw(DARCY, list(range(200)), 32, seed=0, params={**preset, "field": field})["a"]
        fields[field] = _agreement(a > 0.5)
    return {
        "files": [f"tests/data/neuralop/darcy_test_{r}.pt" for r in (16, 32)],
        "preset": preset,
        "solver_rel_l2_no_normalisation": solver,
        "published_12_3_cells_rel_l2_best_scale": _best_scale(cells, y)[0],
        "contrast_scan_32": contrast,
        "indicator_agreement_at_lags": {"lags": list(LAGS), **fields},
        "target_solver_within_3_percent_at_32": solver["32"] <= 0.03,
        "seconds": time.perf_counter() - start,
    }

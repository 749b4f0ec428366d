"""The model registry: shipped models live in ``solvers/models/<task>-d<degree>.pt``; they load
offline (``weights_only=True``) and are cached."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from solvers.learner import SpectralNet, load_model, model_path
from solvers.probes import SpectralProbe


def available_models(directory: str | os.PathLike | None = None) -> list[tuple[str, int]]:
    """(task, degree) of every ``<task>-d<degree>.pt`` in ``directory`` (default: shipped)."""
    base = model_path("precond", 1, directory).parent
    found = []
    for path in sorted(base.glob("*-d*.pt")):
        task, _, degree = path.stem.rpartition("-d")
        if degree.isdigit():
            found.append((task, int(degree)))
    return found


@lru_cache(maxsize=32)
def _cached(path: str, mtime: float) -> SpectralNet:
    return load_model(path)[0]


def get_model(task: str, degree: int, directory: str | os.PathLike | None = None) -> SpectralNet:
    """The model for (task, degree); ``ValueError`` listing the available ones if missing."""
    path = model_path(task, degree, directory)
    if directory is not None and not Path(directory).is_dir():
        problem = "is not a folder" if Path(directory).exists() else "does not exist"
        raise FileNotFoundError(f"models folder {str(directory)!r} {problem}")
    if not path.is_file():
        have = ", ".join(f"{t} d={d}" for t, d in available_models(directory)) or "none"
        raise ValueError(
            f"no learned model for task {task!r} at degree={degree} in {path.parent} "
            f"(available: {have}); train one with `sciml precond train` or choose another "
            "method/degree"
        )
    return _cached(str(path), Path(path).stat().st_mtime)


def model_from_file(path: str | os.PathLike, degree: int, task: str = "precond") -> SpectralNet:
    """The model in ``path``; ``ValueError`` naming ``model`` if the file is missing or holds a
    model for another task or degree."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"model: no such file {str(path)!r}")
    net = _cached(str(path), path.stat().st_mtime)
    if (net.config.task, net.config.degree) != (task, degree):
        raise ValueError(
            f"model {str(path)!r} is for task {net.config.task!r} at degree "
            f"{net.config.degree}, not {task!r} at degree={degree}"
        )
    return net


def predict(
    model: SpectralNet, probe: SpectralProbe, param: float = 1.0
) -> tuple[float, np.ndarray]:
    """(â, parameters) of the model for one probe: roots θ̂ (preconditioning) or Chebyshev
    coefficients on [â, 1] (matrix functions), in normalised units."""
    features = torch.tensor(probe.features(model.config.ritz))[None, :]
    lower = torch.tensor([max(probe.lower / probe.upper, 1e-8)], dtype=torch.float64)
    with torch.no_grad():
        a_hat, params = model(features, lower, torch.tensor([float(param)], dtype=torch.float64))
    return float(a_hat[0]), params[0].numpy().astype(np.float64)


def filter_coefficients(
    model: SpectralNet, probe: SpectralProbe, edge: float, cut: float
) -> tuple[float, np.ndarray]:
    """(l̂, c) of the filter network for one probe, the normalised wanted edge ŵ and cut ĉ
    (positions (θ − θ_min)/(u − θ_min)): the damped interval [l̂, 1] and the coefficients of
    Σ c_k T_k on it, in the same normalised units."""
    features = torch.tensor(probe.shifted_features(model.config.ritz))[None, :]
    edge_t = torch.tensor([float(edge)], dtype=torch.float64)
    cut_t = torch.tensor([float(cut)], dtype=torch.float64)
    with torch.no_grad():
        lo, coeffs = model(features, edge_t, cut_t)
    return float(lo[0]), coeffs[0].numpy().astype(np.float64)

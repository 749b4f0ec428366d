"""Reward of a program run, in [0, 1]: a weighted mean of four terms.

- accuracy    = clip((ln 0.1 − ln r_T)/ln 1e11, 0, 1), r_T the final relative residual
                (full marks at r_T = 1e-12);
- stability   = clip(−ln max_t r_t/r_{t−1}, 0, 1) (residual decay; 0 if it ever grows);
- cost        = 1/(1 + e^{c − c₀}), c = flops/(m·n·T) (or 4·seconds over the time of T
                gradient steps), c₀ = 5 unless a stage says otherwise, counted only when
                r_T < 0.1;
- conditioning = clip(1 − ln κ(AᵀA·R1)/ln κ(AᵀA), 0, 1), R1 after setup (1 when R1 = (AᵀA)⁻¹).

A failed run scores 0. The reference weights are (1, 10, 8, 0)/19 by default; each curriculum
stage sets its own.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from linalg_discovery.interpreter import Evaluation
from linalg_discovery.problems import Problem


class Weights(NamedTuple):
    """Weights of accuracy, stability, cost and conditioning (normalised to sum 1)."""

    accuracy: float = 1.0
    stability: float = 10.0
    cost: float = 8.0
    conditioning: float = 0.0


def accuracy_term(loss: float) -> float:
    return float(np.clip((np.log(0.1) - np.log(max(loss, 1e-300))) / np.log(1e11), 0.0, 1.0))


def stability_term(residuals: np.ndarray) -> float:
    r = np.maximum(np.asarray(residuals, dtype=np.float64), 1e-300)
    if r.size < 2:
        return 0.0
    return float(np.clip(-np.log(np.max(r[1:] / r[:-1])), 0.0, 1.0))


def cost_term(relative_cost: float, midpoint: float = 5.0) -> float:
    return float(1.0 / (1.0 + np.exp(min(relative_cost - midpoint, 700.0))))


def conditioning_term(a: np.ndarray, r1: np.ndarray) -> float:
    gram = a.T @ a
    if r1.shape != gram.shape:
        return 0.0
    with np.errstate(all="ignore"):
        kappa = np.linalg.cond(gram @ r1)
        base = np.linalg.cond(gram)
    if not np.isfinite(kappa) or base <= 1.0:
        return 0.0
    return float(np.clip(1.0 - np.log(kappa) / np.log(base), 0.0, 1.0))


def reward_terms(
    evaluation: Evaluation,
    problem: Problem,
    iterations: int,
    *,
    baseline_seconds: float | None = None,
    need_conditioning: bool = False,
    cost_midpoint: float = 5.0,
) -> dict[str, float]:
    """The four terms (all 0 for a failed run). ``baseline_seconds`` switches cost to time."""
    if evaluation.failed:
        return dict.fromkeys(Weights._fields, 0.0)
    m, n = problem.shape
    if baseline_seconds is not None and evaluation.seconds is not None:
        relative = 4.0 * evaluation.seconds / baseline_seconds
    else:
        relative = evaluation.flops / (m * n * iterations)
    loss = evaluation.loss
    terms = {
        "accuracy": accuracy_term(loss),
        "stability": stability_term(evaluation.residuals),
        "cost": cost_term(relative, cost_midpoint) if loss < 0.1 else 0.0,
        "conditioning": 0.0,
    }
    if need_conditioning and "R1" in evaluation.setup_registers:
        terms["conditioning"] = conditioning_term(problem.A, evaluation.setup_registers["R1"])
    return terms


def combine(terms: dict[str, float], weights: Weights) -> float:
    """Σ w_k·term_k / Σ w_k."""
    total = sum(weights)
    if total <= 0:
        raise ValueError(f"weights must have a positive sum, got {weights}")
    return float(sum(w * terms[k] for k, w in zip(Weights._fields, weights, strict=True)) / total)

"""Reward of a low-rank program run, in [0, 1]: a weighted mean of two terms.

- accuracy = ‖A − A_k‖_F / ‖A − Â_k‖_F = 1/ρ, the optimal (truncated SVD, Eckart–Young)
  rank-k error over the program's: 1 for an optimal approximation;
- cost     = 1/(1 + c/c₀), c = flops/(2·m·n·k) (passes of A over k vectors), c₀ = 10.

A failed run scores 0. Default weights (4, 1).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from linalg_discovery.lowrank.interpreter import Evaluation
from linalg_discovery.lowrank.primitives import rank_k_error
from linalg_discovery.lowrank.problems import LowRankProblem

COST_SCALE = 10.0


class Weights(NamedTuple):
    """Weights of accuracy and cost (normalised to sum 1)."""

    accuracy: float = 4.0
    cost: float = 1.0


def error_ratio(evaluation: Evaluation, problem: LowRankProblem) -> float:
    """ρ = ‖A − Â_k‖_F / ‖A − A_k‖_F (∞ for a failed run)."""
    if evaluation.failed:
        return float("inf")
    return rank_k_error(problem.A, evaluation.u, evaluation.v) / problem.optimal


def accuracy_term(ratio: float) -> float:
    return float(np.clip(1.0 / ratio, 0.0, 1.0)) if ratio > 0 else 0.0


def cost_term(relative_cost: float, scale: float = COST_SCALE) -> float:
    return float(1.0 / (1.0 + max(relative_cost, 0.0) / scale))


def reward_terms(evaluation: Evaluation, problem: LowRankProblem) -> dict[str, float]:
    """The two terms (both 0 for a failed run)."""
    if evaluation.failed:
        return dict.fromkeys(Weights._fields, 0.0)
    m, n = problem.shape
    return {
        "accuracy": accuracy_term(error_ratio(evaluation, problem)),
        "cost": cost_term(evaluation.flops / (2.0 * m * n * problem.k)),
    }


def combine(terms: dict[str, float], weights: Weights) -> float:
    """Σ w_i·term_i / Σ w_i."""
    total = sum(weights)
    if total <= 0:
        raise ValueError(f"weights must have a positive sum, got {weights}")
    return float(sum(w * terms[k] for k, w in zip(Weights._fields, weights, strict=True)) / total)

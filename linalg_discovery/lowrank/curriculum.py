"""Low-rank curriculum: stages that grow a plain range finder into the randomized SVD with
power iterations (Halko, Martinsson & Tropp 2011), and a Nyström stage for PSD input.

``randomized-svd`` path, each stage fixing one failure mode of the previous program:

1. ``range-finder`` (exponential spectrum): from Y = AΩ, orthonormalise (Q = orth(Y)) and
   project (V1 = AᵀQ), so Â = QQᵀA truncated to Q's first k columns;
2. ``small-svd`` (same): the first k columns of Q are not the best k; rotate both factors by
   the right singular vectors Z of AᵀQ (the SVD of the small projected matrix QᵀA). No
   product with A is enabled here: a power iteration in the finish beat the rotation on 3 of
   20 seeds, so the stage teaches the best approximation within range(Q), which the rotation
   is (Eckart–Young on QQᵀA);
3. ``power-iteration`` (polynomial spectrum, where Q = orth(AΩ) misses the tail of the
   dominant subspace): q = 2 passes Q ← orth(A·AᵀQ) in the loop.

``nystrom``: on a PSD A, Â = Y(ΩᵀY)⁺Yᵀ from the same Y = AΩ (one pass over A).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from linalg_discovery.lowrank.interpreter import Settings
from linalg_discovery.lowrank.problems import LowRankProblem, decaying_problem
from linalg_discovery.lowrank.program import Instr, Program, instr
from linalg_discovery.lowrank.reward import Weights
from sciml.core.checks import check_integer


@dataclass(frozen=True)
class LowRankStage:
    """One stage: problem generator (seed → problem), start and target programs, the open
    sections, the number of insertions (``steps``), the enabled operations, run settings and
    reward weights."""

    name: str
    description: str
    problem: Callable[[int], LowRankProblem]
    start: Program
    target: Program
    open_sections: tuple[str, ...]
    steps: int
    enabled: tuple[str, ...]
    settings: Settings = field(default_factory=Settings)
    weights: Weights = field(default_factory=Weights)


def _p(setup: tuple = (), iterate: tuple = (), finish: tuple = ()) -> Program:
    return Program(tuple(setup), tuple(iterate), tuple(finish))


ALL_OPS = ("range_gaussian", "range_sparse", "matmul", "rmatmul", "orth", "svd_right", "mul")

RANGE = (instr("range_gaussian", target="U1"),)
ORTH = (instr("orth", "U1", target="U1"),)
PROJECT = (instr("rmatmul", "U1", target="V1"),)
SMALL_SVD = (
    instr("svd_right", "V1", target="Z1"),
    instr("mul", "U1", "Z1", target="U1"),
    instr("mul", "V1", "Z1", target="V1"),
)
POWER = (
    instr("rmatmul", "U1", target="V2"),
    instr("matmul", "V2", target="U1"),
    instr("orth", "U1", target="U1"),
)
NYSTROM: tuple[Instr, ...] = (instr("nystrom"),)


def _stages(m: int, n: int, k: int) -> dict[str, LowRankStage]:
    def exponential(seed: int) -> LowRankProblem:
        return decaying_problem(m, n, k, "exponential", 0.5, seed)

    def polynomial(seed: int) -> LowRankProblem:
        return decaying_problem(m, n, k, "polynomial", 1.0, seed)

    def psd(seed: int) -> LowRankProblem:
        return decaying_problem(n, n, k, "polynomial", 1.0, seed, psd=True)

    projection = _p(RANGE + ORTH, (), PROJECT)
    rsvd = _p(RANGE + ORTH, (), PROJECT + SMALL_SVD)
    stages = [
        LowRankStage(
            "range-finder",
            "exponential spectrum: from Y = AΩ, Q = orth(Y) and the projection AᵀQ (Â = QQᵀA)",
            exponential,
            _p(RANGE),
            projection,
            ("setup", "finish"),
            2,
            ALL_OPS,
        ),
        LowRankStage(
            "small-svd",
            "exponential spectrum: rotate Q and AᵀQ by the SVD of the small matrix QᵀA",
            exponential,
            projection,
            rsvd,
            ("finish",),
            3,
            ("rmatmul", "orth", "svd_right", "mul"),
        ),
        LowRankStage(
            "power-iteration",
            "polynomial spectrum: q = 2 power iterations Q ← orth(A·AᵀQ) (randomized SVD)",
            polynomial,
            rsvd,
            _p(RANGE + ORTH, POWER, PROJECT + SMALL_SVD),
            ("iterate",),
            3,
            ALL_OPS,
        ),
        LowRankStage(
            "psd-nystrom",
            "PSD, polynomial spectrum: the Nyström approximation Y(ΩᵀY)⁺Yᵀ from Y = AΩ",
            psd,
            _p(RANGE),
            _p(RANGE + NYSTROM),
            ("setup", "finish"),
            1,
            (*ALL_OPS, "nystrom"),
        ),
    ]
    return {s.name: s for s in stages}


PATHS = {
    "randomized-svd": ("range-finder", "small-svd", "power-iteration"),
    "nystrom": ("psd-nystrom",),
}
PATH_NAMES = tuple(PATHS)


def stages(m: int = 300, n: int = 200, k: int = 10) -> dict[str, LowRankStage]:
    """All stages by name, on m×n problems (the Nyström stage n×n) of target rank k."""
    check_integer(m, "m", minimum=1)
    check_integer(n, "n", minimum=1)
    check_integer(k, "rank", minimum=1)
    if k + Settings().oversampling > min(m, n):
        raise ValueError(
            f"rank must be at most min(m, n) - {Settings().oversampling}, got {k} for {m}×{n}"
        )
    return _stages(m, n, k)


def path_stages(path: str, m: int = 300, n: int = 200, k: int = 10) -> list[LowRankStage]:
    """The stages of a path, in order; ``ValueError`` for an unknown path name."""
    if not isinstance(path, str) or path not in PATHS:
        raise ValueError(f"unknown path {path!r}; expected one of {', '.join(PATH_NAMES)}")
    table = stages(m, n, k)
    return [table[name] for name in PATHS[path]]

"""Curriculum: stages, each a start program, the target program it should grow into, the
section(s) open for insertions, the problem family and the reward weights.

A stage's start program is its target with the instructions to discover removed, so every
stage starts from the previous stage's hand-written target (as in RL4RLA). Paths chain stages:
``sketch-and-precondition`` is the reference path (PSD → low-condition tall → preconditioning
→ sketch-and-precondition → subsampling → leverage scores), ending in a stage that replaces the
reference's preconditioned gradient step by CG steps right-preconditioned by the sketched R
(Blendenpik/LSRN, which the reference does not reach); ``sketch-and-solve``,
``sketch-and-project`` (block Kaczmarz) and ``newton-sketch`` (logistic regression) branch off.
:data:`HARD_STAGES` are off the paths: their targets are 4–5 insertions from their starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from linalg_discovery.interpreter import Settings
from linalg_discovery.problems import (
    Problem,
    least_squares_problem,
    logistic_problem,
    psd_problem,
)
from linalg_discovery.program import Instr, Program, instr
from linalg_discovery.reward import Weights


@dataclass(frozen=True)
class Stage:
    """One curriculum stage (see the module docstring)."""

    name: str
    description: str
    problem: Callable[[int], Problem]
    start: Program
    target: Program
    open_sections: tuple[str, ...]
    steps: int
    enabled: tuple[str, ...]
    settings: Settings
    weights: Weights = field(default_factory=Weights)
    outputs: frozenset[str] = frozenset()
    cost_midpoint: float = 5.0


def _p(
    setup: tuple[Instr, ...] = (), forward: tuple[Instr, ...] = (), update: tuple[Instr, ...] = ()
) -> Program:
    return Program(tuple(setup), tuple(forward), tuple(update))


VECTOR = ("add", "sub", "matvec", "rmatvec")
MATRIX = ("matmul", "gram", "qr", "inv")
SKETCH_OPS = tuple(
    f"sketch_{k}" for k in ("gaussian", "srht", "srft", "countsketch", "sparse_sign")
)

# Targets, instruction by instruction.
RESIDUAL = (instr("matvec", "A", "x", target="V1"), instr("sub", "V1", "b", target="V1"))
GRADIENT = (instr("rmatvec", "A", "V1", target="V1"),)
PRECONDITIONER = (
    instr("qr", "A", target="R1"),
    instr("inv", "R1", target="R1"),
    instr("gram", "R1", "R1", target="R1"),
)
APPLY_R1 = (instr("matvec", "R1", "V1", target="V1"),)
SKETCH = instr("sketch_countsketch", "A", target="R1")
SKETCHED_PRECONDITIONER = (SKETCH, instr("qr", "R1", target="R1"), *PRECONDITIONER[1:])
SKETCHED_R = SKETCHED_PRECONDITIONER[:2]
KRYLOV_STEP = (instr("pcgls", "R1", "V1", target="V1"),)
SUBSAMPLE = (instr("subsample"),)
ROW_PROBABILITIES = (instr("rownorm"),)
LSTSQ = (instr("lstsq", "A", "V1", target="V1"),)
PROJECTION = (
    instr("gram", "A", "A", target="R1"),
    instr("inv", "R1", target="R1"),
    instr("matvec", "R1", "V1", target="V1"),
    instr("rmatvec", "A", "V1", target="V1"),
)
LOGISTIC_GRADIENT = (instr("grad", "x", target="V1"),)
HESSIAN = (instr("hess_sqrt", "x", target="R1"),)
NEWTON_FACTOR = (
    instr("qr", "R1", target="R1"),
    instr("inv", "R1", target="R1"),
    instr("gram", "R1", "R1", target="R1"),
)
HESSIAN_SKETCH = (instr("sketch_countsketch", "R1", target="R1"),)


def _stages(m: int, n: int) -> dict[str, Stage]:
    def low(seed: int) -> Problem:
        return least_squares_problem(m, n, cond=2.0, sigma_max=2.0, seed=seed)

    def mid(seed: int) -> Problem:
        return least_squares_problem(m, n, cond=100.0, seed=seed)

    def coherent(seed: int) -> Problem:
        return least_squares_problem(m, n, cond=10.0, coherence=0.5 * m / n, seed=seed)

    def logistic(seed: int) -> Problem:
        return logistic_problem(m, n, cond=10.0, seed=seed)

    lsgd = _p((), RESIDUAL, GRADIENT)
    pgd = _p(PRECONDITIONER, RESIDUAL, GRADIENT + APPLY_R1)
    spgd = _p(SKETCHED_PRECONDITIONER, RESIDUAL, GRADIENT + APPLY_R1)
    sampled = _p(SKETCHED_PRECONDITIONER, SUBSAMPLE + RESIDUAL, GRADIENT + APPLY_R1)
    newton = _p((), LOGISTIC_GRADIENT + HESSIAN + NEWTON_FACTOR, APPLY_R1)
    cost_only = Weights(0.0, 0.0, 1.0, 0.0)
    stages = [
        Stage(
            "psd-residual",
            "PSD 5×5, κ = 2: discover the residual Ax − b (Richardson iteration)",
            lambda seed: psd_problem(5, cond=2.0, seed=seed),
            _p(),
            _p((), RESIDUAL),
            ("forward",),
            2,
            ("add", "sub", "matvec"),
            Settings(lr=0.5),
        ),
        Stage(
            "lowcond-gradient",
            "tall, σ ∈ [1, 2]: discover the gradient Aᵀ(Ax − b) (least-squares GD)",
            low,
            _p((), RESIDUAL),
            lsgd,
            ("update",),
            1,
            VECTOR,
            Settings(lr=0.4),
        ),
        Stage(
            "midcond-preconditioner",
            "tall, κ = 100: discover R1 = R⁻¹R⁻ᵀ = (AᵀA)⁻¹ from QR(A) (conditioning reward)",
            mid,
            lsgd,
            _p(PRECONDITIONER, RESIDUAL, GRADIENT),
            ("setup",),
            3,
            VECTOR + MATRIX,
            Settings(lr=0.5),
            Weights(0.0, 0.0, 0.0, 1.0),
            frozenset({"R1"}),
        ),
        Stage(
            "midcond-preconditioned-gd",
            "tall, κ = 100: apply R1 to the gradient (preconditioned GD)",
            mid,
            _p(PRECONDITIONER, RESIDUAL, GRADIENT),
            pgd,
            ("update",),
            1,
            VECTOR + MATRIX,
            Settings(lr=0.5),
            outputs=frozenset({"R1"}),
        ),
        Stage(
            "sketch-and-precondition",
            "tall, κ = 100: R from QR(S·A) (sketch-and-precondition)",
            mid,
            _p(PRECONDITIONER[1:], RESIDUAL, GRADIENT + APPLY_R1),
            spgd,
            ("setup",),
            2,
            VECTOR + MATRIX + SKETCH_OPS,
            Settings(lr=0.5),
            Weights(1.0, 2.0, 8.0, 0.0),
        ),
        Stage(
            "subsampling",
            "tall, κ = 100: resample rows every iteration (cost-only reward)",
            mid,
            spgd,
            sampled,
            ("forward",),
            1,
            VECTOR + ("subsample",),
            Settings(lr=0.5, batch=8 * n),
            cost_only,
        ),
        Stage(
            "importance-sampling",
            "tall, high coherence: sample rows by importance (row norms or sketched leverage)",
            coherent,
            sampled,
            _p(
                ROW_PROBABILITIES + SKETCHED_PRECONDITIONER,
                SUBSAMPLE + RESIDUAL,
                GRADIENT + APPLY_R1,
            ),
            ("setup",),
            1,
            VECTOR + ("leverage", "rownorm"),
            Settings(lr=0.5, batch=8 * n),
        ),
        Stage(
            "sketched-krylov",
            "tall, κ = 100: CG steps on the residual right-preconditioned by R from QR(S·A) "
            "(Blendenpik/LSRN)",
            mid,
            _p(SKETCHED_R, RESIDUAL),
            _p(SKETCHED_R, RESIDUAL, KRYLOV_STEP),
            ("update",),
            1,
            VECTOR + ("lsqr", "pcgls", "trisolve"),
            Settings(lr=1.0, sketch_factor=12, lsqr_steps=10),
            outputs=frozenset({"R1"}),
            cost_midpoint=20.0,
        ),
        Stage(
            "lstsq-step",
            "tall, σ ∈ [1, 2]: a least-squares solve of the residual (one exact step)",
            low,
            _p((), RESIDUAL),
            _p((), RESIDUAL, LSTSQ),
            ("update",),
            1,
            VECTOR + ("lstsq", "trisolve"),
            Settings(lr=1.0),
        ),
        Stage(
            "sketch-and-solve",
            "tall, σ ∈ [1, 2]: solve the sketched system S·A, S·b",
            low,
            _p((), RESIDUAL, LSTSQ),
            _p((instr("sketch_system"),), RESIDUAL, LSTSQ),
            ("setup",),
            1,
            VECTOR + ("lstsq", "sketch_system"),
            Settings(lr=1.0),
        ),
        Stage(
            "row-sampling",
            "tall, σ ∈ [1, 2]: resample a block of rows every iteration (stochastic GD)",
            low,
            lsgd,
            _p((), SUBSAMPLE + RESIDUAL, GRADIENT),
            ("forward",),
            1,
            VECTOR + ("subsample",),
            Settings(lr=0.4, batch=8 * n),
            cost_only,
        ),
        Stage(
            "block-kaczmarz",
            "tall, σ ∈ [1, 2]: project onto the sampled block, x ← x − A_S⁺(A_S x − b_S)",
            low,
            _p((), SUBSAMPLE + RESIDUAL, PROJECTION[2:]),
            _p((), SUBSAMPLE + RESIDUAL, PROJECTION),
            ("update",),
            2,
            VECTOR + ("gram", "inv"),
            Settings(iterations=20, lr=1.0, batch=n // 2),
            Weights(4.0, 1.0, 1.0, 0.0),
        ),
        Stage(
            "logistic-gradient",
            "logistic regression: discover the gradient step",
            logistic,
            _p(),
            _p((), LOGISTIC_GRADIENT),
            ("forward",),
            1,
            VECTOR + ("grad", "hess_sqrt"),
            Settings(lr=0.1),
        ),
        Stage(
            "newton",
            "logistic regression: Newton's step, (∇²f)⁻¹ = R⁻¹R⁻ᵀ with R from QR(D^{1/2}A)",
            logistic,
            _p((), LOGISTIC_GRADIENT + HESSIAN + NEWTON_FACTOR[:1], APPLY_R1),
            newton,
            ("forward",),
            2,
            VECTOR + MATRIX,
            Settings(lr=1.0),
        ),
        Stage(
            "newton-sketch",
            "logistic regression: sketch the Hessian square root (Newton Sketch)",
            logistic,
            newton,
            _p((), LOGISTIC_GRADIENT + HESSIAN + HESSIAN_SKETCH + NEWTON_FACTOR, APPLY_R1),
            ("forward",),
            1,
            VECTOR + SKETCH_OPS,
            Settings(lr=0.8, sketch_factor=20),
            cost_midpoint=30.0,
        ),
        Stage(
            "hard-sketch-and-precondition",
            "tall, κ = 100, from plain LS-GD with no preconditioning given: R1 = (AᵀSᵀSA)⁻¹ "
            "from QR(S·A) applied to the gradient (5 insertions)",
            mid,
            lsgd,
            spgd,
            ("setup", "update"),
            5,
            VECTOR + MATRIX + SKETCH_OPS,
            Settings(lr=0.5),
            Weights(1.0, 2.0, 8.0, 0.0),
        ),
        Stage(
            "hard-newton-sketch",
            "logistic regression, from the gradient step and D^{1/2}A given: factor the "
            "sketched Hessian square root (Newton Sketch; 4 insertions)",
            logistic,
            _p((), LOGISTIC_GRADIENT + HESSIAN, APPLY_R1),
            _p((), LOGISTIC_GRADIENT + HESSIAN + HESSIAN_SKETCH + NEWTON_FACTOR, APPLY_R1),
            ("forward",),
            4,
            VECTOR + MATRIX + SKETCH_OPS,
            Settings(lr=0.8, sketch_factor=20),
            cost_midpoint=30.0,
        ),
    ]
    return {s.name: s for s in stages}


# Stages whose targets are 4-5 insertions from their start, in two open sections: a space where
# the search has to earn its keep (not on a path; ``benchmarks/bench_rl4rla.py hard``).
HARD_STAGES = ("hard-sketch-and-precondition", "hard-newton-sketch")


PATHS = {
    "sketch-and-precondition": (
        "psd-residual",
        "lowcond-gradient",
        "midcond-preconditioner",
        "midcond-preconditioned-gd",
        "sketch-and-precondition",
        "subsampling",
        "importance-sampling",
        "sketched-krylov",
    ),
    "sketch-and-solve": ("psd-residual", "lowcond-gradient", "lstsq-step", "sketch-and-solve"),
    "sketch-and-project": ("psd-residual", "lowcond-gradient", "row-sampling", "block-kaczmarz"),
    "newton-sketch": ("logistic-gradient", "newton", "newton-sketch"),
}
PATH_NAMES = tuple(PATHS)


def stages(m: int = 1000, n: int = 20) -> dict[str, Stage]:
    """All stages by name, on tall problems of size m×n (the PSD stage is always 5×5)."""
    for name, value in (("m", m), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if n < 4 or m < 16 * n:
        raise ValueError(f"need n >= 4 and m >= 16·n for the sketched stages, got m={m}, n={n}")
    return _stages(m, n)


def path_stages(path: str, m: int = 1000, n: int = 20) -> list[Stage]:
    """The stages of a path, in order; ``ValueError`` for an unknown path name."""
    if not isinstance(path, str) or path not in PATHS:
        raise ValueError(f"unknown path {path!r}; expected one of {', '.join(PATH_NAMES)}")
    table = stages(m, n)
    return [table[name] for name in PATHS[path]]

"""Run a low-rank program on a problem with NumPy/SciPy, counting flops.

Numeric failures (a LinAlgError, NaN/Inf, a register read before it is written, the flop or
time cap passed) end the run as *failed*; :func:`execute` never raises for those.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from linalg_discovery.lowrank import primitives as pr
from linalg_discovery.lowrank.problems import LowRankProblem
from linalg_discovery.lowrank.program import Instr, Program, validate_program


@dataclass(frozen=True)
class Settings:
    """ℓ = k + ``oversampling`` columns; the iterate section runs ``iterations`` times (q);
    ``sparse_nnz`` nonzeros per row of a sparse sign Ω; caps on flops and seconds."""

    oversampling: int = 5
    iterations: int = 2
    sparse_nnz: int = 4
    flop_cap: float = 1e10
    time_cap: float = 5.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("oversampling", "iterations", "sparse_nnz", "seed"):
            value = getattr(self, name)
            low = 1 if name == "sparse_nnz" else 0
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        for name in ("flop_cap", "time_cap"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass
class Evaluation:
    """Outcome of one run: the factors U (m×k), V (n×k) with Â_k = UVᵀ, flops, failure."""

    flops: float
    u: np.ndarray | None = None
    v: np.ndarray | None = None
    failed: bool = False
    reason: str = ""


class _Failure(Exception):
    pass


def _flops(ins: Instr, regs: dict[str, np.ndarray], m: int, n: int, width: int, nnz: int) -> float:
    op = ins.op
    if op == "range_gaussian":
        return 2.0 * m * n * width
    if op == "range_sparse":
        return 2.0 * m * n * min(nnz, width)
    if op in ("matmul", "rmatmul"):
        return 2.0 * m * n * width
    rows = regs[ins.args[0]].shape[0] if ins.args else m
    if op == "orth":
        return pr.orthonormalize_flops(rows, width)
    if op == "svd_right":
        return pr.small_svd_flops(rows, width)
    if op == "mul":
        return 2.0 * rows * width * width
    if op == "nystrom":
        return 2.0 * n * width**2 + width**3 / 3.0 + n * width**2 + pr.small_svd_flops(n, width)
    raise ValueError(f"no flop count for {op!r}")


class _Machine:
    def __init__(self, problem: LowRankProblem, settings: Settings) -> None:
        self.a, self.settings = problem.A, settings
        self.width = min(problem.k + settings.oversampling, min(problem.shape))
        noise = np.random.default_rng([settings.seed, 0])
        self.regs: dict[str, np.ndarray] = {  # live caches
            "V1": 1e10 * noise.random((self.a.shape[1], self.width)),
            "Z1": 1e10 * noise.random((self.width, self.width)),
        }
        self.omegas: dict[str, object] = {}
        self.flops = 0.0

    def omega(self, kind: str) -> object:
        if kind not in self.omegas:
            n, seed = self.a.shape[1], self.settings.seed
            rng = np.random.default_rng([seed, 1, pr.TEST_MATRICES.index(kind)])
            if kind == "gaussian":
                self.omegas[kind] = pr.gaussian_test_matrix(n, self.width, rng)
            else:
                self.omegas[kind] = pr.sparse_sign_test_matrix(
                    n, self.width, rng, self.settings.sparse_nnz
                )
        return self.omegas[kind]

    def run(self, ins: Instr) -> None:
        unset = [r for r in ins.uses() if r not in self.regs]
        if unset:
            raise _Failure(f"{ins} reads uninitialised register(s) {', '.join(unset)}")
        m, n = self.a.shape
        self.flops += _flops(ins, self.regs, m, n, self.width, self.settings.sparse_nnz)
        if self.flops > self.settings.flop_cap:
            raise _Failure(f"flop cap {self.settings.flop_cap:g} passed at {ins}")
        regs, a = self.regs, self.a
        args = [regs[r] for r in ins.args]
        op = ins.op
        if op == "nystrom":
            if m != n:
                raise _Failure("nystrom needs a square (PSD) A")
            u, lam = pr.nystrom(a, self.omega("gaussian"), regs["U1"])
            regs["U1"], regs["V1"] = u * lam, u
            return
        if op == "range_gaussian":
            value = pr.range_finder(a, self.omega("gaussian"))
        elif op == "range_sparse":
            value = pr.range_finder(a, self.omega("sparse_sign"))
        elif op == "matmul":
            value = a @ args[0]
        elif op == "rmatmul":
            value = a.T @ args[0]
        elif op == "orth":
            value = pr.orthonormalize(args[0])
        elif op == "svd_right":
            value = pr.small_svd_rotation(args[0])
        else:
            value = args[0] @ args[1]
        if not np.all(np.isfinite(value)):
            raise _Failure(f"non-finite result at {ins}")
        regs[ins.target] = value


def execute(
    program: Program, problem: LowRankProblem, settings: Settings | None = None
) -> Evaluation:
    """Run setup once, iterate ``settings.iterations`` times, finish once; return the first k
    columns of U1 and V1 (Â_k = U1[:, :k]·V1[:, :k]ᵀ) and the flops. The test matrices Ω are
    drawn once per run from streams keyed by (seed, kind)."""
    program = validate_program(program)
    if not isinstance(problem, LowRankProblem):
        raise TypeError(f"problem must be a LowRankProblem, got {type(problem).__name__}")
    settings = settings or Settings()
    mach = _Machine(problem, settings)
    start = time.perf_counter()
    sections = [program.setup] + [program.iterate] * settings.iterations + [program.finish]
    try:
        with np.errstate(all="ignore"):
            for instrs in sections:
                for ins in instrs:
                    mach.run(ins)
                    if time.perf_counter() - start > settings.time_cap:
                        raise _Failure(f"time cap {settings.time_cap:g} s passed")
            if "U1" not in mach.regs:
                raise _Failure("the result reads U1, which is never set")
    except _Failure as exc:
        return Evaluation(mach.flops, failed=True, reason=str(exc))
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as exc:
        return Evaluation(mach.flops, failed=True, reason=f"{type(exc).__name__}: {exc}")
    k = problem.k
    return Evaluation(mach.flops, mach.regs["U1"][:, :k], mach.regs["V1"][:, :k])

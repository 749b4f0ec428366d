"""Run a program on a problem with NumPy/SciPy, counting flops (and optionally wall time).

Any numeric failure (a LinAlgError, a shape mismatch, NaN/Inf), an instruction that would pass
the flop cap or make a matrix larger than the size cap, or an evaluation past the time cap ends
the run as *failed*; :func:`execute` never raises for those. A malformed program (not built
from this package's instructions) raises ``TypeError``/``ValueError``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from linalg_discovery import primitives as pr
from linalg_discovery.primitives import SKETCH_KINDS
from linalg_discovery.problems import Problem
from linalg_discovery.program import (
    LIVE_REGISTERS,
    SECTIONS,
    Instr,
    Program,
    validate_program,
)

CONVERGED = 1e-14


@dataclass(frozen=True)
class Settings:
    """How a program is run: T iterations of step size ``lr``; ``batch`` rows per subsample;
    sketches with d = ``sketch_factor``·n rows; caps on flops, matrix size and seconds."""

    iterations: int = 10
    lr: float = 0.5
    batch: int = 100
    sketch_factor: int = 8
    lsqr_steps: int = 5  # Krylov steps per call of lsqr / pcgls
    flop_cap: float = 1e9
    size_cap: int = 4_000_000
    time_cap: float = 5.0
    measure_time: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("iterations", "batch", "sketch_factor", "lsqr_steps", "size_cap", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
            if value < (0 if name == "seed" else 1):
                raise ValueError(f"{name} must be positive, got {value}")
        for name in ("lr", "flop_cap", "time_cap"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a positive finite number, got {value!r}")


@dataclass
class Evaluation:
    """Outcome of one run: relative residuals r_0 = 1, r_1, …; flops; seconds (when measured)."""

    residuals: np.ndarray
    flops: float
    seconds: float | None = None
    failed: bool = False
    reason: str = ""
    x: np.ndarray | None = None
    setup_registers: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def loss(self) -> float:
        return float(self.residuals[-1]) if not self.failed else float("inf")


class _Failure(Exception):
    pass


def _flops(ins: Instr, regs: dict[str, np.ndarray], settings: Settings) -> tuple[float, int]:
    """(flops, elements of the result) of an instruction before it runs."""
    op = ins.op
    shapes = [regs[a].shape for a in ins.args]
    m, n = regs["A"].shape
    if op in ("add", "sub"):
        return float(shapes[0][0]), shapes[0][0]
    if op in ("matvec", "rmatvec"):
        p, q = shapes[0]
        return 2.0 * p * q, max(p, q)
    if op == "matmul":
        (p, q), (_, r) = shapes
        return 2.0 * p * q * r, p * r
    if op == "gram":
        (p, q), (r, _) = shapes
        return 2.0 * p * q * r, p * r
    if op == "qr":
        p, q = shapes[0]
        k = min(p, q)
        return 2.0 * p * q * k - 2.0 * k**3 / 3.0, q * q
    if op == "inv":
        p, q = shapes[0]
        k = min(p, q)
        if pr.is_upper_triangular(regs[ins.args[0]]):
            return k**3 / 3.0, p * q
        return 2.0 * p * q * k + 11.0 * k**3, p * q
    if op == "trisolve":
        return float(shapes[0][0] ** 2), shapes[0][0]
    if op == "lstsq":
        p, q = shapes[0]
        return 2.0 * p * q * q + 4.0 * p * q, q
    if op == "lsqr":
        p, q = shapes[0]
        return settings.lsqr_steps * (4.0 * p * q + 10.0 * (p + q)), q
    if op == "pcgls":
        return pr.preconditioned_cgls_flops(m, n, settings.lsqr_steps), n
    if op.startswith("sketch_") and op != "sketch_system":
        rows = shapes[0][0]
        cols = shapes[0][1] if len(shapes[0]) == 2 else 1
        d = min(settings.sketch_factor * n, rows)
        return pr.sketch_flops(op.removeprefix("sketch_"), d, rows) * cols, d * cols
    if op == "subsample":
        return float(settings.batch * (n + 1) + m), settings.batch * n
    if op == "sketch_system":
        return 16.0 * m * (n + 1), settings.sketch_factor * n * n
    if op == "leverage":
        return pr.sketched_leverage_flops(m, n), m
    if op == "rownorm":
        return 2.0 * m * n, m
    if op == "grad":
        return 4.0 * m * n + 12.0 * m, n
    if op == "hess_sqrt":
        return 3.0 * m * n + 12.0 * m, m * n
    raise ValueError(f"no flop count for {op!r}")


class _Machine:
    """Register file and random streams of one run."""

    def __init__(self, problem: Problem, settings: Settings) -> None:
        self.problem = problem
        self.settings = settings
        m, n = problem.shape
        noise = np.random.default_rng([settings.seed, 0])
        self.base = {"A": problem.A, "b": problem.b}
        self.regs: dict[str, np.ndarray] = {"A": problem.A, "b": problem.b, "x": np.zeros(n)}
        self.regs["V1"] = 1e10 * noise.random(n)
        self.regs["R1"] = 1e10 * noise.random((n, n))
        self.p: np.ndarray | None = None
        self.sketches: dict[tuple[str, int], pr.Sketch] = {}
        self.flops = 0.0
        self.op_seconds = 0.0

    def sketch(self, kind: str, rows: int) -> pr.Sketch:
        key = (kind, rows)
        d = self.settings.sketch_factor * self.problem.shape[1]
        if d >= rows:
            raise _Failure(f"a sketch to {d} rows of an input with {rows} rows compresses nothing")
        if key not in self.sketches:
            rng = np.random.default_rng([self.settings.seed, 1, SKETCH_KINDS.index(kind), rows])
            self.sketches[key] = pr.make_sketch(kind, d, rows, rng)
        return self.sketches[key]

    def run(self, ins: Instr, stream: list[int]) -> None:
        unset = [a for a in ins.args if a not in self.regs]
        if unset:
            raise _Failure(f"{ins} reads uninitialised register(s) {', '.join(unset)}")
        flops, size = _flops(ins, self.regs, self.settings)
        if self.flops + flops > self.settings.flop_cap:
            raise _Failure(f"flop cap {self.settings.flop_cap:g} passed at {ins}")
        if size > self.settings.size_cap:
            raise _Failure(f"result of {ins} has {size} elements (cap {self.settings.size_cap})")
        self.flops += flops
        start = time.perf_counter()
        self._apply(ins, stream)
        self.op_seconds += time.perf_counter() - start

    def _apply(self, ins: Instr, stream: list[int]) -> None:
        regs, op, s = self.regs, ins.op, self.settings
        args = [regs[a] for a in ins.args]
        if op == "subsample":
            a, b = regs["A"], regs["b"]
            p = self.p if self.p is not None and len(self.p) == a.shape[0] else None
            idx, w = pr.sample_rows(a.shape[0], s.batch, p, np.random.default_rng(stream))
            regs["A"], regs["b"] = a[idx] * w[:, None], b[idx] * w
            return
        if op == "sketch_system":
            sk = self.sketch("sparse_sign", regs["A"].shape[0])
            regs["A"], regs["b"] = sk(regs["A"]), sk(regs["b"])
            return
        if op == "leverage":
            rng = np.random.default_rng([s.seed, 3])
            scores = pr.sketched_leverage_scores(regs["A"], rng)
            self.p = scores / scores.sum()
            return
        if op == "rownorm":
            self.p = pr.row_norm_probabilities(regs["A"])
            return
        result = _VALUE_OPS[op](self, *args) if op in _VALUE_OPS else None
        if result is None:
            kind = op.removeprefix("sketch_")
            result = self.sketch(kind, args[0].shape[0])(args[0])
        result = np.asarray(result, dtype=np.float64)
        if not np.all(np.isfinite(result)):
            raise _Failure(f"non-finite result at {ins}")
        regs[ins.target] = result


_VALUE_OPS = {
    "add": lambda mach, u, v: u + v,
    "sub": lambda mach, u, v: u - v,
    "matvec": lambda mach, a, v: a @ v,
    "rmatvec": lambda mach, a, v: a.T @ v,
    "matmul": lambda mach, a, c: a @ c,
    "gram": lambda mach, a, c: a @ c.T,
    "qr": lambda mach, a: pr.qr_r(a),
    "inv": lambda mach, a: pr.invert(a),
    "trisolve": lambda mach, r, v: pr.triangular_solve(r, v),
    "lstsq": lambda mach, a, v: pr.lstsq(a, v),
    "lsqr": lambda mach, a, v: pr.lsqr_step(a, v, mach.settings.lsqr_steps),
    "pcgls": lambda mach, r, v: pr.preconditioned_cgls(
        mach.regs["A"], r, v, mach.settings.lsqr_steps
    ),
    "grad": lambda mach, v: pr.logistic_gradient(
        mach.regs["A"], mach.regs["b"], v, mach.problem.ridge
    ),
    "hess_sqrt": lambda mach, v: pr.logistic_hessian_sqrt(mach.regs["A"], v),
}


def _random_stream(settings: Settings, section: str, iteration: int, ordinal: int) -> list[int]:
    return [settings.seed, 2, SECTIONS.index(section), iteration, ordinal]


def execute(program: Program, problem: Problem, settings: Settings | None = None) -> Evaluation:
    """Run ``program`` for ``settings.iterations`` iterations from x₀ = 0 (stopping early once
    the relative residual is below 1e-14) and record r_t, flops and (optionally) seconds.

    Row sampling draws from its own stream, keyed by (seed, section, iteration, position among
    the sampling instructions of its section); a sketch S of a given kind and input size is
    drawn once per run, so S·A and S·b use the same S.
    """
    program = validate_program(program)
    if not isinstance(problem, Problem):
        raise TypeError(f"problem must be a linalg_discovery Problem, got {type(problem).__name__}")
    settings = settings or Settings()
    if not isinstance(settings, Settings):
        raise TypeError(f"settings must be Settings, got {type(settings).__name__}")
    mach = _Machine(problem, settings)
    residuals = [1.0]
    start = time.perf_counter()
    try:
        with np.errstate(all="ignore"):
            _run_section(mach, program.setup, "setup", 0, start)
            mach.base = {"A": mach.regs["A"], "b": mach.regs["b"]}
            setup_regs = {r: mach.regs[r] for r in LIVE_REGISTERS}
            for t in range(settings.iterations):
                mach.regs.update(mach.base)
                _run_section(mach, program.forward, "forward", t, start)
                _run_section(mach, program.update, "update", t, start)
                v1 = mach.regs["V1"]
                if v1.shape != mach.regs["x"].shape:
                    raise _Failure(f"V1 has shape {v1.shape}, x has {mach.regs['x'].shape}")
                x = mach.regs["x"] - settings.lr * v1
                mach.flops += 2.0 * x.size
                if not np.all(np.isfinite(x)):
                    raise _Failure("non-finite iterate")
                mach.regs["x"] = x
                residuals.append(problem.residual(x))
                if not np.isfinite(residuals[-1]):
                    raise _Failure("non-finite residual")
                if residuals[-1] < CONVERGED:
                    break
    except _Failure as exc:
        return Evaluation(np.array(residuals), mach.flops, failed=True, reason=str(exc))
    except (ArithmeticError, ValueError, IndexError, MemoryError, np.linalg.LinAlgError) as exc:
        return Evaluation(
            np.array(residuals), mach.flops, failed=True, reason=f"{type(exc).__name__}: {exc}"
        )
    return Evaluation(
        np.array(residuals),
        mach.flops,
        seconds=mach.op_seconds if settings.measure_time else None,
        x=mach.regs["x"],
        setup_registers=setup_regs,
    )


def _run_section(
    mach: _Machine, instrs: tuple[Instr, ...], section: str, iteration: int, start: float
) -> None:
    ordinal = 0
    for ins in instrs:
        stream = _random_stream(mach.settings, section, iteration, ordinal)
        ordinal += ins.op == "subsample"
        mach.run(ins, stream)
        if time.perf_counter() - start > mach.settings.time_cap:
            raise _Failure(f"time cap {mach.settings.time_cap:g} s passed")

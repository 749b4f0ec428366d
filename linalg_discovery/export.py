"""Export a program as readable NumPy source and as a callable built from that source.

The function draws its random numbers from the same streams as the interpreter, so on the
same problem and seed it returns the interpreter's iterate; :func:`verify` checks that on
fresh problems.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from linalg_discovery.curriculum import Stage
from linalg_discovery.interpreter import CONVERGED, Settings, execute
from linalg_discovery.primitives import SKETCH_KINDS
from linalg_discovery.program import LIVE_REGISTERS, SECTIONS, Instr, Program, validate_program

_EXPRESSIONS = {
    "add": "{0} + {1}",
    "sub": "{0} - {1}",
    "matvec": "{0} @ {1}",
    "rmatvec": "{0}.T @ {1}",
    "matmul": "{0} @ {1}",
    "gram": "{0} @ {1}.T",
    "qr": "qr_r({0})",
    "inv": "invert({0})",
    "trisolve": "triangular_solve({0}, {1})",
    "lstsq": "lstsq({0}, {1})",
    "lsqr": "lsqr_step({0}, {1}, lsqr_steps)",
    "pcgls": "preconditioned_cgls(A, {0}, {1}, lsqr_steps)",
    "grad": "logistic_gradient(A, b, {0}, ridge)",
    "hess_sqrt": "logistic_hessian_sqrt(A, {0})",
}


_IMPORTED = (
    "invert",
    "logistic_gradient",
    "logistic_hessian_sqrt",
    "lsqr_step",
    "lstsq",
    "make_sketch",
    "preconditioned_cgls",
    "qr_r",
    "row_norm_probabilities",
    "sample_rows",
    "sketched_leverage_scores",
    "triangular_solve",
)


def _reads_live_first(program: Program) -> bool:
    written: set[str] = set()
    for _, _, ins in program.instructions():
        if any(r in LIVE_REGISTERS and r not in written for r in ins.uses()):
            return True
        written.update(ins.defs())
    return "V1" not in written


def _statement(ins: Instr, section: str) -> list[str]:
    op = ins.op
    if op == "subsample":
        stream = f"[seed, 2, {SECTIONS.index(section)}, {'0' if section == 'setup' else 't'}, k]"
        return [
            "q = p if p is not None and len(p) == A.shape[0] else None",
            f"idx, w = sample_rows(A.shape[0], batch, q, np.random.default_rng({stream}))",
            "A, b = A[idx] * w[:, None], b[idx] * w",
        ]
    if op == "sketch_system":
        return ["S = sketch('sparse_sign', A.shape[0])", "A, b = S(A), S(b)"]
    if op == "leverage":
        return [
            "scores = sketched_leverage_scores(A, np.random.default_rng([seed, 3]))",
            "p = scores / scores.sum()",
        ]
    if op == "rownorm":
        return ["p = row_norm_probabilities(A)"]
    if op.startswith("sketch_"):
        kind = op.removeprefix("sketch_")
        return [f"{ins.target} = sketch({kind!r}, {ins.args[0]}.shape[0])({ins.args[0]})"]
    return [f"{ins.target} = {_EXPRESSIONS[op].format(*ins.args)}"]


def _section(program: Program, section: str, indent: str) -> list[str]:
    lines = [f"{indent}# {section}"]
    sampled = 0
    for ins in program.section(section):
        if ins.op == "subsample":
            lines.append(f"{indent}k = {sampled}")
            sampled += 1
        lines.extend(indent + s for s in _statement(ins, section))
    if len(lines) == 1:
        lines.append(f"{indent}pass")
    return lines


def to_source(program: Program, settings: Settings, name: str = "discovered_solver") -> str:
    """Python source (imports included) of a function
    ``name(A, b, *, iterations, lr, seed, ..., tol=None)`` that runs ``program`` from x₀ = 0;
    with ``tol`` it stops once the relative residual (‖Ax − b‖/‖b‖, or ‖∇f(x)‖/‖∇f(0)‖ when
    the program uses the logistic gradient) is ≤ tol."""
    program = validate_program(program)
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be a Python identifier, got {name!r}")
    logistic = any(ins.op in ("grad", "hess_sqrt") for _, _, ins in program.instructions())
    lines = [
        "import numpy as np",
        "",
        "from linalg_discovery.primitives import (",
        *(f"    {k}," for k in _IMPORTED),
        ")",
        "",
        "",
        f"def {name}(A, b, *, iterations={settings.iterations}, lr={settings.lr!r}, "
        f"seed={settings.seed}, batch={settings.batch}, sketch_factor={settings.sketch_factor}, "
        f"lsqr_steps={settings.lsqr_steps}, ridge=0.0, tol=None, check_every=1):",
        '    """Discovered iteration; each of the iterations runs forward, update, then',
        '    x = x - lr * V1."""',
        "    A0, b0 = np.asarray(A, dtype=np.float64), np.asarray(b, dtype=np.float64)",
        "    A, b = A0, b0",
        "    m, n = A.shape",
        "    x = np.zeros(n)",
        "    p = None",
        "    sketches = {}",
        "",
        "    def sketch(kind, rows):",
        "        if (kind, rows) not in sketches:",
        f"            kinds = {list(SKETCH_KINDS)}",
        "            rng = np.random.default_rng([seed, 1, kinds.index(kind), rows])",
        "            sketches[kind, rows] = make_sketch(kind, sketch_factor * n, rows, rng)",
        "        return sketches[kind, rows]",
        "",
    ]
    if logistic:
        lines += [
            "    def residual(x):",
            "        g = logistic_gradient(A0, b0, x, ridge)",
            "        return np.linalg.norm(g) / np.linalg.norm(A0.T @ (0.5 - b0))",
            "",
        ]
    else:
        lines += [
            "    def residual(x):",
            "        return np.linalg.norm(A0 @ x - b0) / np.linalg.norm(b0)",
            "",
        ]
    if _reads_live_first(program):
        lines += [
            "    noise = np.random.default_rng([seed, 0])  # live caches start as noise",
            "    V1 = 1e10 * noise.random(n)",
            "    R1 = 1e10 * noise.random((n, n))",
        ]
    lines += _section(program, "setup", "    ")
    lines += ["    A0s, b0s = A, b", "    for t in range(iterations):", "        A, b = A0s, b0s"]
    lines += _section(program, "forward", "        ")
    lines += _section(program, "update", "        ")
    lines += [
        "        x = x - lr * V1",
        "        if tol is not None and (t + 1) % check_every == 0 and residual(x) <= tol:",
        "            break",
        "    return x",
    ]
    return "\n".join(lines) + "\n"


def to_callable(
    program: Program, settings: Settings, name: str = "discovered_solver"
) -> Callable[..., np.ndarray]:
    """The function of :func:`to_source`, compiled against NumPy and the package primitives."""
    source = to_source(program, settings, name)
    namespace: dict = {}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # our own generated source
    return namespace[name]


def verify(program: Program, stage: Stage, seeds: tuple[int, ...] = (1000, 1001)) -> dict:
    """Run the exported callable and the interpreter on fresh problems of ``stage``; report the
    largest difference of their iterates and the exported solver's relative residuals."""
    program = validate_program(program)
    fn = to_callable(program, stage.settings)
    diffs, residuals = [], []
    for seed in seeds:
        problem = stage.problem(seed)
        ev = execute(program, problem, stage.settings)
        x = fn(problem.A, problem.b, ridge=problem.ridge, tol=CONVERGED)
        residuals.append(problem.residual(x))
        if ev.failed:
            diffs.append(float("inf"))
        else:
            diffs.append(float(np.max(np.abs(x - ev.x)) / max(np.max(np.abs(ev.x)), 1e-300)))
    return {
        "max_relative_difference": max(diffs),
        "residuals": residuals,
        "agrees": bool(max(diffs) <= 1e-10),
    }

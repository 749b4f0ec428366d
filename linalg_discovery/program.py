"""Programs: typed registers and three-address instructions in three sections.

A program is A = (setup, forward, update). ``setup`` runs once; each of T iterations runs
``forward``, then ``update``, then the fixed step x ← x − lr·V1, from x₀ = 0.

Registers: ``A`` (matrix), ``b`` (vector) and ``x`` (vector) are inputs; ``V1..V4`` (vectors)
and ``R1..R4`` (matrices) are work registers. ``V1`` and ``R1`` are live caches: they may be
read before they are written (they then hold 1e10·noise, which punishes that). ``P`` holds the
row-sampling probabilities (uniform until an instruction sets it). Instructions with an effect
rather than a value write ``A, b`` (row sampling or sketching of the system) or ``P``.
"""

from __future__ import annotations

from typing import NamedTuple

from linalg_discovery.primitives import SKETCH_KINDS

SECTIONS = ("setup", "forward", "update")
VECTOR_REGISTERS = ("V1", "V2", "V3", "V4")
MATRIX_REGISTERS = ("R1", "R2", "R3", "R4")
INPUTS = {"A": "m", "b": "v", "x": "v"}
LIVE_REGISTERS = ("V1", "R1")


class OpSpec(NamedTuple):
    """Signature of one primitive: operand types (``v``, ``m``, or ``*`` for either) and the
    result type (``=`` for the operand's type); ``effect`` names the registers an effect op
    writes instead (its ``args`` are then implicit)."""

    args: tuple[str, ...]
    result: str
    sections: tuple[str, ...]
    commutative: bool = False
    effect: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    random: bool = False
    text: str = ""


_ALL = SECTIONS
OPS: dict[str, OpSpec] = {
    "add": OpSpec(("v", "v"), "v", _ALL, commutative=True, text="{0} + {1}"),
    "sub": OpSpec(("v", "v"), "v", _ALL, text="{0} - {1}"),
    "matvec": OpSpec(("m", "v"), "v", _ALL, text="{0} @ {1}"),
    "rmatvec": OpSpec(("m", "v"), "v", _ALL, text="{0}.T @ {1}"),
    "matmul": OpSpec(("m", "m"), "m", _ALL, text="{0} @ {1}"),
    "gram": OpSpec(("m", "m"), "m", _ALL, text="{0} @ {1}.T"),
    "qr": OpSpec(("m",), "m", _ALL, text="qr_r({0})"),
    "inv": OpSpec(("m",), "m", _ALL, text="invert({0})"),
    "trisolve": OpSpec(("m", "v"), "v", _ALL, text="triangular_solve({0}, {1})"),
    "lstsq": OpSpec(("m", "v"), "v", _ALL, text="lstsq({0}, {1})"),
    "lsqr": OpSpec(("m", "v"), "v", _ALL, text="lsqr_step({0}, {1}, LSQR_STEPS)"),
    "pcgls": OpSpec(
        ("m", "v"), "v", _ALL, reads=("A",), text="preconditioned_cgls(A, {0}, {1}, LSQR_STEPS)"
    ),
    "grad": OpSpec(("v",), "v", _ALL, reads=("A",), text="logistic_gradient(A, y, {0}, ridge)"),
    "hess_sqrt": OpSpec(("v",), "m", _ALL, reads=("A",), text="logistic_hessian_sqrt(A, {0})"),
    **{
        f"sketch_{kind}": OpSpec(("*",), "=", _ALL, random=True, text=f"S_{kind}({{0}})")
        for kind in SKETCH_KINDS
    },
    "subsample": OpSpec(
        (), "", ("setup", "forward"), effect=("A", "b"), reads=("A", "b", "P"), random=True
    ),
    "sketch_system": OpSpec((), "", ("setup",), effect=("A", "b"), reads=("A", "b"), random=True),
    "leverage": OpSpec((), "", ("setup",), effect=("P",), reads=("A",), random=True),
    "rownorm": OpSpec((), "", ("setup",), effect=("P",), reads=("A",)),
}


class Instr(NamedTuple):
    """``target = op(*args)``; effect ops have ``args == ()`` and ``target`` their first effect."""

    op: str
    args: tuple[str, ...]
    target: str

    def uses(self) -> tuple[str, ...]:
        spec = OPS[self.op]
        return spec.reads + self.args

    def defs(self) -> tuple[str, ...]:
        spec = OPS[self.op]
        return spec.effect or (self.target,)

    def __str__(self) -> str:
        spec = OPS[self.op]
        if spec.effect:
            reads = ", ".join(r for r in spec.reads if r != "P")
            return f"{', '.join(spec.effect)} = {self.op}({reads})"
        return f"{self.target} = {self.op}({', '.join(self.args)})"


class Program(NamedTuple):
    """setup, forward and update instruction sequences (tuples, so programs are hashable)."""

    setup: tuple[Instr, ...] = ()
    forward: tuple[Instr, ...] = ()
    update: tuple[Instr, ...] = ()

    def section(self, name: str) -> tuple[Instr, ...]:
        return getattr(self, name)

    def with_section(self, name: str, instrs: tuple[Instr, ...]) -> Program:
        return self._replace(**{name: tuple(instrs)})

    def instructions(self) -> list[tuple[str, int, Instr]]:
        return [(s, i, ins) for s in SECTIONS for i, ins in enumerate(self.section(s))]

    def size(self) -> int:
        """Number of instructions."""
        return len(self.setup) + len(self.forward) + len(self.update)

    def __str__(self) -> str:
        lines = []
        for name in SECTIONS:
            lines.append(f"{name}:")
            lines.extend(f"  {ins}" for ins in self.section(name))
        lines.append("step: x = x - lr * V1")
        return "\n".join(lines)


def register_type(name: str) -> str:
    """``v`` or ``m`` for a register name; ``ValueError`` for an unknown one."""
    if name in INPUTS:
        return INPUTS[name]
    if name in VECTOR_REGISTERS:
        return "v"
    if name in MATRIX_REGISTERS:
        return "m"
    raise ValueError(f"unknown register {name!r}")


def registers_of(kind: str) -> tuple[str, ...]:
    return VECTOR_REGISTERS if kind == "v" else MATRIX_REGISTERS


def instr(op: str, *args: str, target: str = "") -> Instr:
    """Build and type-check one instruction (``TypeError``/``ValueError`` when malformed)."""
    if op not in OPS:
        raise ValueError(f"unknown operation {op!r}; expected one of {', '.join(OPS)}")
    spec = OPS[op]
    if spec.effect:
        if args:
            raise TypeError(f"{op} takes no operands, got {args!r}")
        return Instr(op, (), spec.effect[0])
    if len(args) != len(spec.args):
        raise TypeError(f"{op} takes {len(spec.args)} operands, got {len(args)}")
    types = [register_type(a) for a in args]
    for a, t, want in zip(args, types, spec.args, strict=True):
        if want != "*" and t != want:
            raise TypeError(f"{op}: operand {a} is of type {t!r}, expected {want!r}")
    result = types[0] if spec.result == "=" else spec.result
    if target in INPUTS or register_type(target) != result:
        raise TypeError(f"{op}: target {target!r} must be a work register of type {result!r}")
    return Instr(op, tuple(args), target)


def validate_program(program: object) -> Program:
    """Check that ``program`` is a well-formed :class:`Program`; return it."""
    if not isinstance(program, Program):
        raise TypeError(f"program must be a linalg_discovery Program, got {type(program).__name__}")
    for section in SECTIONS:
        for ins in program.section(section):
            if not isinstance(ins, Instr):
                raise TypeError(f"{section}: expected Instr, got {ins!r}")
            if ins.op not in OPS:
                raise ValueError(f"{section}: unknown operation {ins.op!r}")
            checked = instr(ins.op, *ins.args, target=ins.target if not OPS[ins.op].effect else "")
            if checked != ins:
                raise ValueError(f"{section}: malformed instruction {ins!r}")
            if section not in OPS[ins.op].sections:
                raise ValueError(f"{ins.op} is not allowed in the {section} section")
    return program

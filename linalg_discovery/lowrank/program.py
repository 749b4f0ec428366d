"""Low-rank programs: typed registers, instructions and the legal-insertion grammar.

A program is (setup, iterate, finish): ``setup`` runs once, ``iterate`` runs q times (the
stage's power iterations), ``finish`` once; then the fixed step Â_k = U1[:, :k]·V1[:, :k]ᵀ
reads the rank-k approximation from the first k columns of the factors U1 and V1.

Registers hold thin matrices of three types, so that an operand's shape is its type:
``u`` (m×ℓ: U1, U2, a basis of the column space), ``v`` (n×ℓ: V1, V2, the row space) and
``z`` (ℓ×ℓ: Z1, Z2), ℓ = k + p. ``V1`` and ``Z1`` are live caches, as in the least-squares
family: they may be read before they are written (they then hold 1e10·noise, which punishes
that), so that chains such as Q ← orth(A·AᵀQ) or the SVD rotation can be grown one live
instruction at a time. The input A is read implicitly by the operations that apply
it. :class:`Action` and :func:`~linalg_discovery.grammar.apply_action` are the least-squares
family's, and the grammar follows its rules: operands initialised before the insertion point
(setup < iterate < finish), a target already written there or the lowest register never
written, each effect operation at most once.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

from linalg_discovery.grammar import Action

SECTIONS = ("setup", "iterate", "finish")
REGISTERS = {"u": ("U1", "U2"), "v": ("V1", "V2"), "z": ("Z1", "Z2")}
OUTPUTS = ("U1", "V1")
LIVE_REGISTERS = ("V1", "Z1")


class OpSpec(NamedTuple):
    """Operand types (``x`` for ``u`` or ``v``), result type (``=``: the first operand's),
    the sections it may go in, and for an effect operation the registers it reads and writes."""

    args: tuple[str, ...]
    result: str
    sections: tuple[str, ...] = SECTIONS
    effect: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    text: str = ""


OPS: dict[str, OpSpec] = {
    "range_gaussian": OpSpec((), "u", ("setup",), text="A @ Ω (Gaussian)"),
    "range_sparse": OpSpec((), "u", ("setup",), text="A @ Ω (sparse sign)"),
    "matmul": OpSpec(("v",), "u", text="A @ {0}"),
    "rmatmul": OpSpec(("u",), "v", text="A.T @ {0}"),
    "orth": OpSpec(("x",), "=", text="orth({0})"),
    "svd_right": OpSpec(("x",), "z", text="svd_right({0})"),
    "mul": OpSpec(("x", "z"), "=", text="{0} @ {1}"),
    "nystrom": OpSpec(
        (), "", ("setup", "finish"), effect=("U1", "V1"), reads=("U1",), text="nystrom(U1)"
    ),
}


def register_type(name: str) -> str:
    for kind, names in REGISTERS.items():
        if name in names:
            return kind
    raise ValueError(f"unknown register {name!r}")


class Instr(NamedTuple):
    """``target = op(*args)``; an effect operation has ``args == ()`` and writes ``defs()``."""

    op: str
    args: tuple[str, ...]
    target: str

    def uses(self) -> tuple[str, ...]:
        return OPS[self.op].reads + self.args

    def defs(self) -> tuple[str, ...]:
        return OPS[self.op].effect or (self.target,)

    def __str__(self) -> str:
        spec = OPS[self.op]
        if spec.effect:
            return f"{', '.join(spec.effect)} = {self.op}({', '.join(spec.reads)})"
        return f"{self.target} = {self.op}({', '.join(self.args)})"


class Program(NamedTuple):
    """setup, iterate and finish instruction sequences (tuples, so programs are hashable)."""

    setup: tuple[Instr, ...] = ()
    iterate: tuple[Instr, ...] = ()
    finish: tuple[Instr, ...] = ()

    def section(self, name: str) -> tuple[Instr, ...]:
        return getattr(self, name)

    def with_section(self, name: str, instrs: tuple[Instr, ...]) -> Program:
        return self._replace(**{name: tuple(instrs)})

    def instructions(self) -> list[tuple[str, int, Instr]]:
        return [(s, i, ins) for s in SECTIONS for i, ins in enumerate(self.section(s))]

    def size(self) -> int:
        return len(self.setup) + len(self.iterate) + len(self.finish)

    def __str__(self) -> str:
        lines = []
        for name in SECTIONS:
            lines.append(f"{name}:" + (" (q times)" if name == "iterate" else ""))
            lines.extend(f"  {ins}" for ins in self.section(name))
        lines.append("result: U1[:, :k] @ V1[:, :k].T")
        return "\n".join(lines)


def _result_type(op: str, arg_types: list[str]) -> str:
    spec = OPS[op]
    return arg_types[0] if spec.result == "=" else spec.result


def instr(op: str, *args: str, target: str = "") -> Instr:
    """Build and type-check one instruction (``ValueError``/``TypeError`` when malformed)."""
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
        if t != want and not (want == "x" and t in "uv"):
            raise TypeError(f"{op}: operand {a} is of type {t!r}, expected {want!r}")
    result = _result_type(op, types)
    if register_type(target) != result:
        raise TypeError(f"{op}: target {target!r} must be a register of type {result!r}")
    return Instr(op, tuple(args), target)


def validate_program(program: object) -> Program:
    """Check that ``program`` is a well-formed low-rank :class:`Program`; return it."""
    if not isinstance(program, Program):
        raise TypeError(f"program must be a low-rank Program, got {type(program).__name__}")
    for section in SECTIONS:
        for ins in program.section(section):
            if not isinstance(ins, Instr) or ins.op not in OPS:
                raise ValueError(f"{section}: malformed instruction {ins!r}")
            target = "" if OPS[ins.op].effect else ins.target
            if instr(ins.op, *ins.args, target=target) != ins:
                raise ValueError(f"{section}: malformed instruction {ins!r}")
            if section not in OPS[ins.op].sections:
                raise ValueError(f"{ins.op} is not allowed in the {section} section")
    return program


def _initialised(program: Program, section: str, position: int) -> set[str]:
    ready: set[str] = set(LIVE_REGISTERS)
    for name in SECTIONS:
        instrs = program.section(name)
        if name == section:
            instrs = instrs[:position]
        for ins in instrs:
            ready.update(ins.defs())
        if name == section:
            break
    return ready


def legal_actions(
    program: Program, open_sections: tuple[str, ...], enabled: tuple[str, ...]
) -> list[Action]:
    """All legal insertions into ``open_sections`` using the operations in ``enabled``."""
    written = {d for _, _, ins in program.instructions() for d in ins.defs()}
    used_effects = {ins.op for _, _, ins in program.instructions() if OPS[ins.op].effect}
    free = {
        kind: next((r for r in names if r not in written and r not in LIVE_REGISTERS), None)
        for kind, names in REGISTERS.items()
    }
    actions: list[Action] = []
    for section in open_sections:
        for position in range(len(program.section(section)) + 1):
            ready = _initialised(program, section, position)
            for op in enabled:
                spec = OPS[op]
                if section not in spec.sections:
                    continue
                if spec.effect:
                    if op not in used_effects and set(spec.reads) <= ready:
                        actions.append(Action(section, position, Instr(op, (), spec.effect[0])))
                    continue
                pools = [
                    sorted(r for r in ready if register_type(r) in ("uv" if t == "x" else t))
                    for t in spec.args
                ]
                for args in product(*pools):
                    kind = _result_type(op, [register_type(a) for a in args])
                    targets = sorted(r for r in ready if register_type(r) == kind)
                    if free[kind] is not None:
                        targets.append(free[kind])
                    actions.extend(
                        Action(section, position, Instr(op, tuple(args), t)) for t in targets
                    )
    return actions

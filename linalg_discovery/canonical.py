"""Canonical form of a program: dead-code removal to a fixed point, one operand order for
commutative operations, and a structural key under which equivalent programs coincide.

The key is computed by symbolic execution: every value is the digest of (operation, digests of
its operands), operands of commutative operations sorted, so the key does not depend on register
names, on the order of independent instructions, on dead code, on a transpose of a matrix known
to be symmetric, or on whether a product of matrices is formed before it is applied to a vector.
Row sampling is tagged with the stream it draws from (section, iteration, position among the
sampling instructions of its section), as the interpreter draws it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from linalg_discovery.program import LIVE_REGISTERS, OPS, SECTIONS, Instr, Program

KEY_ITERATIONS = 3
_LOOP_RESET = frozenset({"A", "b"})
_STEP = Instr("step", ("x", "V1"), "x")  # the fixed x ← x − lr·V1 ending every iteration


def live_backward(instrs: tuple[Instr, ...], live_after: set[str]) -> tuple[set[str], list[bool]]:
    """Live set before ``instrs`` and, per instruction, whether it defines a live register."""
    live = set(live_after)
    needed = [False] * len(instrs)
    for i in range(len(instrs) - 1, -1, -1):
        ins = instrs[i]
        step = ins.op == _STEP.op
        defs = {ins.target} if step else set(ins.defs())
        if defs & live:
            needed[i] = True
            live -= defs
            live |= set(ins.args if step else ins.uses())
    return live, needed


def _needed(program: Program, outputs: frozenset[str]) -> tuple[list[bool], list[bool], list[bool]]:
    """Liveness over setup; loop{forward; update; x ← x − lr·V1}, to a fixed point of the loop."""
    body = program.forward + program.update + (_STEP,)
    loop_in: set[str] = set()
    while True:
        live_end = (loop_in - _LOOP_RESET) | {"x"}
        new_in, needed_body = live_backward(body, live_end)
        new_in |= loop_in
        if new_in == loop_in:
            break
        loop_in = new_in
    _, needed_setup = live_backward(program.setup, loop_in | set(outputs))
    nf = len(program.forward)
    return needed_setup, needed_body[:nf], needed_body[nf:-1]


def _normalise(ins: Instr) -> Instr:
    if OPS[ins.op].commutative:
        return ins._replace(args=tuple(sorted(ins.args)))
    return ins


def eliminate_dead_code(program: Program, outputs: frozenset[str] = frozenset()) -> Program:
    """Remove every instruction whose result is overwritten or never read, repeated until
    nothing changes; ``outputs`` are registers read after setup (e.g. R1 for a conditioning
    reward). Commutative operands are put in sorted order."""
    program = Program(*(tuple(_normalise(i) for i in program.section(s)) for s in Program._fields))
    return prune(program, lambda p: _needed(p, outputs))


P = TypeVar("P", bound=Any)


def prune(program: P, needed: Callable[[P], Sequence[list[bool]]]) -> P:
    """``program`` without the instructions ``needed(program)`` marks False (one mask per
    section, in field order), repeated until nothing changes; works for any family's program
    type with ``_fields`` and ``section``."""
    while True:
        masks = needed(program)
        kept = type(program)(
            *(
                tuple(i for i, keep in zip(program.section(s), mask, strict=True) if keep)
                for s, mask in zip(program._fields, masks, strict=True)
            )
        )
        if kept == program:
            return program
        program = kept


_CODES: dict[str, int] = {}


def _code(name: str) -> int:
    """A process-independent integer for a name (str hashes are salted per process)."""
    if name not in _CODES:
        _CODES[name] = zlib.crc32(name.encode())
    return _CODES[name]


def value_digest(*parts: int | str) -> int:
    """Hash of a tuple of integers: the same in every process, 64-bit."""
    return hash(tuple(_code(p) if isinstance(p, str) else p for p in parts))


class _Symbols:
    """Symbolic register values as digests, with the definitions needed for rewriting:
    matrices known to be symmetric (X·Xᵀ and inverses of those), whose transpose-product Mᵀv is
    M·v, and products, which are applied to a vector one factor at a time
    ((XYᵀ)v = X(Yᵀv), (XY)v = X(Yv) and likewise for Mᵀv)."""

    def __init__(self) -> None:
        self.env = {r: value_digest("input", r) for r in ("A", "b", "x", "P", *LIVE_REGISTERS)}
        self.symmetric: set[int] = set()
        self.products: dict[int, tuple[str, int, int]] = {}

    def read(self, register: str) -> int:
        return self.env[register] if register in self.env else value_digest("unset", register)

    def apply_matrix(self, op: str, mat: int, vec: int) -> int:
        if op == "rmatvec" and mat in self.symmetric:
            op = "matvec"
        if mat in self.products:
            kind, x, y = self.products[mat]
            if kind == "gram":  # (XYᵀ)v = X(Yᵀv), (XYᵀ)ᵀv = Y(Xᵀv)
                first, second = (y, x) if op == "matvec" else (x, y)
                return self.apply_matrix("matvec", first, self.apply_matrix("rmatvec", second, vec))
            if op == "matvec":  # (XY)v = X(Yv)
                return self.apply_matrix("matvec", x, self.apply_matrix("matvec", y, vec))
            return self.apply_matrix("rmatvec", y, self.apply_matrix("rmatvec", x, vec))
        return value_digest(op, mat, vec)

    def run(self, ins: Instr, tag: tuple[int, int, int]) -> None:
        env, spec = self.env, OPS[ins.op]
        if ins.op == "subsample":
            draw = value_digest("rows", env["A"], env["b"], env["P"], *tag)
            env["A"], env["b"] = value_digest("A", draw), value_digest("b", draw)
            return
        if ins.op == "sketch_system":
            env["A"], env["b"] = value_digest("SA", env["A"]), value_digest("Sb", env["b"])
            return
        if ins.op in ("leverage", "rownorm"):
            env["P"] = value_digest(ins.op, env["A"])
            return
        operands = [self.read(r) for r in spec.reads + ins.args]
        if spec.commutative:
            operands.sort()
        if ins.op in ("matvec", "rmatvec"):
            value = self.apply_matrix(ins.op, *operands)
        else:
            value = value_digest(ins.op, *operands)
        if ins.op in ("gram", "matmul"):
            self.products[value] = (ins.op, operands[0], operands[1])
        if (ins.op == "gram" and operands[0] == operands[1]) or (
            ins.op == "inv" and operands[0] in self.symmetric
        ):
            self.symmetric.add(value)
        env[ins.target] = value


def program_key(program: Program, outputs: frozenset[str] = frozenset()) -> int:
    """Structural key: digests of x_1 … x_K (K = 3) and of the ``outputs`` after setup."""
    sym = _Symbols()

    def run(instrs: tuple[Instr, ...], section: str, t: int) -> None:
        ordinal = 0
        for ins in instrs:
            sym.run(ins, (SECTIONS.index(section), t, ordinal))
            ordinal += ins.op == "subsample"

    run(program.setup, "setup", 0)
    base = (sym.env["A"], sym.env["b"])
    parts = [sym.read(r) for r in sorted(outputs)]
    for t in range(KEY_ITERATIONS):
        sym.env["A"], sym.env["b"] = base
        run(program.forward, "forward", t)
        run(program.update, "update", t)
        sym.env["x"] = value_digest("step", sym.env["x"], sym.read("V1"))
        parts.append(sym.env["x"])
    return value_digest(*parts)

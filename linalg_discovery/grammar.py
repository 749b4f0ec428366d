"""Legal insertions: which instruction may go where.

An action inserts one instruction at a position of an open section. It is legal when
- the operation is enabled and allowed in that section (sketches and probability ops: setup);
- every operand has the operation's type and is initialised before the insertion point, in
  program order setup < forward < update (inputs and the live caches V1, R1 always are);
- the target is a register of the result type that is already initialised there, or the
  lowest-numbered register of that type never written anywhere (this breaks renaming symmetry);
- a commutative operation lists its operands in sorted order;
- an effect operation appears at most once per section, and row-sampling probabilities
  (``leverage`` or ``rownorm``) at most once in the program.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

from linalg_discovery.program import (
    INPUTS,
    LIVE_REGISTERS,
    OPS,
    SECTIONS,
    Instr,
    Program,
    register_type,
    registers_of,
)


class Action(NamedTuple):
    """Insert ``instr`` before index ``position`` of ``section``."""

    section: str
    position: int
    instr: Instr


def apply_action(program: Program, action: Action) -> Program:
    """The program with ``action``'s instruction inserted (no legality check)."""
    instrs = list(program.section(action.section))
    instrs.insert(action.position, action.instr)
    return program.with_section(action.section, tuple(instrs))


def _initialised(program: Program, section: str, position: int) -> set[str]:
    ready = set(INPUTS) | set(LIVE_REGISTERS)
    for name in SECTIONS:
        instrs = program.section(name)
        if name == section:
            instrs = instrs[:position]
        for ins in instrs:
            ready.update(d for d in ins.defs() if d in _WORK)
        if name == section:
            break
    return ready


_WORK = {r for kind in "vm" for r in registers_of(kind)}


def _free_register(program: Program, kind: str) -> str | None:
    written = {d for _, _, ins in program.instructions() for d in ins.defs()}
    for reg in registers_of(kind):
        if reg not in written and reg not in LIVE_REGISTERS:
            return reg
    return None


def _operand_choices(kind: str, ready: set[str]) -> list[str]:
    pool = sorted(r for r in ready if register_type(r) == kind)
    return pool


def legal_actions(
    program: Program, open_sections: tuple[str, ...], enabled: tuple[str, ...]
) -> list[Action]:
    """All legal insertions into ``open_sections`` using the operations in ``enabled``."""
    actions: list[Action] = []
    has_probabilities = any(
        ins.op in ("leverage", "rownorm") for _, _, ins in program.instructions()
    )
    for section in open_sections:
        current = program.section(section)
        effects_here = {ins.op for ins in current if OPS[ins.op].effect}
        for position in range(len(current) + 1):
            ready = _initialised(program, section, position)
            for op in enabled:
                spec = OPS[op]
                if section not in spec.sections:
                    continue
                if spec.effect:
                    if op in effects_here:
                        continue
                    if op in ("leverage", "rownorm") and has_probabilities:
                        continue
                    actions.append(Action(section, position, Instr(op, (), spec.effect[0])))
                    continue
                choices = [
                    _operand_choices(t, ready) if t != "*" else sorted(ready - {"x"} | {"A", "b"})
                    for t in spec.args
                ]
                for args in product(*choices):
                    if spec.commutative and list(args) != sorted(args):
                        continue
                    kind = register_type(args[0]) if spec.result == "=" else spec.result
                    targets = sorted(r for r in ready if r in _WORK and register_type(r) == kind)
                    free = _free_register(program, kind)
                    if free is not None:
                        targets.append(free)
                    for target in targets:
                        actions.append(Action(section, position, Instr(op, tuple(args), target)))
    return actions

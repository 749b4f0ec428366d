"""Canonical form of a low-rank program: dead code removed to a fixed point, and a structural
key computed by symbolic execution (each value the digest of its operation and operands), so
the key does not depend on register names, on the order of independent instructions, on dead
code or on a re-orthonormalisation of an orthonormal basis (orth(orth(X)) = orth(X) up to
column signs, which change no approximation). The loop runs the stage's q iterations."""

from __future__ import annotations

from linalg_discovery.canonical import live_backward, prune, value_digest
from linalg_discovery.lowrank.program import OPS, OUTPUTS, Instr, Program


def _needed(program: Program) -> tuple[list[bool], list[bool], list[bool]]:
    """Liveness over setup; loop{iterate}; finish; with U1 and V1 read at the end."""
    live_finish, needed_finish = live_backward(program.finish, set(OUTPUTS))
    loop_in: set[str] = set()
    while True:
        new_in, needed_loop = live_backward(program.iterate, live_finish | loop_in)
        new_in |= loop_in
        if new_in == loop_in:
            break
        loop_in = new_in
    _, needed_setup = live_backward(program.setup, loop_in | live_finish)
    return needed_setup, needed_loop, needed_finish


def eliminate_dead_code(program: Program) -> Program:
    """Remove every instruction whose result is overwritten or never read, to a fixed point."""
    return prune(program, _needed)


def program_key(program: Program, iterations: int) -> int:
    """Digest of the values of U1 and V1 at the end, the loop run ``iterations`` times."""
    env: dict[str, int] = {}
    orthonormal: set[int] = set()

    def read(register: str) -> int:
        return env.get(register, value_digest("unset", register))

    def run(ins: Instr) -> None:
        spec = OPS[ins.op]
        if spec.effect:
            value = value_digest(ins.op, *(read(r) for r in spec.reads))
            for k, reg in enumerate(spec.effect):
                env[reg] = value_digest(value, k)
            return
        operands = [read(r) for r in ins.args]
        if ins.op == "orth" and operands[0] in orthonormal:
            value = operands[0]
        else:
            value = value_digest(ins.op, *operands)
        if ins.op == "orth":
            orthonormal.add(value)
        env[ins.target] = value

    for ins in program.setup:
        run(ins)
    for _ in range(iterations):
        for ins in program.iterate:
            run(ins)
    for ins in program.finish:
        run(ins)
    return value_digest(*(read(r) for r in OUTPUTS))

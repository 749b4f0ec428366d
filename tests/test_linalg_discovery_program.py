"""Primitives, interpreter, canonical form and grammar of the RL4RLA program language."""

import numpy as np
import pytest
import scipy.linalg as sla

from linalg_discovery import primitives as pr
from linalg_discovery.canonical import eliminate_dead_code, program_key
from linalg_discovery.curriculum import RESIDUAL, path_stages, stages
from linalg_discovery.grammar import Action, apply_action, legal_actions
from linalg_discovery.interpreter import Settings, execute
from linalg_discovery.problems import Problem, least_squares_problem, psd_problem
from linalg_discovery.program import Instr, Program, instr, validate_program
from linalg_discovery.reward import accuracy_term, conditioning_term, stability_term


def P(setup=(), forward=(), update=()):
    return Program(tuple(setup), tuple(forward), tuple(update))


# primitives ---------------------------------------------------------------------------------
def test_fwht_matches_hadamard_matrix():
    y = np.random.default_rng(0).standard_normal((16, 3))
    np.testing.assert_allclose(pr.fwht(y), sla.hadamard(16) @ y, atol=1e-12)


@pytest.mark.parametrize("kind", pr.SKETCH_KINDS)
def test_sketches_embed_a_subspace_and_share_s(kind):
    rng = np.random.default_rng(1)
    a = np.linalg.qr(rng.standard_normal((600, 6)))[0]
    s = pr.make_sketch(kind, 120, 600, np.random.default_rng(2))
    sv = np.linalg.svd(s(a), compute_uv=False)
    assert 0.4 < sv.min() and sv.max() < 1.6  # ‖SUx‖ ≈ ‖x‖ for U orthonormal
    b = rng.standard_normal(600)
    np.testing.assert_allclose(s(np.column_stack([a, b]))[:, -1], s(b), atol=1e-12)
    assert s.flops_per_column == pr.sketch_flops(kind, 120, 600)


def test_qr_invert_and_triangular_solve():
    a = np.random.default_rng(3).standard_normal((30, 5))
    r = pr.qr_r(a)
    np.testing.assert_allclose(r.T @ r, a.T @ a, atol=1e-10)
    np.testing.assert_allclose(pr.invert(r) @ r, np.eye(5), atol=1e-10)
    v = np.arange(5.0)
    np.testing.assert_allclose(r @ pr.triangular_solve(r, v), v, atol=1e-10)
    with pytest.raises(np.linalg.LinAlgError):
        pr.invert(a)


def test_sketched_leverage_scores_within_a_constant_factor():
    p = least_squares_problem(800, 10, cond=100.0, coherence=20.0, seed=0)
    exact = np.einsum("ij,ij->i", *(2 * [np.linalg.qr(p.A)[0]]))
    approx = pr.sketched_leverage_scores(p.A, np.random.default_rng(0))
    ratio = approx / exact
    assert 0.3 < ratio.min() and ratio.max() < 3.0
    assert 0.5 * 10 < approx.sum() < 2 * 10  # Σℓ_i = n for the exact scores


def test_row_sampling_weights_are_unbiased():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((50, 3))
    p = pr.row_norm_probabilities(a)
    gram = np.zeros((3, 3))
    for _ in range(4000):
        idx, w = pr.sample_rows(50, 10, p, rng)
        sa = a[idx] * w[:, None]
        gram += sa.T @ sa / 4000
    np.testing.assert_allclose(gram, a.T @ a, rtol=0.1, atol=1.0)
    idx, w = pr.sample_rows(50, 10, None, rng)
    assert len(set(idx)) == 10 and np.allclose(w, np.sqrt(5.0))


def test_preconditioned_cgls_closed_forms():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((300, 6)) * np.geomspace(1.0, 1e-4, 6)
    v = rng.standard_normal(300)
    exact = np.linalg.lstsq(a, v, rcond=None)[0]
    # R from QR(A): AR⁻¹ has orthonormal columns, so one CG step is the least-squares solution
    z = pr.preconditioned_cgls(a, pr.qr_r(a), v, 1)
    np.testing.assert_allclose(z, exact, rtol=1e-8)
    # R from a sketch: CG terminates in at most n steps, and each step lowers ‖Az − v‖
    sketched = pr.qr_r(pr.countsketch(48, 300, np.random.default_rng(7))(a))
    z = pr.preconditioned_cgls(a, sketched, v, 6)
    np.testing.assert_allclose(z, exact, rtol=1e-7)
    norms = [np.linalg.norm(a @ pr.preconditioned_cgls(a, sketched, v, k) - v) for k in (1, 2, 3)]
    assert norms[0] > norms[1] > norms[2] >= np.linalg.norm(a @ exact - v)
    with pytest.raises(np.linalg.LinAlgError, match="upper-triangular"):
        pr.preconditioned_cgls(a, a[:6], v, 2)


def test_logistic_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    a, y, x = rng.standard_normal((40, 3)), rng.integers(0, 2, 40).astype(float), rng.random(3)

    def f(z):
        t = a @ z
        return np.sum(np.logaddexp(0, t) - y * t) + 0.1 * z @ z / 2

    g = pr.logistic_gradient(a, y, x, 0.1)
    fd = [(f(x + 1e-6 * e) - f(x - 1e-6 * e)) / 2e-6 for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    h = pr.logistic_hessian_sqrt(a, x)
    s = 1 / (1 + np.exp(-a @ x))
    np.testing.assert_allclose(h.T @ h, a.T @ (a * (s * (1 - s))[:, None]), atol=1e-12)


# interpreter --------------------------------------------------------------------------------
def test_richardson_iteration_matches_closed_form():
    problem = psd_problem(5, cond=2.0, seed=0)
    settings = Settings(iterations=7, lr=0.3)
    ev = execute(P(forward=RESIDUAL), problem, settings)
    a, b = problem.A, problem.b
    x = np.zeros(5)
    for _ in range(7):
        x = x - 0.3 * (a @ x - b)
    np.testing.assert_allclose(ev.x, x, rtol=1e-13)
    assert ev.residuals[-1] == pytest.approx(np.linalg.norm(a @ x - b) / np.linalg.norm(b))
    assert ev.flops == 7 * (2 * 25 + 5 + 2 * 5)


def test_exact_preconditioner_solves_in_one_step_and_stops():
    problem = least_squares_problem(200, 8, cond=100.0, seed=1)
    target = stages(320, 8)["midcond-preconditioned-gd"].target
    ev = execute(target, problem, Settings(lr=1.0))
    assert ev.loss < 1e-12 and len(ev.residuals) <= 3
    np.testing.assert_allclose(ev.x, problem.x_star, rtol=1e-8)


def test_krylov_step_flops_and_failure():
    stage = stages(320, 8)["sketched-krylov"]
    problem = stage.problem(0)
    ev = execute(stage.target, problem, stage.settings)
    m, n, k, d = 320, 8, stage.settings.lsqr_steps, stage.settings.sketch_factor * 8
    qr = 2.0 * d * n * n - 2.0 * n**3 / 3.0
    per_iteration = 2 * m * n + m + pr.preconditioned_cgls_flops(m, n, k) + 2 * n
    assert pr.preconditioned_cgls_flops(m, n, k) == 2 * m * n + 2 * n * n + k * (
        4 * m * n + 2 * n * n + 10 * n
    )
    iterations = len(ev.residuals) - 1
    assert ev.flops == pytest.approx(2.0 * m * n + qr + iterations * per_iteration)
    assert ev.loss < 1e-12 and iterations < stage.settings.iterations
    # an R that is not upper triangular (here the sketch S·A itself) fails, it does not raise
    broken = P(stage.target.setup[:1], stage.target.forward, stage.target.update)
    failed = execute(broken, problem, stage.settings)
    assert failed.failed and "upper-triangular" in failed.reason


def test_failures_give_failed_evaluations_not_exceptions():
    problem = least_squares_problem(200, 8, cond=10.0, seed=1)
    shape_error = P(forward=(instr("add", "b", "x", target="V1"),))
    overflow = P(forward=(instr("matvec", "R1", "V1", target="V1"),) * 6)
    flops = P(setup=(instr("gram", "A", "A", target="R1"), instr("inv", "R1", target="R1")))
    small_cap = Settings(flop_cap=1e7)
    for prog, settings in ((shape_error, Settings()), (overflow, Settings()), (flops, small_cap)):
        ev = execute(prog, problem, settings)
        assert ev.failed and ev.loss == float("inf")
    capped = execute(P(forward=RESIDUAL), problem, Settings(flop_cap=1e3))
    assert capped.failed and "flop cap" in capped.reason
    timed = execute(P(forward=RESIDUAL), problem, Settings(time_cap=1e-9))
    assert timed.failed and "time cap" in timed.reason


def test_bad_input_is_rejected_clearly():
    problem = psd_problem(5, cond=2.0, seed=0)
    with pytest.raises(TypeError, match="program"):
        execute("V1 = A @ x", problem)
    with pytest.raises(ValueError, match="unknown operation"):
        execute(P(forward=(Instr("solve_everything", (), "V1"),)), problem)
    with pytest.raises(TypeError, match="operand"):
        instr("matvec", "b", "x", target="V1")
    with pytest.raises(ValueError, match="not allowed"):
        validate_program(P(update=(instr("leverage"),)))
    with pytest.raises(ValueError, match="finite"):
        Problem(np.full((4, 2), np.nan), np.ones(4))
    with pytest.raises(ValueError, match="zero right-hand side"):
        Problem(np.ones((4, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="unknown path"):
        path_stages("sketch-and-pray")
    with pytest.raises(TypeError, match="iterations"):
        Settings(iterations=2.5)


def test_singular_problem_does_not_raise():
    a = np.zeros((40, 4))
    a[:, 0] = 1.0
    problem = Problem(a, np.ones(40))
    ev = execute(stages(64, 4)["midcond-preconditioned-gd"].target, problem)
    assert np.isfinite(ev.flops)


def test_same_seed_same_bytes():
    st = stages(320, 8)["importance-sampling"]
    problem = st.problem(3)
    first = execute(st.target, problem, st.settings)
    second = execute(st.target, problem, st.settings)
    assert first.x.tobytes() == second.x.tobytes()
    other = execute(st.target, problem, Settings(lr=0.5, batch=64, seed=1))
    assert other.x.tobytes() != first.x.tobytes()


# reward -------------------------------------------------------------------------------------
def test_reward_terms_closed_forms():
    assert accuracy_term(0.1) == 0.0 and accuracy_term(1e-12) == pytest.approx(1.0)
    assert stability_term(np.array([1.0, np.exp(-0.5), np.exp(-0.7)])) == pytest.approx(0.2)
    assert stability_term(np.array([1.0, 0.5, 0.6])) == 0.0
    a = np.random.default_rng(0).standard_normal((50, 4)) * [1, 10, 100, 1000]
    assert conditioning_term(a, np.linalg.inv(a.T @ a)) == pytest.approx(1.0)
    assert conditioning_term(a, np.eye(4)) == pytest.approx(0.0, abs=1e-12)


# canonical form -----------------------------------------------------------------------------
MV = instr("matvec", "A", "x", target="V1")
SUB = instr("sub", "V1", "b", target="V1")


def test_dead_code_is_removed_to_a_fixed_point():
    dead_chain = (instr("qr", "A", target="R2"), instr("inv", "R2", target="R3"))
    prog = P(setup=dead_chain, forward=(instr("add", "b", "b", target="V2"), MV, SUB))
    assert eliminate_dead_code(prog) == P(forward=(MV, SUB))
    overwritten = P(forward=(instr("matvec", "A", "V1", target="V1"), MV, SUB))
    assert eliminate_dead_code(overwritten) == P(forward=(MV, SUB))
    kept = P(setup=(instr("qr", "A", target="R1"),))
    assert eliminate_dead_code(kept, frozenset({"R1"})) == kept


def test_equivalent_programs_hash_equal():
    key = program_key
    # register renaming and the order of independent instructions
    a = P(
        setup=(instr("qr", "A", target="R2"), instr("qr", "A", target="R3")),
        forward=(
            instr("matvec", "R2", "x", target="V2"),
            instr("matvec", "R3", "x", target="V1"),
            instr("sub", "V1", "V2", target="V1"),
        ),
    )
    b = P(
        setup=(instr("qr", "A", target="R3"), instr("qr", "A", target="R2")),
        forward=(
            instr("matvec", "R3", "x", target="V3"),
            instr("matvec", "R2", "x", target="V1"),
            instr("sub", "V1", "V3", target="V1"),
        ),
    )
    assert key(a) == key(b)
    # commutative operands, dead code
    c1 = P(forward=(MV, instr("add", "V1", "b", target="V1")))
    c2 = P(forward=(instr("qr", "A", target="R2"), MV, instr("add", "b", "V1", target="V1")))
    assert key(c1) == key(c2)
    # (R Rᵀ) v = R (Rᵀ v), and Sᵀv = Sv for symmetric S
    grad = (instr("rmatvec", "A", "V1", target="V1"),)
    inv = (instr("qr", "A", target="R1"), instr("inv", "R1", target="R1"))
    formed = P(
        inv + (instr("gram", "R1", "R1", target="R1"),),
        (MV, SUB),
        grad + (instr("matvec", "R1", "V1", target="V1"),),
    )
    applied = P(
        inv,
        (MV, SUB),
        grad
        + (instr("rmatvec", "R1", "V1", target="V1"), instr("matvec", "R1", "V1", target="V1")),
    )
    transposed = P(
        inv + (instr("gram", "R1", "R1", target="R1"),),
        (MV, SUB),
        grad + (instr("rmatvec", "R1", "V1", target="V1"),),
    )
    assert key(formed) == key(applied) == key(transposed)


def test_different_programs_hash_differently():
    base = P(forward=(MV, SUB))
    variants = [
        P(forward=(MV, instr("sub", "b", "V1", target="V1"))),  # sub is not commutative
        P(forward=(instr("rmatvec", "A", "x", target="V1"), SUB)),  # Aᵀ is not A
        P(forward=(MV, SUB), update=(instr("rmatvec", "A", "V1", target="V1"),)),
        P(forward=(instr("subsample"), MV, SUB)),
        P(forward=(MV, SUB, instr("subsample"))),  # dead: equals base
    ]
    keys = [program_key(v) for v in variants]
    assert len(set(keys[:4])) == 4 and program_key(base) not in keys[:4]
    assert keys[4] == program_key(base)
    r_ab = P(setup=(instr("qr", "A", target="R1"), instr("gram", "R1", "R1", target="R1")))
    r_ba = P(setup=(instr("qr", "A", target="R1"), instr("matmul", "R1", "R1", target="R1")))
    out = frozenset({"R1"})
    assert program_key(r_ab, out) != program_key(r_ba, out)


# grammar ------------------------------------------------------------------------------------
def test_grammar_types_initialisation_and_registers():
    actions = legal_actions(P(), ("forward",), ("add", "sub", "matvec", "qr"))
    instrs = {a.instr for a in actions}
    # x, b, V1 (live) are readable, V2 is not written yet; fresh target is the lowest free V2
    assert instr("matvec", "A", "x", target="V1") in instrs
    assert instr("matvec", "A", "x", target="V2") in instrs
    assert instr("matvec", "A", "x", target="V3") not in instrs
    assert not any("V2" in a.instr.args for a in actions)
    assert not any(
        a.instr.op == "add" and list(a.instr.args) != sorted(a.instr.args) for a in actions
    )
    assert not any(a.instr.op == "matvec" and a.instr.args[0] == "b" for a in actions)
    # after writing V2 in forward, update may read it, setup may not
    prog = apply_action(P(), Action("forward", 0, instr("matvec", "A", "x", target="V2")))
    later = legal_actions(prog, ("setup", "update"), ("add",))
    assert any("V2" in a.instr.args for a in later if a.section == "update")
    assert not any("V2" in a.instr.args for a in later if a.section == "setup")
    assert all(a.instr.target != "V2" for a in later if a.section == "setup")


def test_grammar_effect_ops_once():
    prog = P(setup=(instr("rownorm"),), forward=(instr("subsample"),))
    actions = legal_actions(prog, ("setup", "forward"), ("leverage", "rownorm", "subsample"))
    ops = {(a.section, a.instr.op) for a in actions}
    assert ("setup", "leverage") not in ops and ("forward", "subsample") not in ops
    assert ("setup", "subsample") in ops


def test_sketched_krylov_target_is_the_unique_best_insertion():
    from linalg_discovery.task import Task

    stage = stages(1000, 20)["sketched-krylov"]
    task = Task(stage, 42)
    moves = task.moves(task.root)
    rewards = sorted((task.reward(m.child), task.is_target(m.child)) for m in moves)
    assert len(moves) > 20 and rewards[-1][1] and not any(found for _, found in rewards[:-1])
    assert rewards[-1][0] > rewards[-2][0] + 0.5


def test_every_stage_target_is_reachable_by_legal_moves():
    from collections import Counter

    from linalg_discovery.task import Task

    for stage in stages(320, 8).values():
        task = Task(stage, 0)
        target_program = task.canonical(stage.target)
        wanted = Counter(i for _, _, i in target_program.instructions())
        frontier = {task.key(task.root): task.root}
        for step in range(stage.steps):  # before the last step, only moves inside the target
            last = step == stage.steps - 1
            frontier = {
                m.key: m.child
                for p in frontier.values()
                for m in task.moves(p)
                if last or not Counter(i for _, _, i in m.child.instructions()) - wanted
            }
        assert task.key(target_program) in frontier, stage.name


def test_hard_stages_are_four_to_five_insertions_and_their_target_beats_the_exact_factor():
    from linalg_discovery.curriculum import HARD_STAGES, NEWTON_FACTOR, PRECONDITIONER, _p
    from linalg_discovery.task import Task

    table = stages(1000, 20)
    for name in HARD_STAGES:
        stage = table[name]
        task = Task(stage, 0)
        added = len(list(task.canonical(stage.target).instructions())) - len(
            list(task.root.instructions())
        )
        assert 3 <= added <= 6 and stage.steps == added, name
        assert task.reward(stage.target) > task.reward(task.root) + 0.2, name
    # the unsketched preconditioner / full Newton step is in the space and scores lower
    precond = table["hard-sketch-and-precondition"]
    exact = _p(PRECONDITIONER, precond.start.forward, precond.target.update)
    task = Task(precond, 0)
    assert task.reward(precond.target) > task.reward(exact)
    newton = table["hard-newton-sketch"]
    full = _p((), newton.start.forward + NEWTON_FACTOR, newton.start.update)
    task = Task(newton, 0)
    assert task.reward(newton.target) > task.reward(full)

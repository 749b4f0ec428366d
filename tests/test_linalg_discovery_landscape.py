"""Target landscape: the direct-path hit chance of a uniform rollout against closed forms and
exhaustive enumeration; the transposition counts of the tree searches; the hard-stage check."""

import pytest

from linalg_discovery.curriculum import HARD_STAGES, stages
from linalg_discovery.landscape import missing_instructions, target_landscape
from linalg_discovery.program import Program, instr
from linalg_discovery.search import SearchConfig, search_stage
from linalg_discovery.task import Task

SMALL = stages(320, 8)


def test_one_insertion_hits_with_one_over_the_number_of_moves():
    task = Task(SMALL["lowcond-gradient"], 42)
    land = target_landscape(task)
    assert land["depth"] == 1
    assert land["hit_probability"] == pytest.approx(1.0 / len(task.moves(task.root)))
    assert land["levels"][1]["best_reward"] == pytest.approx(task.reward(task.stage.target))


def test_two_insertions_match_exhaustive_enumeration_of_rollouts():
    task = Task(SMALL["psd-residual"], 42)
    exact = 0.0
    first = task.moves(task.root)
    for m1 in first:
        second = task.moves(m1.child)
        exact += sum(m2.key == task.target_key for m2 in second) / (len(first) * len(second))
    land = target_landscape(task)
    assert exact > 0
    assert land["hit_probability"] == pytest.approx(exact)
    assert land["rollouts_per_hit"] == pytest.approx(1.0 / exact)


def test_hard_stages_give_no_reward_signal_two_insertions_from_the_target():
    for name in HARD_STAGES:
        stage = SMALL[name]
        land = target_landscape(Task(stage, 42))
        assert land["depth"] == stage.steps
        assert [lvl["depth"] for lvl in land["levels"]] == list(range(stage.steps + 1))
        assert land["levels"][-1]["programs"] == 1
        assert 0 < land["hit_probability"] < 1e-5
        start = land["levels"][0]["best_reward"]
        for level in land["levels"][: stage.steps - 1]:
            assert level["best_reward"] <= start + 1e-12, (name, level)
        assert land["levels"][-1]["best_reward"] > start + 0.2


def test_missing_instructions_needs_start_inside_target():
    a = instr("matvec", "A", "x", target="V1")
    b = instr("sub", "V1", "b", target="V1")
    assert missing_instructions(Program((), (a,)), Program((), (a, b))) == [("forward", 1)]
    with pytest.raises(ValueError, match="subsequence"):
        missing_instructions(Program((), (b,)), Program((), (a,)))


@pytest.mark.parametrize("search", ["mcgs", "mcts"])
def test_links_are_new_nodes_or_transpositions(search):
    stage = SMALL["psd-residual"]
    result = search_stage(Task(stage, 42), SearchConfig(search=search, budget=200), seed=42)
    assert result.links > 0
    assert result.links == result.nodes - 1 + result.transpositions
    if search == "mcts":
        assert result.transpositions == 0
    else:
        assert result.transpositions > 0


def test_hard_check_reports_every_search_and_the_landscape(monkeypatch):
    import linalg_discovery.curriculum as curriculum
    from benchmarks import bench_rl4rla

    monkeypatch.setattr(curriculum, "HARD_STAGES", ("hard-newton-sketch",))
    monkeypatch.setattr(bench_rl4rla, "M", 320)
    monkeypatch.setattr(bench_rl4rla, "N", 8)
    out = bench_rl4rla.hard_stages((42,), budget=2, progress=False)
    runs = {r["search"]: r for r in out["runs"]}
    assert set(runs) == {"mcgs", "mcts", "random"}
    assert runs["random"]["budget"] == runs["mcgs"]["evaluations"]
    assert runs["mcts"]["transposition_rate"] == 0.0
    assert runs["mcgs"]["simulations"] <= 2 * 4
    stage = out["per_stage"]["hard-newton-sketch"]
    assert stage["depth"] == 4 and len(stage["best_reward_on_direct_paths_by_depth"]) == 5
    assert out["landscapes"][0]["rollouts_per_hit"] == stage["rollouts_per_hit"]

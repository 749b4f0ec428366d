"""Parallel search: the cost counts and the search do not depend on the workers or backend."""

import importlib.util
import json
import sys

import pytest

from linalg_discovery.curriculum import stages
from linalg_discovery.parallel import open_pool
from linalg_discovery.search import SearchConfig, search_stage
from linalg_discovery.task import Task
from sciml.cli import main

STAGE = stages(320, 8)["psd-residual"]
HAS_DASK = importlib.util.find_spec("distributed") is not None


def _run(search: str = "mcgs", **parallel) -> tuple:
    # a budget too small to enumerate the stage: the rollouts' programs are not all
    # re-run in the parent, so rewards scored by workers must be counted there
    budget = 100 if search == "mcgs" else 300
    task = Task(STAGE, 5)
    config = SearchConfig(search=search, batch=4, budget=budget, **parallel)
    return search_stage(task, config, seed=3), task


def _same_search_and_cost(serial: tuple, parallel: tuple) -> None:
    (one, one_task), (many, many_task) = serial, parallel
    assert many.history == one.history and many.program == one.program
    assert many.evaluations == one.evaluations == len(one_task._rewards)
    assert list(many_task._rewards.items()) == list(one_task._rewards.items())  # bitwise
    assert many.evaluations_to_target == one.evaluations_to_target is not None
    assert many.simulations_to_target == one.simulations_to_target
    assert many.eval_seconds > 0


@pytest.mark.parametrize("search", ["mcgs", "random"])
def test_workers_count_their_evaluations_like_one_process(search):
    serial = _run(search)
    assert serial[0].found
    _same_search_and_cost(serial, _run(search, workers=2))


def test_a_pool_is_shared_between_stages_and_rebinds_to_each_task():
    tasks = [Task(STAGE, 5), Task(stages(320, 8)["lowcond-gradient"], 5)]
    config = SearchConfig(batch=4, workers=2)
    with config.open_pool() as pool:
        pooled = [search_stage(t, config, seed=3, pool=pool) for t in tasks]
    serial = [search_stage(Task(t.stage, 5), SearchConfig(batch=4), seed=3) for t in tasks]
    for a, b in zip(pooled, serial, strict=True):
        assert a.found and a.history == b.history and a.evaluations == b.evaluations


def test_bad_backend_or_scheduler_is_rejected():
    with pytest.raises(ValueError, match="backend must be one of .process., .dask."):
        SearchConfig(backend="ray")
    with pytest.raises(ValueError, match="scheduler"):
        SearchConfig(scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="scheduler needs backend 'dask'"):
        open_pool("process", 2, "tcp://127.0.0.1:8786")


@pytest.mark.skipif(not HAS_DASK, reason="dask.distributed not installed (extra 'distributed')")
def test_dask_local_cluster_of_two_workers_matches_the_process_pool():
    # the second stage's rewards came out of unpacked message buffers 1 ulp off, unless the
    # workers copy the problem into fresh memory
    cases = [(STAGE, 5), (stages(1000, 20)["lowcond-gradient"], 42)]
    config = SearchConfig(batch=4, budget=100, workers=2)
    runs = {}
    for backend in ("process", "dask"):
        with SearchConfig(batch=4, workers=2, backend=backend).open_pool() as pool:
            tasks = [Task(stage, seed) for stage, seed in cases]
            runs[backend] = [(search_stage(t, config, seed=3, pool=pool), t) for t in tasks]
    for pooled, dask in zip(runs["process"], runs["dask"], strict=True):
        assert pooled[0].found
        _same_search_and_cost(pooled, dask)


def _refused(capsys, argv) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


DISCOVER = ["--quiet", "discover", "--path", "sketch-and-solve", "--budget", "200"]


def test_cli_discover_reports_the_same_cost_with_two_workers(tmp_path):
    files = [tmp_path / "one.json", tmp_path / "two.json"]
    assert main([*DISCOVER, "--batch", "4", "--json", str(files[0])]) == 0
    assert main([*DISCOVER, "--batch", "4", "--workers", "2", "--json", str(files[1])]) == 0
    one, two = (json.loads(f.read_text()) for f in files)
    assert one["evaluations"] == two["evaluations"] == sum(s["evaluations"] for s in one["stages"])
    assert [s["evaluations_to_target"] for s in one["stages"]] == [
        s["evaluations_to_target"] for s in two["stages"]
    ]


def test_cli_rejects_a_scheduler_without_dask_and_dask_when_missing(capsys, monkeypatch, tmp_path):
    out = tmp_path / "found.json"
    err = _refused(capsys, [*DISCOVER, "--scheduler", "tcp://127.0.0.1:8786", "--json", str(out)])
    assert "scheduler" in err and "dask" in err
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    err = _refused(capsys, [*DISCOVER, "--backend", "dask", "--json", str(out)])
    assert "--backend dask" in err and "sciml[distributed]" in err
    assert not out.exists()

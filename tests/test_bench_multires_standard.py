"""Smoke test of ``sciml bench multires --standard`` on a tiny problem."""

import math

import pytest

import benchmarks.bench_multires as bench
from benchmarks import run_benchmark

TINY = {
    "problem": {"native": 16, "resolutions": (4, 8, 16), "modes": 4, "n": 20},
    "validation_n": 6,
    "held_out": {"params": {"a_high": 12.0, "a_low": 2.0}, "n": 6},
    "chunk": 1,
    "max_epochs": 3,
    "plateau": 0.02,
    "step_size": 8,
    "batch_size": 8,
}


def test_standard_mode_trains_to_plateau_or_cap_and_reports_held_out(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "STANDARD", TINY)
    monkeypatch.setattr(bench, "WORK_DIR", tmp_path)
    results = bench.run(progress=False, standard=True)
    names = {r["train"] for r in results["runs"]}
    assert names == {"single-4", "single-8", "single-16", "mix-uniform", "mix-70-lowest",
                     "incremental", "mix-uniform-max-epochs"}
    for record in results["runs"]:
        curve = [c["validation_mse"] for c in record["validation_curve"]]
        assert 1 <= record["epochs"] <= 3 and all(math.isfinite(v) for v in curve)
        if record["plateau_reached"]:  # the last chunk improved by less than 2%
            assert curve[-1] > (min(curve[:-1]) if len(curve) > 1 else math.inf) * 0.98
        if record["train"] in ("incremental", "mix-uniform-max-epochs"):
            assert record["epochs"] == 3 and not record["plateau_reached"]
        elif not record["plateau_reached"]:
            assert record["epochs"] == 3
        assert set(record["held_out"]["mse"]) == {"4", "8", "16"}
        assert record["held_out"]["swing"] >= 1.0
    goals = results["targets"]
    assert 0 < goals["mix_70_lowest_time_fraction_per_epoch"] < 10
    assert "uniform_swing" in goals["darcy"]


def test_standard_and_quick_together_are_refused():
    with pytest.raises(ValueError, match="--quick or --standard"):
        bench.run(quick=True, standard=True)
    with pytest.raises(ValueError, match="no --standard mode"):
        run_benchmark("data", standard=True)


def test_standard_mode_resumes_from_finished_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "STANDARD", TINY)
    monkeypatch.setattr(bench, "WORK_DIR", tmp_path)
    first = bench.run(progress=False, standard=True)

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(bench, "train_to_plateau", no_training)
    again = bench.run(progress=False, standard=True)
    assert again["runs"] == first["runs"]

import json
import re

import pytest

import sciml.demo as demo
from benchmarks import benchmark_names, run_benchmark
from sciml.cli import main


def test_matrices_list_and_info(capsys):
    assert main(["matrices", "list"]) == 0
    out = capsys.readouterr().out
    assert "HB/bcsstk15" in out and "pyamg/airfoil" in out and "poisson2d" in out
    assert main(["matrices", "info", "nos4"]) == 0
    assert '"n": 100' in capsys.readouterr().out
    assert main(["matrices", "info", "nos5"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sciml: error:") and "nos5" in err and err.count("\n") == 1


def test_unknown_benchmark_is_a_usage_error(capsys):
    assert "data" in benchmark_names()
    assert main(["bench", "nope"]) == 2
    assert "unknown benchmark 'nope'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="choose one of"):
        run_benchmark("nope")


def test_demo_writes_report_and_figures(tmp_path, monkeypatch):
    monkeypatch.setattr(
        demo,
        "DEMO_DATASETS",
        {
            "darcy": ("Darcy", 2, 32, {}),
            "navier-stokes": ("NS", 2, 32, {"t_final": 0.1, "n_times": 2, "dt": 0.01}),
        },
    )
    monkeypatch.setattr(demo, "DEMO_MATRICES", ("nos4", "poisson2d-8"))
    tiny_multires = {
        "samples": 20,
        "native": 16,
        "resolutions": (8, 16),
        "epochs": 1,
        "runs": {"single-8": (8,), "mix-uniform": (8, 16)},
    }
    monkeypatch.setattr(demo, "DEMO_MULTIRES", tiny_multires)
    tiny_refine = {
        "samples": 5,
        "native": 16,
        "params": {"n_times": 3, "t_burn": 0.5},
        "resolution": 16,
        "modes": 4,
        "base_epochs": 1,
        "refine_epochs": 1,
        "steps": 1,
    }
    monkeypatch.setattr(demo, "DEMO_REFINE", tiny_refine)
    assert main(["--quiet", "demo", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert "## PDE data" in report and "## Sparse matrices" in report
    assert "| `nos4` | 100 | 594 | yes | yes |" in report
    assert "## Multi-resolution training" in report
    assert (
        "## Discovering a preconditioner (RL4RLA)" in report and "def discovered_solver" in report
    )
    assert re.search(r"\| mix-uniform \| [0-9.e+-]+ \| [0-9.e+-]+ \| [0-9.]+ \| 160 \|", report)
    figures = ("fields", "spectra", "multires", "refinement", "sparsity", "rl4rla-search")
    for name in figures:
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 1000
    assert not list(tmp_path.glob("**/*.tmp*"))


def test_multires_targets_on_a_hand_table():
    from benchmarks.bench_multires import _runs, targets

    resolutions = (8, 16)
    assert list(_runs(resolutions)) == [
        "single-8",
        "single-16",
        "mix-uniform",
        "mix-70-lowest",
        "incremental",
    ]

    def row(name, mse, cost=1.0):
        return {
            "train": name,
            "mse": mse,
            "swing": max(mse.values()) / min(mse.values()),
            "cost_fraction_of_highest": cost,
        }

    results = [
        row("single-8", {"8": 1.0, "16": 4.0}),
        row("single-16", {"8": 3.0, "16": 1.0}),
        row("mix-uniform", {"8": 1.1, "16": 1.2}),
        row("mix-70-lowest", {"8": 1.0, "16": 1.5}, cost=0.1),
    ]
    found = targets(results, resolutions)
    assert found["single_lowest_swing"] == 4.0 and found["single_lowest_swing_ge_3"]
    assert found["uniform_worst_mse_over_best_single"] == pytest.approx(1.2)
    assert not found["uniform_within_1.15_of_best_single"]
    assert not found["mix_70_lowest_ok"]


def test_multires_benchmark_problem_on_tiny_trajectories(tmp_path):
    from benchmarks.bench_multires import plot, run_problem
    from sciml.training.trainer import TrainConfig

    problem = {
        "native": 32,
        "resolutions": (16, 32),
        "modes": 8,
        "n": 5,
        "params": {"n_times": 3, "t_final": 0.1},
    }
    train = TrainConfig(epochs=2, step_size=1, eval_every=2)
    result = run_problem("burgers", problem, train, 4, tmp_path, progress=False)
    assert result["data"]["samples"] == 10  # 5 trajectories × 2 next-step pairs
    by_name = {r["train"]: r for r in result["runs"]}
    assert set(by_name) == {"single-16", "single-32", "mix-uniform", "mix-70-lowest", "incremental"}
    # 8 training pairs (the first of the 5 trajectories is the test set); largest-remainder
    # rounding puts 4 at 16 points and 4 at 32 for the uniform mix, 6 and 2 for the 70/30 one.
    cost = {name: run["cost_points_per_sample"] for name, run in by_name.items()}
    assert cost["single-16"] == 16.0 and cost["single-32"] == 32.0
    assert cost["mix-uniform"] == pytest.approx((4 * 16 + 4 * 32) / 8)
    assert cost["mix-70-lowest"] == pytest.approx((6 * 16 + 2 * 32) / 8)
    assert by_name["single-32"]["cost_fraction_of_highest"] == 1.0
    for record in result["runs"]:
        assert set(record["mse"]) == {"16", "32"}
        assert record["swing"] >= 1.0
    results = {"problems": [result["data"]], "runs": result["runs"]}
    plot(results, tmp_path / "multires.png")
    assert (tmp_path / "multires-burgers.png").stat().st_size > 1000


def test_discover_prints_the_program_and_writes_json(tmp_path, capsys):
    out = tmp_path / "found.json"
    argv = ["--quiet", "discover", "--path", "sketch-and-solve", "--budget", "100"]
    assert main([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "def discovered_solver(A, b" in printed and "found: True" in printed
    summary = json.loads(out.read_text())
    assert summary["found"] is True and summary["program"] in printed
    assert {"simulations", "seconds", "nodes"} <= set(summary)
    assert main(["discover", "--path", "nope"]) == 2
    assert "unknown path 'nope'" in capsys.readouterr().err


def test_precond_eval_prints_the_comparison(tmp_path, capsys):
    out = tmp_path / "cmp.json"
    assert main(["precond", "eval", "--matrix", "poisson2d-8", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "learned" in printed and "chebyshev" in printed and "jacobi" in printed
    result = json.loads(out.read_text())
    assert result["cg"]["learned"]["converged"] and result["cg"]["jacobi"]["converged"]
    assert main(["precond", "eval", "--matrix", "no-such-matrix"]) == 2

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
    assert main(["--quiet", "demo", "--out", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert "## PDE data" in report and "## Sparse matrices" in report
    assert "| `nos4` | 100 | 594 | yes | yes |" in report
    for name in ("fields", "spectra", "sparsity"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 1000
    assert not list(tmp_path.glob("**/*.tmp*"))

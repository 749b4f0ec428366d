"""The distributed section of the AutoSpec benchmark: rows and summary from a tiny run on the
torch tensor path (what the GPU runs), and refusals without a GPU before any work."""

import json

import pytest
import torch

from benchmarks.autospec_distributed import compare_distributed, main, summarise_distributed
from sciml.data.matrices import load_matrix


def test_rows_and_summary_on_the_tensor_path():
    rows = compare_distributed(
        [("nos4", load_matrix("HB/nos4"))], world=1, repeats=1, arrays="torch"
    )
    (row,) = rows
    for method in ("jacobi", "learned", "chebyshev"):
        r = row[method]
        assert r["converged"] and r["relative_residual"] < 1e-6
        assert r["host_syncs"] == r["iterations"]
        assert r["model_error"] == pytest.approx(r["predicted_seconds"] / r["seconds"] - 1.0)
    j, lr = row["jacobi"], row["learned"]
    assert row["crossover_t_red_over_t_mv"] == pytest.approx(
        (lr["matvecs"] - j["matvecs"]) / (j["reductions"] - lr["reductions"])
    )
    summary = summarise_distributed(rows)
    assert summary["median_learned_speedup_over_jacobi_cg"] == row["learned_speedup_over_jacobi"]
    assert summary["target_speedup_1.5x_met"] == (row["learned_speedup_over_jacobi"] >= 1.5)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_gpu_section_refuses_without_cuda(tmp_path, capsys):
    target = tmp_path / "gpu.json"
    assert main(["--json", str(target), "--quiet"]) == 2
    assert "device='cuda'" in capsys.readouterr().err
    assert not target.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal without a GPU")
def test_bench_autospec_gpu_refuses_before_running(tmp_path):
    from sciml.cli import main as cli

    target = tmp_path / "out.json"
    assert cli(["bench", "autospec", "--quick", "--gpu", "--json", str(target)]) == 2
    assert not target.exists()


def test_summary_flags_a_bad_cost_model():
    def method(error: float) -> dict:
        return {"model_error": error}

    rows = [
        {
            "jacobi": method(0.1),
            "learned": method(-0.3),
            "chebyshev": method(0.0),
            "learned_speedup_over_jacobi": 2.0,
            "crossover_t_red_over_t_mv": 0.2,
            "measured_t_red_over_t_mv": 0.8,
        }
    ]
    summary = summarise_distributed(rows)
    assert summary["max_abs_cost_model_error"] == 0.3
    assert not summary["cost_model_within_25pct_met"]
    assert json.dumps(summary)  # JSON-ready

"""The demo stage writes its figures and a Markdown table with links relative to out_dir."""

from solvers.demo import DEMO_METHODS, demo_stage


def test_demo_stage_writes_figures_and_table(tmp_path):
    text = demo_stage(tmp_path, seed=0, progress=False)
    for name in ("autospec_residual_polynomials.png", "autospec_convergence.png"):
        assert (tmp_path / "figures" / name).stat().st_size > 1000
        assert f"](figures/{name})" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "True" in line]
    assert len(rows) == len(DEMO_METHODS)

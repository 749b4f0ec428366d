import json
import math

import pytest

from sciml.cli import main
from sciml.data.pde.store import generate_dataset
from sciml.training.refinement import evaluate_refined


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("irno")
    data = root / "ns.h5"
    params = {"t_final": 1.0, "n_times": 6}
    generate_dataset(
        "navier-stokes", data, n=4, resolution=16, seed=0, params=params, progress=False
    )
    argv = ["--quiet", "train", "--data", str(data), "--resolutions", "16", "--epochs", "2"]
    argv += ["--width", "8", "--modes", "4", "--batch-size", "4", "--out", str(root / "base")]
    assert main(argv) == 0
    return root


def _refine(root, out, *extra):
    argv = ["--quiet", "refine", str(root / "base"), "--steps", "2", "--extra-steps", "2"]
    argv += ["--width", "4", "--depth", "2", "--epochs", "2", "--batch-size", "4"]
    return main([*argv, *extra, "--out", str(root / out)])


def test_refine_trains_resumes_and_evaluates_every_step(base_run, capsys):
    assert _refine(base_run, "irno") == 0
    metrics = (base_run / "irno" / "metrics.jsonl").read_text().splitlines()
    assert len(metrics) == 2
    assert _refine(base_run, "irno") == 0  # finished run: resumed, nothing retrained
    assert (base_run / "irno" / "metrics.jsonl").read_text().splitlines() == metrics
    report_path = base_run / "irno" / "eval.json"
    capsys.readouterr()
    assert main(["evaluate", str(base_run / "irno"), "--json", str(report_path)]) == 0
    printed = capsys.readouterr().out
    assert "step 0 is the base operator" in printed
    report = json.loads(report_path.read_text())
    assert len(report["per_step"]) == 5 and len(report["q"]) == 4
    assert report["per_step"][0]["band_ratio"] == {"low": 1.0, "mid": 1.0, "high": 1.0}
    assert all(math.isfinite(q) and q > 0 for q in report["q"])
    assert report_path.with_suffix(".png").stat().st_size > 1000
    # step 0 is the frozen base: its error is the base run's own test error, measured by the
    # plain evaluation path; step K is what training reported at its last epoch
    base_report = base_run / "base-eval.json"
    assert main(["evaluate", str(base_run / "base"), "--json", str(base_report)]) == 0
    base_rel_l2 = json.loads(base_report.read_text())["errors"]["16"]["rel_l2"]
    assert report["per_step"][0]["rel_l2"] == pytest.approx(base_rel_l2, rel=1e-5)
    last_epoch = json.loads(metrics[-1])["eval"]["16"]
    assert report["per_step"][report["steps"]]["rel_l2"] == pytest.approx(
        last_epoch["rel_l2"], rel=1e-5
    )


def test_refine_with_the_contraction_penalty(base_run):
    assert _refine(base_run, "irno-q", "--contraction-weight", "1.0", "--q-max", "0.5") == 0
    record = json.loads((base_run / "irno-q" / "refine.json").read_text())
    assert record["spec"]["contraction_weight"] == 1.0 and record["spec"]["q_max"] == 0.5
    last = json.loads((base_run / "irno-q" / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["epoch"] == 2 and math.isfinite(last["train_loss"])


def test_refine_with_the_contractive_refiner_contracts_at_every_step(base_run, capsys):
    argv = ("--refiner", "contractive", "--alpha", "0.5", "--lipschitz", "0.6")
    assert _refine(base_run, "irno-c", *argv) == 0
    report = evaluate_refined(base_run / "irno-c")
    assert len(report["q"]) == 4 and max(report["q"]) <= 1 - 0.5 * (1 - 0.6) + 1e-4
    assert report["chosen_step"] is None  # the base run has no validation split
    assert _refine(base_run, "irno-bad", "--refiner", "contractive", "--lipschitz", "1") == 2
    assert "lipschitz must be a number in [0, 1)" in capsys.readouterr().err
    assert not (base_run / "irno-bad").exists()


def test_refine_rejects_bad_settings_by_name(base_run, capsys):
    assert _refine(base_run, "deep", "--depth", "5") == 2
    assert "divisible by 32" in capsys.readouterr().err
    for alpha in ("0", "1", "1.5"):
        assert _refine(base_run, "alpha", "--alpha", alpha) == 2
        err = capsys.readouterr().err
        assert "alpha must be a number in (0, 1)" in err and len(err.splitlines()) == 1
    not_a_run = base_run / "not-a-run"
    not_a_run.mkdir()
    argv = ["--quiet", "refine", str(not_a_run), "--out", str(base_run / "from-nothing")]
    assert main(argv) == 2
    assert "is not a training run" in capsys.readouterr().err
    for name in ("deep", "alpha", "from-nothing"):
        assert not (base_run / name).exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["refine", str(base_run / "base"), "--steps", "0", "--out", "x"])
    assert exit_info.value.code == 2
    burgers = base_run / "burgers.h5"
    generate_dataset("burgers", burgers, n=2, resolution=16, seed=0, progress=False)
    assert _refine(base_run, "other", "--data", str(burgers)) == 2
    assert "2-D, the data" in capsys.readouterr().err
    assert not (base_run / "other").exists()


def test_refined_run_evaluates_from_another_working_directory(base_run, monkeypatch, capsys):
    monkeypatch.chdir(base_run)  # refine with relative paths, as a user in that folder would
    argv = ["--quiet", "refine", "base", "--steps", "1", "--extra-steps", "0", "--width", "4"]
    argv += ["--depth", "2", "--epochs", "1", "--batch-size", "4", "--out", "runs/moved"]
    assert main(argv) == 0
    record = json.loads((base_run / "runs" / "moved" / "refine.json").read_text())
    assert record["spec"]["base_run"] == "../../base"  # relative to the refined run's folder
    monkeypatch.chdir(base_run / "runs")
    capsys.readouterr()
    assert main(["evaluate", "moved"]) == 0
    assert "step 0 is the base operator" in capsys.readouterr().out
    monkeypatch.chdir(base_run)
    assert main(argv) == 0  # the same run again: recognised and resumed, not refused


def test_refine_resumes_after_sigkill_with_the_same_final_weights(base_run):
    import os
    import signal
    import subprocess
    import sys
    import time

    import torch

    def argv(out):
        args = [sys.executable, "-m", "sciml.cli", "--quiet", "refine", str(base_run / "base")]
        args += ["--steps", "2", "--width", "4", "--depth", "2", "--epochs", "15"]
        return [*args, "--batch-size", "4", "--out", str(base_run / out)]

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    assert main(argv("whole")[3:]) == 0  # the uninterrupted run, in this process
    metrics = base_run / "killed" / "metrics.jsonl"
    process = subprocess.Popen(argv("killed"), env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if metrics.exists() and len(metrics.read_text().splitlines()) >= 2:
                break
            time.sleep(0.02)
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait()
    assert process.returncode == -signal.SIGKILL
    done = len(metrics.read_text().splitlines())
    assert 2 <= done < 15
    subprocess.run(argv("killed"), check=True, env=env, capture_output=True)
    assert len(metrics.read_text().splitlines()) == 15
    states = [
        torch.load(base_run / out / "checkpoint.pt", weights_only=True)["model"]
        for out in ("whole", "killed")
    ]
    assert states[0].keys() == states[1].keys()
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])

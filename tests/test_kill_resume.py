"""A run killed with SIGKILL in another process (no clean-up, possibly mid-write) resumes to
the same bytes as a run that was never interrupted: data generation and training."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from sciml.cli import main
from sciml.data.pde.store import generate_dataset

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _start(argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "sciml.cli", "--quiet", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _kill_when(process, ready, timeout=120.0):
    """SIGKILL ``process`` as soon as ``ready()`` holds; fails if it ended first."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the run finished before it could be killed"
        assert time.monotonic() < deadline, "the run made no progress"
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def test_generation_killed_in_another_process_resumes_to_the_same_file(tmp_path, every_dataset):
    settings = ["darcy", "--n", "48", "--resolution", "32", "--batch-size", "2", "--seed", "5"]
    out = tmp_path / "killed.h5"
    parts = tmp_path / "killed.h5.parts"
    process = _start(["data", "generate", *settings, "--out", str(out)])
    _kill_when(process, lambda: len(list(parts.glob("batch-*.npz"))) >= 3)
    assert not out.exists()
    done = len(list(parts.glob("batch-*.npz")))
    assert 3 <= done < 24

    assert main(["--quiet", "data", "generate", *settings, "--out", str(out)]) == 0
    assert not parts.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["killed.h5"]
    reference = tmp_path / "reference.h5"
    generate_dataset("darcy", reference, n=48, resolution=32, batch_size=2, seed=5, progress=False)
    assert every_dataset(out) == every_dataset(reference)


def _metrics(run):
    path = run / "metrics.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]
    return [{k: v for k, v in r.items() if "seconds" not in k and k != "samples_per_s"}
            for r in records]


def test_training_killed_in_another_process_resumes_to_the_same_weights(tmp_path):
    data = tmp_path / "darcy.h5"
    generate_dataset("darcy", data, n=8, resolution=16, seed=0, progress=False)
    argv = ["train", "--data", str(data), "--resolutions", "16", "--epochs", "20"]
    argv += ["--width", "4", "--layers", "1", "--modes", "4", "--batch-size", "4"]
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = _start([*argv, "--out", str(killed)])
    _kill_when(process, lambda: len(_metrics(killed)) >= 3)
    assert len(_metrics(killed)) < 20

    assert main(["--quiet", *argv, "--out", str(killed)]) == 0
    assert main(["--quiet", *argv, "--out", str(whole)]) == 0
    assert _metrics(killed) == _metrics(whole)
    resumed = torch.load(killed / "checkpoint.pt", weights_only=True)["model"]
    reference = torch.load(whole / "checkpoint.pt", weights_only=True)["model"]
    assert resumed.keys() == reference.keys()
    assert all(torch.equal(resumed[k], reference[k]) for k in reference)
    assert not [p.name for p in killed.iterdir() if p.name.startswith(".")]


def test_a_metrics_line_torn_by_a_kill_is_dropped_on_resume(tmp_path):
    data = tmp_path / "darcy.h5"
    generate_dataset("darcy", data, n=6, resolution=8, seed=0, progress=False)
    argv = ["--quiet", "train", "--data", str(data), "--resolutions", "8", "--width", "4"]
    argv += ["--layers", "1", "--modes", "2", "--out", str(tmp_path / "run")]
    assert main([*argv, "--epochs", "2"]) == 0
    metrics = tmp_path / "run" / "metrics.jsonl"
    with metrics.open("a") as f:
        f.write('{"epoch": 3, "train_lo')  # the process died inside this append
    assert main([*argv, "--epochs", "3"]) == 0
    records = [json.loads(line) for line in metrics.read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2, 3]

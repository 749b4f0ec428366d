"""Bad input on the command line: exit code 2, one line on stderr, nothing left on disk."""

import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

from sciml.cli import main
from sciml.data.pde.store import describe_dataset, generate_dataset


def refused(capsys, argv) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


class Opaque:
    def __reduce__(self):
        return (print, ("unpickled",))


GEN = ["--quiet", "data", "generate"]


@pytest.mark.parametrize(
    ("pde", "extra", "named"),
    [
        ("darcy", ["--param", "a_high=-5"], "a_high"),
        ("navier-stokes", ["--param", "nu=-1"], "'nu'"),
        ("burgers", ["--param", "nu=0"], "'nu'"),
        ("burgers", ["--param", "t_final=nan"], "t_final"),
        ("burgers", ["--param", "n_times=0"], "n_times"),
        ("darcy", ["--seed", "-1"], "seed"),
        ("darcy", ["--device", "nosuchdevice"], "--device"),
        ("darcy", ["--device", "cuda:99"], "not available"),
    ],
)
def test_refused_generation_leaves_nothing_and_does_not_block_the_fix(
    tmp_path, capsys, pde, extra, named
):
    out = tmp_path / "out.h5"
    err = refused(capsys, [*GEN, pde, "--n", "2", "--resolution", "16", "--out", str(out), *extra])
    assert named in err
    assert list(tmp_path.iterdir()) == []


def test_corrected_command_runs_after_a_refusal_and_says_batch(tmp_path, capsys):
    out = tmp_path / "d.h5"
    argv = [*GEN, "darcy", "--n", "2", "--resolution", "16", "--out", str(out)]
    refused(capsys, [*argv, "--param", "a_high=-5"])
    assert main(argv) == 0
    assert "(1 batch computed now)" in capsys.readouterr().out


def test_out_naming_a_folder_is_refused_as_a_folder(tmp_path, capsys):
    err = refused(capsys, [*GEN, "darcy", "--n", "2", "--resolution", "16", "--out", str(tmp_path)])
    assert "is a folder" in err
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def darcy_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("info") / "d.h5"
    generate_dataset("darcy", path, n=4, resolution=16, seed=0, progress=False)
    return path


def test_data_info_reports_non_finite_samples_by_index(darcy_file, tmp_path, capsys):
    bad = tmp_path / "bad.h5"
    bad.write_bytes(darcy_file.read_bytes())
    with h5py.File(bad, "a") as f:
        f["u"][1, 3, 3] = np.nan
        f["u"][3, 0, 0] = np.inf
    assert describe_dataset(darcy_file)["non_finite"] == {"a": [], "u": []}
    assert main(["data", "info", str(bad)]) == 0
    captured = capsys.readouterr()
    assert '"u": [\n      1,\n      3\n    ]' in captured.out
    assert "NaN or Inf in u: samples [1, 3]" in captured.err


def test_data_info_reads_every_format_open_dataset_reads(tmp_path, capsys):
    y = torch.randn(3, 8, 8)
    y[2, 0, 0] = float("nan")
    torch.save({"x": torch.ones(3, 8, 8), "y": y}, tmp_path / "darcy_train_8.pt")
    assert main(["data", "info", str(tmp_path / "darcy_train_8.pt")]) == 0
    info = describe_dataset(tmp_path / "darcy_train_8.pt")
    assert info["samples"] == 3 and info["resolution"] == 8
    assert info["non_finite"] == {"input": [], "target": [2]}


def test_precond_eval_refuses_bad_tolerance_and_models_folders(tmp_path, capsys):
    matrix = ["precond", "eval", "--matrix", "nos4"]
    assert "rtol" in refused(capsys, [*matrix, "--rtol", "-1"])
    assert "nosuchdir" in refused(capsys, [*matrix, "--models", str(tmp_path / "nosuchdir")])
    empty = tmp_path / "empty"
    empty.mkdir()
    assert str(empty) in refused(capsys, [*matrix, "--models", str(empty)])
    (tmp_path / "evil").mkdir()
    torch.save({"config": Opaque()}, tmp_path / "evil" / "precond-d10.pt")
    err = refused(capsys, [*matrix, "--models", str(tmp_path / "evil")])
    assert "objects other than tensors" in err and "refused for safety" in err
    assert "weights_only" not in err


def test_unsafe_checkpoint_is_refused_in_one_line(tmp_path):
    from sciml.training.trainer import load_checkpoint

    torch.save({"format": Opaque()}, tmp_path / "checkpoint.pt")
    with pytest.raises(ValueError) as err:
        load_checkpoint(tmp_path / "checkpoint.pt")
    message = str(err.value)
    assert "refused for safety" in message and "\n" not in message
    assert "weights_only" not in message


def test_huge_generated_matrix_is_refused_before_allocation(capsys):
    err = refused(capsys, ["matrices", "info", "poisson2d-100000"])
    assert "10,000,000,000 rows" in err and "16,777,216" in err


@pytest.mark.parametrize("unbuffered", [False, True])
def test_closed_stdout_pipe_ends_quietly(unbuffered):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:  # print() meets the closed pipe; else the final flush does
        env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sciml.cli", "matrices", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
    )
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_json_or_out_naming_the_wrong_kind_of_path_is_refused_before_work(tmp_path, capsys):
    err = refused(capsys, ["precond", "eval", "--matrix", "nos4", "--json", str(tmp_path)])
    assert "is a folder" in err
    afile = tmp_path / "a.txt"
    afile.write_text("x")
    err = refused(capsys, ["precond", "eval", "--matrix", "nos4", "--json", str(afile / "b.json")])
    assert "inside a file" in err
    assert "is a file" in refused(capsys, ["demo", "--out", str(afile)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]

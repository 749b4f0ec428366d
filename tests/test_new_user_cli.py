"""A new user's unusual command lines (a second pass over issue 24's categories): each is
answered correctly or refused in one line naming the problem (exit 2, no traceback), with no
file left behind and no other file (a dataset, a run's record) touched."""

from __future__ import annotations

import json

import h5py
import pytest

from sciml.cli import main
from sciml.data.pde.store import generate_dataset
from sciml.operators.config import OperatorConfig
from sciml.training.run import RunSpec, train_run
from sciml.training.trainer import TrainConfig

HUGE = "99999999999999999999"  # > 2**64 - 1
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def refused(capsys, argv) -> str:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    return captured.err


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """Six Darcy samples at 16² and a one-epoch run on them (test split: sample 0)."""
    root = tmp_path_factory.mktemp("new-user")
    generate_dataset("darcy", root / "darcy.h5", n=6, resolution=16, seed=0, progress=False)
    spec = RunSpec(data=str(root / "darcy.h5"), resolutions=(8, 16), mix=(0.5, 0.5), batch_size=2)
    model = OperatorConfig("fno", 1, 1, (8, 8), hidden_channels=4, n_layers=1)
    train_run(
        spec, root / "run", model_config=model, train_config=TrainConfig(epochs=1), progress=False
    )
    return root


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# --- out of memory ---------------------------------------------------------------------------


def test_a_resolution_beyond_memory_is_one_line_and_leaves_no_parts_folder(tmp_path, capsys):
    argv = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "99999999"]
    err = refused(capsys, [*argv, "--out", str(tmp_path / "x.h5")])
    assert "out of memory" in err
    assert _files(tmp_path) == []  # no x.h5.parts left to block the corrected command


def test_a_model_beyond_memory_is_one_line(base, tmp_path, capsys):
    argv = ["--quiet", "train", "--data", str(base / "darcy.h5"), "--resolutions", "8"]
    argv += ["--layers", "1", "--width", "99999999999999", "--out", str(tmp_path / "run")]
    assert "out of memory" in refused(capsys, argv)
    assert _files(tmp_path) == []


# --- values of flags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "generate", "darcy", "--n", "2", "--resolution", "8", "--out", "x.h5"],
        ["train", "--data", "d.h5", "--resolutions", "8", "--out", "run"],
        ["refine", "base", "--out", "refined"],
        ["demo", "--out", "demo"],
        ["precond", "train", "--family", "darcy", "--count", "2", "--size", "5", "--out", "m.pt"],
    ],
    ids=["generate", "train", "refine", "demo", "precond-train"],
)
def test_seeds_beyond_64_bits_are_refused_by_flag(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, ["--quiet", *argv, "--seed", HUGE])
    assert "--seed" in err and "2**64" in err
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (
            ["train", "--data", "d.h5", "--resolutions", "8", "--out", "run", "--batch-size", HUGE],
            "--batch-size",
        ),
        (
            [
                "data",
                "generate",
                "darcy",
                "--n",
                "2",
                "--resolution",
                "8",
                "--out",
                "x.h5",
                "--batch-size",
                HUGE,
            ],
            "--batch-size",
        ),
    ],
)
def test_integers_beyond_64_bits_are_refused_by_flag(tmp_path, monkeypatch, capsys, argv, flag):
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, ["--quiet", *argv])
    assert flag in err and "2**63" in err
    assert _files(tmp_path) == []


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["train", "--data", "missing.h5", "--resolutions", "8", "--out", ""], "--out"),
        (["evaluate", ""], "run_dir"),
        (["evaluate", "run", "--data", ""], "--data"),
        (["refine", "", "--out", "refined"], "run_dir"),
        (["data", "info", ""], "file"),
        (["demo", "--out", ""], "--out"),
        (["precond", "train", "--out", ""], "--out"),
        (["precond", "eval", "--matrix", "poisson2d-8", "--models", ""], "--models"),
        (
            [
                "data",
                "generate",
                "darcy",
                "--n",
                "2",
                "--resolution",
                "8",
                "--out",
                "x.h5",
                "--shard",
                "",
            ],
            "shard",
        ),
    ],
    ids=[
        "train-out",
        "evaluate",
        "evaluate-data",
        "refine",
        "info",
        "demo",
        "precond-train",
        "precond-models",
        "shard",
    ],
)
def test_an_empty_path_is_refused_not_taken_as_the_current_folder(
    tmp_path, monkeypatch, capsys, argv, named
):
    """An unset shell variable (``--out "$OUT"``) must not write a run into the current
    folder, nor read one from it."""
    monkeypatch.chdir(tmp_path)
    err = refused(capsys, ["--quiet", *argv])
    assert named in err and ("expected a path" in err or "i/k" in err)
    assert _files(tmp_path) == []


def test_a_negative_shard_is_named_by_its_rule(tmp_path, capsys):
    argv = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "8"]
    err = refused(capsys, [*argv, "--shard", "-1/2", "--out", str(tmp_path / "x.h5")])
    assert "0 <= i < k" in err and "-1/2" in err
    assert _files(tmp_path) == []


@pytest.mark.parametrize("value", ["true", "false"])
def test_a_boolean_for_a_numeric_parameter_is_refused(tmp_path, capsys, value):
    argv = ["--quiet", "data", "generate", "darcy", "--n", "1", "--resolution", "8"]
    err = refused(capsys, [*argv, "--param", f"alpha={value}", "--out", str(tmp_path / "x.h5")])
    assert "'alpha' must be a number" in err
    assert _files(tmp_path) == []


def test_rtol_below_machine_precision_is_refused(capsys):
    argv = ["--quiet", "precond", "eval", "--matrix", "poisson2d-8", "--methods", "jacobi"]
    err = refused(capsys, [*argv, "--rtol", "1e-17"])
    assert "rtol must be a number in [2.22" in err


def test_a_one_point_grid_trains(base, tmp_path, capsys):
    """``--resolutions 1``: the default modes are at least 1 (it said n_modes 0 before)."""
    argv = ["--quiet", "train", "--data", str(base / "darcy.h5"), "--resolutions", "1"]
    argv += ["--epochs", "1", "--width", "4", "--layers", "1", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["model"]["n_modes"] == [1, 1]


# --- files that are not the command's to replace --------------------------------------------


@pytest.fixture()
def others(tmp_path):
    """A dataset file and a run folder (record and checkpoint) that no command may replace."""
    (tmp_path / "data.h5").write_bytes(HDF5_SIGNATURE + b"\0" * 64)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "run.json").write_text(json.dumps({"spec": {}, "model": {}}))
    (tmp_path / "run" / "checkpoint.pt").write_bytes(b"PK\x03\x04" + b"\0" * 64)
    return {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}


@pytest.mark.parametrize("target", ["data.h5", "run/run.json"])
@pytest.mark.parametrize(
    "command",
    [
        ["precond", "eval", "--matrix", "poisson2d-8", "--methods", "jacobi"],
        ["discover", "--path", "sketch-and-solve", "--search", "random", "--budget", "2"],
        ["bench", "data", "--quick"],
    ],
    ids=["precond-eval", "discover", "bench"],
)
def test_json_reports_do_not_replace_data_or_a_runs_record(
    tmp_path, others, capsys, command, target
):
    err = refused(capsys, ["--quiet", *command, "--json", str(tmp_path / target)])
    assert "--json" in err and ("not hold JSON" in err or "record of the run" in err)
    assert {p: p.read_bytes() for p in others} == others


def test_json_replaces_an_earlier_report(tmp_path, capsys):
    report = tmp_path / "report.json"
    report.write_text('{"old": true}')
    argv = ["--quiet", "precond", "eval", "--matrix", "poisson2d-8", "--methods", "jacobi"]
    assert main([*argv, "--json", str(report)]) == 0
    assert "cg" in json.loads(report.read_text())


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("data.h5", "not a model file"),
        ("data.h5/model.pt", "lies inside a file"),
        ("run/checkpoint.pt", "a file of the run"),
    ],
)
def test_a_family_model_does_not_replace_other_files(tmp_path, others, capsys, target, words):
    argv = ["--quiet", "precond", "train", "--family", "darcy", "--count", "2", "--degree", "2"]
    err = refused(capsys, [*argv, "--size", "5", "--out", str(tmp_path / target)])
    assert words in err
    assert {p: p.read_bytes() for p in others} == others


def test_the_demo_refuses_a_run_folder(tmp_path, others, capsys):
    err = refused(capsys, ["--quiet", "demo", "--out", str(tmp_path / "run")])
    assert "holds a training run (run.json)" in err
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["checkpoint.pt", "run.json"]


# --- refinement data that its base trained on ---------------------------------------------------


def test_refining_on_data_whose_test_split_the_base_trained_on_is_refused(base, tmp_path, capsys):
    """A file holding the base's samples in another order (or a longer generation with the
    same seed) puts base training samples in the refinement's test split: its errors would be
    training errors."""
    reordered = tmp_path / "reordered.h5"
    reordered.write_bytes((base / "darcy.h5").read_bytes())
    with h5py.File(reordered, "r+") as f:
        for key in ("a", "u"):
            f[key][...] = f[key][()][::-1]
    argv = ["--quiet", "refine", str(base / "run"), "--data", str(reordered), "--steps", "1"]
    argv += ["--epochs", "1", "--width", "4", "--depth", "1", "--out", str(tmp_path / "refined")]
    err = refused(capsys, argv)
    assert "test samples of" in err and "trained or validated on" in err
    assert not (tmp_path / "refined").exists()

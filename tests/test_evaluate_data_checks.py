"""No silent wrong answers in evaluation: the run's own samples are recognised by content in
any file, data of another equation or shape is refused by name, and flags that do not apply
to the data or the run are refused before anything is written."""

from __future__ import annotations

import json
import shutil

import h5py
import pytest

from sciml.cli import main
from sciml.data.pde.store import generate_dataset, open_dataset
from sciml.operators.config import OperatorConfig
from sciml.training.refinement import evaluate_refined
from sciml.training.run import RunSpec, default_operator_config, evaluate_run, train_run
from sciml.training.trainer import TrainConfig

NS_PARAMS = {"t_final": 1.0, "n_times": 4}


def tiny_model(modes: int = 4) -> OperatorConfig:
    return OperatorConfig("fno", 1, 1, (modes, modes), hidden_channels=4, n_layers=1)


@pytest.fixture(scope="module")
def darcy_run(tmp_path_factory):
    """A run on 20 Darcy samples at 16² (test split: samples 0 and 1; the rest train)."""
    root = tmp_path_factory.mktemp("evaluate")
    generate_dataset("darcy", root / "darcy.h5", n=20, resolution=16, seed=0, progress=False)
    spec = RunSpec(data=str(root / "darcy.h5"), resolutions=(8,), batch_size=8)
    config = TrainConfig(epochs=1)
    train_run(spec, root / "run", model_config=tiny_model(), train_config=config, progress=False)
    return root


@pytest.fixture(scope="module")
def ns_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("ns") / "ns.h5"
    generate_dataset(
        "navier-stokes", path, n=2, resolution=16, seed=0, params=NS_PARAMS, progress=False
    )
    return path


def test_a_copy_of_the_runs_data_scores_only_its_test_split(darcy_run, capsys):
    copy = darcy_run / "copy.h5"
    shutil.copy(darcy_run / "darcy.h5", copy)
    report_path = darcy_run / "copy-eval.json"
    argv = ["evaluate", str(darcy_run / "run"), "--data", str(copy), "--json", str(report_path)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "scored 2 of 20 samples of " in out and "copy.h5: the run's test split" in out
    report = json.loads(report_path.read_text())
    assert report["samples"] == "test split" and report["sample_indices"] == [0, 1]
    assert (report["n_samples"], report["excluded"], report["of"]) == (2, 18, 20)
    own = evaluate_run(darcy_run / "run")
    assert report["errors"]["8"] == pytest.approx(own["errors"]["8"])


def test_the_runs_samples_are_recognised_in_any_file_that_holds_them(darcy_run, tmp_path):
    same = tmp_path / "regenerated.h5"  # the same generate command, written to another name
    generate_dataset("darcy", same, n=20, resolution=16, seed=0, progress=False)
    assert evaluate_run(darcy_run / "run", data=str(same))["sample_indices"] == [0, 1]
    superset = tmp_path / "more.h5"  # the same 20 samples and 4 new ones
    generate_dataset("darcy", superset, n=24, resolution=16, seed=0, progress=False)
    report = evaluate_run(darcy_run / "run", data=str(superset))
    assert report["samples"] == "unseen" and report["sample_indices"] == [0, 1, 20, 21, 22, 23]
    assert report["excluded"] == 18 and "18 are the run's training" in report["scored"]
    training_only = tmp_path / "train-part.h5"
    shutil.copy(darcy_run / "darcy.h5", training_only)
    with h5py.File(training_only, "a") as f:
        for key in ("a", "u"):
            part = f[key][5:9]
            del f[key]
            f[key] = part
        f.attrs["n"] = 4
    with pytest.raises(ValueError, match="every sample of train-part.h5 is one the run"):
        evaluate_run(darcy_run / "run", data=str(training_only))


def test_a_run_recorded_without_sample_digests_still_evaluates(darcy_run, tmp_path):
    old = tmp_path / "old-run"
    shutil.copytree(darcy_run / "run", old)
    record = json.loads((old / "run.json").read_text())
    record.pop("data", None)  # as runs recorded before digests were kept
    (old / "run.json").write_text(json.dumps(record))
    copy = tmp_path / "copy.h5"
    shutil.copy(darcy_run / "darcy.h5", copy)
    assert evaluate_run(old, data=str(copy))["samples"] == "test split"  # from its data file
    record["spec"]["data"] = str(tmp_path / "moved-away.h5")
    (old / "run.json").write_text(json.dumps(record))
    report = evaluate_run(old, data=str(copy))
    assert report["samples"] == "all" and "keeps no digests" in report["scored"]


def test_another_equation_is_refused_unless_asked_for(darcy_run, ns_file, capsys):
    report_path = darcy_run / "ns-eval.json"
    argv = ["evaluate", str(darcy_run / "run"), "--data", str(ns_file), "--json", str(report_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "trained on darcy (a → u) data, " in err and "holds navier-stokes (w → w)" in err
    assert "--allow-other-equation" in err and not report_path.exists()
    assert main([*argv, "--allow-other-equation"]) == 0
    assert json.loads(report_path.read_text())["samples"] == "all"


def test_data_of_another_shape_is_refused_even_when_asked_for(darcy_run, tmp_path):
    burgers = tmp_path / "burgers.h5"
    generate_dataset("burgers", burgers, n=2, resolution=16, seed=0, progress=False)
    with pytest.raises(ValueError, match="is 2-D, the data .*burgers.h5 has 1 spatial dims"):
        evaluate_run(darcy_run / "run", data=str(burgers), allow_other_equation=True)
    coarse = "darcy.h5 is stored on a grid of 16 points per axis, coarser than 32: choose --res"
    with pytest.raises(ValueError, match=coarse):
        evaluate_run(darcy_run / "run", resolutions=(16, 32))


def test_modes_beyond_the_finest_grid_are_refused_naming_the_largest(darcy_run, tmp_path, capsys):
    dataset = open_dataset(darcy_run / "darcy.h5")
    assert default_operator_config(dataset, (8, 16), modes=16).n_modes == (16, 16)
    with pytest.raises(ValueError, match="--modes .*17 exceeds 16.*use --modes 16 or less"):
        default_operator_config(dataset, (8, 16), modes=17)
    out = tmp_path / "too-many-modes"
    spec = RunSpec(data=str(darcy_run / "darcy.h5"), resolutions=(8,), batch_size=8)
    with pytest.raises(ValueError, match="--modes .*9 exceeds 8"):
        train_run(spec, out, model_config=tiny_model(9), progress=False)
    argv = ["--quiet", "train", "--data", str(darcy_run / "darcy.h5"), "--resolutions", "8,16"]
    assert main([*argv, "--modes", "100", "--epochs", "1", "--out", str(out)]) == 2
    assert "use --modes 16 or less" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(("flag", "value"), [("--task", "final"), ("--input-steps", "2")])
def test_time_flags_on_data_without_time_are_refused(darcy_run, tmp_path, capsys, flag, value):
    out = tmp_path / "run"
    argv = ["--quiet", "train", "--data", str(darcy_run / "darcy.h5"), "--resolutions", "8"]
    assert main([*argv, flag, value, "--epochs", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{flag} {value} applies to trajectories" in err and "stationary darcy" in err
    assert not out.exists()


def test_extra_steps_on_a_training_run_is_refused(darcy_run, capsys):
    assert main(["evaluate", str(darcy_run / "run"), "--extra-steps", "2"]) == 2
    assert "--extra-steps applies to refinement runs" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# refined runs


@pytest.fixture(scope="module")
def refined(tmp_path_factory):
    """A Navier–Stokes base (4 trajectories of 3 pairs: the first is the test split) and a
    refinement on top of it."""
    root = tmp_path_factory.mktemp("refined")
    data = root / "ns.h5"
    generate_dataset(
        "navier-stokes", data, n=4, resolution=16, seed=0, params=NS_PARAMS, progress=False
    )
    argv = ["--quiet", "train", "--data", str(data), "--resolutions", "16", "--epochs", "1"]
    argv += ["--width", "4", "--layers", "1", "--modes", "4", "--batch-size", "4"]
    assert main([*argv, "--out", str(root / "base")]) == 0
    argv = ["--quiet", "refine", str(root / "base"), "--steps", "1", "--extra-steps", "1"]
    argv += ["--width", "4", "--depth", "2", "--epochs", "1", "--batch-size", "4"]
    assert main([*argv, "--out", str(root / "irno")]) == 0
    return root


def test_a_refined_run_recognises_its_samples_in_other_files(refined, tmp_path):
    copy = tmp_path / "copy.h5"
    shutil.copy(refined / "ns.h5", copy)
    report = evaluate_refined(refined / "irno", data=str(copy))
    assert report["samples"] == "test split" and report["sample_indices"] == [0, 1, 2]
    own = evaluate_refined(refined / "irno")
    assert [r["rel_l2"] for r in report["per_step"]] == [r["rel_l2"] for r in own["per_step"]]
    superset = tmp_path / "more.h5"
    generate_dataset(
        "navier-stokes", superset, n=6, resolution=16, seed=0, params=NS_PARAMS, progress=False
    )
    report = evaluate_refined(refined / "irno", data=str(superset))
    assert report["samples"] == "unseen" and report["excluded"] == 9
    assert report["sample_indices"] == [0, 1, 2, *range(12, 18)]


def test_a_refinement_on_another_equation_is_refused(refined, darcy_run, capsys):
    darcy = str(darcy_run / "darcy.h5")
    argv = ["--quiet", "refine", str(refined / "base"), "--data", darcy, "--steps", "1"]
    assert main([*argv, "--epochs", "1", "--out", str(refined / "on-darcy")]) == 2
    err = capsys.readouterr().err
    assert "trained on navier-stokes (w → w) data" in err and "holds darcy (a → u)" in err
    assert not (refined / "on-darcy").exists()
    assert main(["evaluate", str(refined / "irno"), "--data", darcy]) == 2
    assert "--allow-other-equation" in capsys.readouterr().err
    assert main(["evaluate", str(refined / "irno"), "--data", darcy, "--allow-other-equation"]) == 0
    assert "scored 20 of 20 samples" in capsys.readouterr().out
    assert main(["evaluate", str(refined / "irno"), "--resolutions", "8"]) == 2
    assert "--resolutions applies to training runs" in capsys.readouterr().err


def test_operator_refiner_modes_beyond_the_grid_are_refused(refined, capsys):
    argv = ["--quiet", "refine", str(refined / "base"), "--refiner", "operator", "--modes", "17"]
    assert main([*argv, "--epochs", "1", "--out", str(refined / "wide")]) == 2
    assert "use --modes 16 or less" in capsys.readouterr().err
    assert not (refined / "wide").exists()

import json

import numpy as np
import pytest

from sciml.cli import main
from sciml.data.pde.store import generate_dataset
from sciml.operators.config import OperatorConfig
from sciml.training.run import (
    RunSpec,
    evaluate_run,
    read_run,
    sample_groups,
    split_indices,
    split_samples,
    train_run,
)
from sciml.training.trainer import TrainConfig


@pytest.fixture(scope="module")
def darcy(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "darcy.h5"
    generate_dataset("darcy", path, n=20, resolution=16, seed=0, progress=False)
    return str(path)


def small_model(modes=4):
    return OperatorConfig(
        model="fno",
        in_channels=1,
        out_channels=1,
        n_modes=(modes, modes),
        hidden_channels=8,
        n_layers=2,
    )


def test_split_puts_the_first_samples_in_the_test_set():
    train, test = split_indices(20, 0.1)
    assert test.tolist() == [0, 1] and train.tolist() == list(range(2, 20))
    with pytest.raises(ValueError, match="leaves no train"):
        split_indices(3, 0.99)


def test_trajectory_split_puts_no_trajectory_on_two_sides(tmp_path):
    from sciml.data.pde.store import generate_dataset, open_dataset

    data = tmp_path / "ns.h5"
    params = {"t_final": 1.0, "n_times": 5}
    generate_dataset("navier-stokes", data, n=7, resolution=8, seed=0, params=params, progress=0)
    dataset = open_dataset(data)
    groups = sample_groups(dataset)
    assert len(dataset) == 7 * 4 and groups.tolist() == [g for g in range(7) for _ in range(4)]
    split = split_samples(groups, 0.2, 0.2)
    sides = {side: set(groups[idx].tolist()) for side, idx in split.items()}
    assert sides == {"test": {0, 1}, "val": {2, 3}, "train": {4, 5, 6}}
    assert sorted(np.concatenate(list(split.values())).tolist()) == list(range(28))
    no_val = split_samples(groups, 0.1)
    assert len(no_val["val"]) == 0 and set(groups[no_val["test"]].tolist()) == {0}
    with pytest.raises(ValueError, match="no train or test data of 7 groups"):
        split_samples(groups, 0.5, 0.5)


def test_train_resume_extend_and_evaluate(darcy, tmp_path):
    spec = RunSpec(data=darcy, resolutions=(8, 16), mix=(0.5, 0.5), batch_size=4)
    run_dir = tmp_path / "run"
    first = train_run(
        spec,
        run_dir,
        model_config=small_model(),
        progress=False,
        train_config=TrainConfig(epochs=2),
    )
    assert first["epoch"] == 2 and first["cost_points_per_sample"] == pytest.approx(
        (9 * 64 + 9 * 256) / 18
    )
    longer = train_run(
        spec,
        run_dir,
        model_config=small_model(),
        progress=False,
        train_config=TrainConfig(epochs=3),
    )
    assert longer["epoch"] == 3
    lines = (run_dir / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]
    assert read_run(run_dir)[2].epochs == 3
    report = evaluate_run(run_dir, resolutions=(4, 8, 16), json_path=tmp_path / "ev.json")
    assert set(report["errors"]) == {"4", "8", "16"}
    assert report["errors"]["16"] == pytest.approx(longer["eval"]["16"])
    assert report["swing"] >= 1.0
    assert (tmp_path / "ev.png").stat().st_size > 1000
    assert json.loads((tmp_path / "ev.json").read_text())["swing"] == report["swing"]


def test_another_run_in_the_same_folder_is_refused(darcy, tmp_path):
    spec = RunSpec(data=darcy, resolutions=(8,), batch_size=4)
    train_run(
        spec,
        tmp_path,
        model_config=small_model(),
        progress=False,
        train_config=TrainConfig(epochs=1),
    )
    before = (tmp_path / "checkpoint.pt").read_bytes()
    with pytest.raises(FileExistsError, match="model.n_modes"):
        train_run(
            spec,
            tmp_path,
            model_config=small_model(3),
            progress=False,
            train_config=TrainConfig(epochs=1),
        )
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


@pytest.mark.parametrize(
    ("kwargs", "model", "message"),
    [
        ({"resolutions": (8, 16), "mix": (1.0,)}, small_model(), "mix"),
        ({"resolutions": (8, 16), "mix": (0.6, 0.6)}, small_model(), "sum"),
        ({"resolutions": (12,)}, small_model(), "does not divide"),
        (
            {"resolutions": (8,)},
            OperatorConfig(model="fno", in_channels=2, out_channels=1, n_modes=(4, 4)),
            "the model takes 2 → 1 channels",
        ),
    ],
)
def test_bad_runs_name_the_problem(darcy, tmp_path, kwargs, model, message):
    with pytest.raises(ValueError, match=message):
        train_run(
            RunSpec(data=darcy, batch_size=4, **kwargs),
            tmp_path / "r",
            model_config=model,
            train_config=TrainConfig(epochs=1),
            progress=False,
        )
    assert not (tmp_path / "r" / "checkpoint.pt").exists()


def test_cli_train_and_evaluate(darcy, tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "--quiet",
        "train",
        "--data",
        darcy,
        "--resolutions",
        "8,16",
        "--mix",
        "0.5,0.5",
        "--epochs",
        "1",
        "--width",
        "8",
        "--layers",
        "2",
        "--modes",
        "4",
        "--batch-size",
        "4",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    assert main(["evaluate", str(out), "--json", str(tmp_path / "e.json")]) == 0
    assert "swing" in capsys.readouterr().out
    bad = argv[:-1] + [str(tmp_path / "bad")]
    bad[bad.index("0.5,0.5")] = "0.5,0.4"
    assert main(bad) == 2
    assert "mix" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "nothing")]) == 2

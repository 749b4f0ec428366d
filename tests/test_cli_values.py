"""Bad values on the command line and in the Python API are refused naming the flag (or the
argument) and what was expected, in one line, before the heavy libraries load."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sciml.cli import main
from sciml.core.rng import check_seed, numpy_global_seed
from sciml.data.pde.store import generate_dataset
from sciml.operators.refiner import RefinerConfig
from sciml.training.refinement import RefineSpec
from sciml.training.run import RunSpec

ROOT = Path(__file__).resolve().parents[1]


def refused(capsys, argv) -> str:
    """stderr of ``sciml argv``, which must exit with code 2 and one line."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def train(tmp_path, *extra):
    data = tmp_path / "d.h5"
    return ["--quiet", "train", "--data", str(data), "--resolutions", "8,16", *extra,
            "--out", str(tmp_path / "run")]  # fmt: skip


def refine(tmp_path, *extra):
    return ["--quiet", "refine", str(tmp_path / "base"), *extra, "--out", str(tmp_path / "r")]


GEN = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "8"]


@pytest.mark.parametrize(
    ("argv", "named", "not_said"),
    [
        (lambda t: refine(t, "--contraction-weight", "-1"), "--contraction-weight", None),
        (lambda t: refine(t, "--q-max", "0"), "--q-max", None),
        (lambda t: refine(t, "--truncate", "5", "--steps", "2"), "--truncate 5", None),
        (lambda t: train(t, "--curriculum", "incremental", "--mix", "0.5,0.5"), "--mix", None),
        (lambda t: train(t, "--model-option", "junk"), "--model-option", "--param"),
        (lambda t: train(t, "--mix", "-0.5,1.5"), "--mix: expected shares >= 0", "one argument"),
        (lambda t: train(t, "--mix", "nan,1"), "--mix", None),
        (lambda t: train(t, "--lr", "-1e-3"), "--lr", "one argument"),
        (lambda t: train(t, "--test-fraction", "1.5"), "--test-fraction", None),
        (lambda t: train(t, "--seed", "-1"), "--seed", "one argument"),
        (lambda t: refine(t, "--seed", "-1"), "--seed", None),
        (lambda t: [*GEN, "--seed", "-1", "--out", str(t / "x.h5")], "--seed", None),
        (lambda t: ["--quiet", "demo", "--seed", "-1", "--out", str(t / "demo")], "--seed", None),
        (lambda t: [*GEN, "--param", "junk", "--out", str(t / "x.h5")], "--param", None),
    ],
)
def test_bad_values_are_refused_naming_the_flag(tmp_path, capsys, argv, named, not_said):
    err = refused(capsys, argv(tmp_path))
    assert named in err
    assert not_said is None or not_said not in err
    assert list(tmp_path.iterdir()) == []


def test_a_folder_given_as_the_data_file_is_named_a_folder(tmp_path, capsys):
    err = refused(capsys, ["train", "--data", str(tmp_path), "--resolutions", "8", "--out", "r"])
    assert "--data" in err and "is a folder" in err
    err = refused(capsys, ["refine", "base", "--data", str(tmp_path), "--out", "r"])
    assert "--data" in err and "is a folder" in err
    assert list(tmp_path.iterdir()) == []


def test_the_python_api_refuses_the_same_values():
    with pytest.raises(ValueError, match="contraction_weight must be a non-negative number"):
        RefineSpec(base_run="base", contraction_weight=-1.0)
    with pytest.raises(ValueError, match="q_max must be a positive number"):
        RefineSpec(base_run="base", q_max=0.0)
    with pytest.raises(ValueError, match=r"truncate must be at most steps \(2\)"):
        RefineSpec(base_run="base", steps=2, truncate=5, refiner=RefinerConfig())
    with pytest.raises(ValueError, match="mix must be left uniform"):
        RunSpec(data="d.h5", resolutions=(8, 16), mix=(0.7, 0.3), curriculum="incremental")
    RunSpec(data="d.h5", resolutions=(8, 16), mix=(0.5, 0.5), curriculum="incremental")
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        generate_dataset("darcy", "never.h5", n=2, resolution=8, seed=-1, progress=False)


def test_seeds_are_checked_in_the_projects_words():
    assert check_seed(3) == 3
    for bad in (-1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="seed must be an integer >= 0"):
            check_seed(bad)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\], got -1"):
        with numpy_global_seed(-1):
            pass
    with pytest.raises(ValueError, match="seed must be an integer in"):
        with numpy_global_seed(2**32):
            pass


LIGHT = """
import json, sys
from sciml.cli import main
HEAVY = ("torch", "h5py", "scipy", "neuralop")
found = []
for argv in json.loads(sys.argv[1]):
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    found.append([code, [m for m in HEAVY if m in sys.modules]])
print(json.dumps(found))
"""


def test_bad_values_are_refused_before_the_heavy_libraries_load(tmp_path):
    out = str(tmp_path / "x")
    cases = [
        ["data", "generate", "navier-stokes", "--n", "2", "--resolution", "8", "--out", out,
         "--param", "nu=-1"],
        ["data", "generate", "darcy", "--n", "2", "--resolution", "8", "--out", out,
         "--seed", "-1"],
        ["train", "--data", "d.h5", "--resolutions", "8,16", "--curriculum", "incremental",
         "--mix", "0.5,0.5", "--out", out],
        ["refine", "base", "--truncate", "3", "--steps", "2", "--out", out],
        ["train", "--data", "d.h5", "--resolutions", "8", "--lr", "0", "--out", out],
        ["refine", "base", "--contraction-weight", "-1", "--out", out],
    ]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", LIGHT, json.dumps(cases)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this tree's sciml
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found == [[2, []]] * len(cases), list(zip(cases, found, strict=True))
    assert len(result.stderr.splitlines()) == len(cases)

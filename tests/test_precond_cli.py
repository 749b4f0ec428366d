"""``sciml precond train/eval`` and ``sciml matrices list/info``: bad flags, names and paths
give one line and exit code 2, never a traceback or a run that ignores what was asked."""

import math

import pytest
import scipy.io
import scipy.sparse as sp

import solvers.family
import solvers.training
from sciml.cli import main
from solvers.families import FAMILIES, MAX_SIZE, MIN_SIZE
from solvers.learner import ModelConfig


def _run(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err.strip()


def _one_line_error(code, err, *needles):
    assert code == 2 and err.count("\n") == 0 and "Traceback" not in err
    for needle in needles:
        assert needle in err


@pytest.fixture
def no_training(monkeypatch):
    """Record fit_preconditioner / train_shipped_models calls instead of training."""
    calls = []

    def fit(members, degree, path, **_):
        calls.append(("fit", len(list(members)), degree, str(path)))
        return {"valid_loss_classical": -1.0, "valid_loss_learned": -2.0, "path": str(path)}

    def shipped(directory, **_):
        calls.append(("shipped", str(directory)))
        return {"directory": str(directory), "models": []}

    monkeypatch.setattr(solvers.family, "fit_preconditioner", fit)
    monkeypatch.setattr(solvers.training, "train_shipped_models", shipped)
    return calls


def test_min_size_is_the_smallest_grid_with_more_unknowns_than_probe_steps():
    steps = ModelConfig("precond", 10).probe_steps
    assert (MIN_SIZE - 1) ** 2 <= steps < MIN_SIZE**2
    assert MAX_SIZE == math.isqrt(solvers.family.MAX_ROWS)


@pytest.mark.parametrize("size", ["1", str(MIN_SIZE - 1), str(MAX_SIZE + 1)])
def test_family_size_out_of_range_is_refused_naming_the_flag(size, tmp_path, capsys, no_training):
    argv = ["precond", "train", "--family", "darcy", "--size", size]
    code, _, err = _run([*argv, "--out", str(tmp_path / "m.pt")], capsys)
    _one_line_error(code, err, "--size must be in [5, 70]", f"got {size}")
    assert no_training == []


@pytest.mark.parametrize("size", [MIN_SIZE, MAX_SIZE])
def test_family_size_at_the_limits_is_accepted(size, tmp_path, capsys, no_training):
    out = tmp_path / "m.pt"
    argv = ["precond", "train", "--family", "anisotropic", "--size", str(size), "--count", "2"]
    code, _, _ = _run([*argv, "--degree", "3", "--out", str(out)], capsys)
    assert code == 0 and no_training == [("fit", 2, 3, str(out))]


def test_family_member_below_the_minimum_size_is_refused():
    with pytest.raises(ValueError, match=r"^size must be an integer in \[5, 70\], got 1$"):
        solvers.family.family_member("darcy", 0, size=1)
    assert solvers.family.family_member("darcy", 0, size=MIN_SIZE).shape == (25, 25)


def test_family_count_below_two_is_refused(tmp_path, capsys, no_training):
    argv = ["precond", "train", "--family", "darcy", "--count", "1", "--out", str(tmp_path / "m")]
    code, _, err = _run(argv, capsys)
    _one_line_error(code, err, "--count must be >= 2")
    assert no_training == []


def test_family_out_naming_a_folder_is_refused_before_training(tmp_path, capsys, no_training):
    code, _, err = _run(["precond", "train", "--family", "darcy", "--out", str(tmp_path)], capsys)
    _one_line_error(code, err, f"--out {str(tmp_path)!r} is a folder", "darcy-d10.pt")
    assert no_training == []


def test_default_out_may_be_an_existing_folder(tmp_path, capsys, no_training):
    (tmp_path / "notes.txt").write_text("kept")
    code, out, _ = _run(["precond", "train", "--out", str(tmp_path)], capsys)
    assert code == 0 and no_training == [("shipped", str(tmp_path))]
    assert (tmp_path / "notes.txt").read_text() == "kept"


@pytest.mark.parametrize("flag", ["--size", "--count", "--degree"])
def test_family_flags_without_family_are_refused_not_ignored(flag, tmp_path, capsys, no_training):
    code, _, err = _run(["precond", "train", flag, "7", "--out", str(tmp_path)], capsys)
    _one_line_error(code, err, f"{flag} apply with --family only")
    assert no_training == []


def test_family_choices_and_help_come_from_the_registry(tmp_path, capsys):
    code, help_text, _ = _run(["precond", "train", "--help"], capsys)
    assert code == 0 and "{" + ",".join(FAMILIES) + "}" in help_text
    assert "fit one model to a family: " + FAMILIES.help()[:20] in " ".join(help_text.split())
    code, _, err = _run(["precond", "train", "--family", "nope", "--out", str(tmp_path)], capsys)
    _one_line_error(code, err, "--family", "unknown preconditioner family 'nope'", "darcy")


@pytest.mark.parametrize("command", [["train"], ["eval", "--matrix", "poisson2d-4"]])
def test_negative_seed_is_refused_naming_the_flag(command, capsys, no_training):
    code, _, err = _run(["precond", *command, "--seed", "-1"], capsys)
    _one_line_error(code, err, "--seed")
    assert no_training == []


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["--matrix", "nosuch"], ["unknown matrix name 'nosuch'"]),
        (["--matrix", "poisson2d-4", "--degree", "0"], ["--degree", "positive integer"]),
        (["--matrix", "poisson2d-4", "--rtol", "2"], ["--rtol", "(0, 1)"]),
        (["--matrix", "poisson2d-4", "--rtol", "nan"], ["--rtol"]),
        (["--matrix", "poisson2d-4", "--methods", "magic"], ["--methods", "'magic'"]),
    ],
)
def test_precond_eval_bad_arguments_give_one_line(argv, needles, capsys):
    code, _, err = _run(["precond", "eval", *argv], capsys)
    _one_line_error(code, err, *needles)


def test_precond_eval_bad_matrix_files_and_models_folder(tmp_path, capsys):
    zero = tmp_path / "zero.mtx"
    scipy.io.mmwrite(zero, sp.csr_matrix((4, 4)))
    code, _, err = _run(["precond", "eval", "--matrix", str(zero)], capsys)
    _one_line_error(code, err, "A is the zero matrix")  # pyamg divided by zero
    argv = ["precond", "eval", "--matrix", "poisson2d-4", "--models", str(zero)]
    code, _, err = _run(argv, capsys)
    _one_line_error(code, err, "is not a folder")


def test_precond_eval_runs_and_names_a_gmres_fallback(capsys):
    argv = ["precond", "eval", "--matrix", "HB/west0479", "--methods", "neumann"]
    code, out, _ = _run(argv, capsys)
    assert code == 0 and "fell back to identity: polynomial does not shrink residuals" in out


def test_matrices_info_help_and_list(capsys):
    code, out, _ = _run(["matrices", "info", "--help"], capsys)
    assert code == 0 and "--param KEY=VALUE" in out
    code, out, _ = _run(["matrices", "list"], capsys)
    assert code == 0 and "HB/west0479" in out and "poisson2d-32" in out


@pytest.mark.parametrize(
    "argv, needles",
    [
        (["nosuch"], ["unknown matrix name 'nosuch'"]),
        (["poisson2d-8", "--param", "n=3"], ["unknown parameter(s) n"]),
        (["darcy-8", "--param", "alpha=abc"], ["alpha must be a real number"]),
        (["darcy-8", "--param", "a_high=NaN"], ["a_high must be a finite number > 0"]),
        (["darcy-8", "--param", "seed"], ["--param", "KEY=VALUE"]),
        (["HB/nos4", "--param", "seed=1"], ["takes no parameters"]),
    ],
)
def test_matrices_info_bad_names_and_params_give_one_line(argv, needles, capsys):
    code, _, err = _run(["matrices", "info", *argv], capsys)
    _one_line_error(code, err, *needles)


@pytest.mark.parametrize(
    "matrix, needle",
    [(sp.csr_matrix((0, 0)), "holds an empty matrix"), (sp.diags([1.0, math.nan]), "NaN or Inf")],
)
def test_matrices_info_bad_files_give_one_line(matrix, needle, tmp_path, capsys):
    path = tmp_path / "m.mtx"
    scipy.io.mmwrite(path, matrix)
    code, _, err = _run(["matrices", "info", str(path)], capsys)
    _one_line_error(code, err, needle)

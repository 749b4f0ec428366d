"""Darcy presets: the node grid, the Neumann field, and calibration against the shipped
neuraloperator Darcy test files (tests/data/neuralop, see PROVENANCE.md there)."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.fft import dctn

from sciml.cli import main
from sciml.data.pde.base import draw
from sciml.data.pde.darcy import DARCY, DARCY_PRESETS, darcy_coordinates, solve_darcy
from sciml.data.pde.grf import cosine_random_field
from sciml.data.pde.presets import preset_params
from sciml.data.pde.store import open_dataset

FILES = Path(__file__).parent / "data" / "neuralop"
PI = np.pi


def _shipped(resolution):
    data = torch.load(FILES / f"darcy_test_{resolution}.pt", weights_only=True)
    return data["x"].numpy(), data["y"].numpy().astype(np.float64)


def _solve_on_file_nodes(indicator, a_high, a_low):
    """u at the file's nodes i/R: the coefficient at the nodes x = 1 repeats its neighbours."""
    a = np.pad(np.where(indicator, a_high, a_low), ((0, 1), (0, 1)), mode="edge")
    return solve_darcy(a, 1.0, grid="nodes")[:-1, :-1]


def _rel_l2(u, y):
    return np.linalg.norm(u - y) / np.linalg.norm(y)


def test_fno_darcy_preset_reproduces_the_shipped_solutions_within_3_percent():
    x, y = _shipped(32)
    p = DARCY_PRESETS["fno-darcy"]
    u = np.stack([_solve_on_file_nodes(xi, p["a_high"], p["a_low"]) for xi in x])
    assert _rel_l2(u, y) < 0.03  # no normalisation: the preset writes the files' units
    # The published convention (a ∈ {12, 3} on cell centres) is far off even after the best scale.
    cells = np.stack([solve_darcy(np.where(xi, 12.0, 3.0)) for xi in x[:10]])
    scale = np.sum(cells * y[:10]) / np.sum(cells**2)
    assert _rel_l2(scale * cells, y[:10]) > 0.2


def test_shipped_16_file_is_the_32_file_at_every_other_node():
    x16, y16 = _shipped(16)
    x32, y32 = _shipped(32)
    np.testing.assert_array_equal(x16, x32[:, ::2, ::2])
    np.testing.assert_array_equal(y16, y32[:, ::2, ::2])
    coords = darcy_coordinates(32, grid="nodes")["x"]
    np.testing.assert_array_equal(darcy_coordinates(16, grid="nodes")["x"], coords[::2])


def _node_case(r):
    x = np.arange(r + 1) / r
    xx, yy = np.meshgrid(x, x, indexing="ij")
    a = 1 + xx + 2 * yy**2
    u = np.sin(PI * xx) * np.sin(2 * PI * yy)
    ux = PI * np.cos(PI * xx) * np.sin(2 * PI * yy)
    uy = 2 * PI * np.sin(PI * xx) * np.cos(2 * PI * yy)
    return a, -ux - 4 * yy * uy + 5 * PI**2 * a * u, u


def test_node_grid_solution_converges_at_second_order():
    resolutions, errors = [16, 32, 64], []
    for r in resolutions:
        a, f, u = _node_case(r)
        errors.append(np.abs(solve_darcy(a, f, grid="nodes") - u).max())
    order = -np.polyfit(np.log(resolutions), np.log(errors), 1)[0]
    assert 1.8 < order < 2.2, (errors, order)


def test_cosine_field_has_the_stated_spectrum():
    n, alpha, tau, draws = 16, 2.0, 3.0, 400
    power = np.zeros((n, n))
    for i in range(draws):
        g = cosine_random_field(np.random.default_rng(i), (n, n), alpha, tau)
        power += dctn(g, norm="ortho") ** 2 / draws
    k = PI * np.arange(n)
    expected = n * n * (k[:, None] ** 2 + k[None, :] ** 2 + tau**2) ** (-alpha)
    expected[0, 0] = 0.0
    assert power[0, 0] < 1e-20
    np.testing.assert_allclose(power[:4, :4].ravel()[1:], expected[:4, :4].ravel()[1:], rtol=0.3)


def test_fno_darcy_preset_writes_the_files_layout():
    params = preset_params("darcy", "fno-darcy")
    sample = draw(DARCY, [0, 1], 16, seed=0, params=params)
    assert sample["a"].shape == (2, 16, 16) and set(np.unique(sample["a"])) == {0.0, 1.0}
    assert np.all(sample["u"][:, 0, :] == 0) and np.all(sample["u"][:, :, 0] == 0)
    assert np.all(sample["u"][:, -1, 1:] > 0)  # the nodes at x = 1 are not stored
    assert preset_params("darcy", "sciml") == {}


def test_fno_presets_for_burgers_and_navier_stokes_are_valid_parameters():
    from sciml.data.pde import get_generator

    burgers = get_generator("burgers").params(preset_params("burgers", "fno-burgers"))
    assert (burgers["nu"], burgers["t_final"], burgers["n_times"]) == (0.1, 1.0, 2)
    ns = get_generator("navier-stokes").params(preset_params("navier-stokes", "fno-ns-1e-4"))
    assert (ns["nu"], ns["t_final"], ns["n_times"], ns["dt"]) == (1e-4, 30.0, 31, 1e-4)
    with pytest.raises(ValueError, match="unknown preset 'fno-darcy' for burgers"):
        preset_params("burgers", "fno-darcy")


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--preset", "nope"], "unknown preset 'nope' for darcy"),
        (
            ["--preset", "fno-darcy", "--param", "a_low=0"],
            "'a_low' of darcy must be a positive number",
        ),
        (["--preset", "fno-darcy", "--param", "grid=faces"], "grid must be 'cells' or 'nodes'"),
        (["--param", "field=smooth"], "field must be 'periodic' or 'cosine'"),
    ],
)
def test_bad_presets_exit_2_with_one_line_and_no_file(tmp_path, capsys, extra, message):
    out = tmp_path / "d.h5"
    argv = ["--quiet", "data", "generate", "darcy", "--n", "2", "--resolution", "8"]
    assert main([*argv, "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_evaluate_scores_every_sample_of_a_foreign_file(tmp_path, capsys):
    data, run = tmp_path / "fno.h5", tmp_path / "run"
    main(["--quiet", "data", "generate", "darcy", "--preset", "fno-darcy", "--n", "12",
          "--resolution", "16", "--out", str(data)])
    main(["--quiet", "train", "--data", str(data), "--resolutions", "16", "--epochs", "1",
          "--width", "4", "--modes", "4", "--batch-size", "4", "--test-fraction", "0.25",
          "--out", str(run)])
    report_path = tmp_path / "eval.json"
    shipped = FILES / "darcy_test_16.pt"
    assert main(["evaluate", str(run), "--data", str(shipped), "--json", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["samples"] == "all" and report["n_samples"] == len(open_dataset(shipped)) == 50
    own_path = tmp_path / "own.json"
    assert main(["evaluate", str(run), "--json", str(own_path)]) == 0
    own = json.loads(own_path.read_text())
    assert own["samples"] == "test split" and own["n_samples"] == 3

"""Family-fitted preconditioners: examples from exact spectra, the model file, model=PATH, CLI."""

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from sciml.cli import main
from solvers.family import examples_from_matrices, family_member, family_members, fit_preconditioner
from solvers.learner import ModelConfig, SpectralNet, load_model, save_model
from solvers.linear_operators import jacobi_scaling, scaled_operator
from solvers.preconditioner import polynomial_preconditioner
from solvers.probes import probe


def test_examples_hold_the_exact_scaled_spectrum_over_the_probe_bound():
    a = family_member("darcy", 3, size=8)
    ex = examples_from_matrices([a], ModelConfig("precond", 4))
    scaled = scaled_operator(a, jacobi_scaling(a))
    lam = np.linalg.eigvalsh(scaled.toarray())
    upper = probe(scaled, steps=20, seed=0).upper
    np.testing.assert_allclose(ex.lam[0].numpy(), np.minimum(lam / upper, 1.0), rtol=1e-10)
    assert int(ex.budget[0]) >= 1


def test_members_are_seeded_and_differ():
    a, b = family_member("anisotropic", 1, 8), family_member("anisotropic", 1, 8)
    assert (a != b).nnz == 0
    assert (a != family_member("anisotropic", 2, 8)).nnz > 0
    with pytest.raises(ValueError, match="family must be one of"):
        family_member("elasticity", 0)


def test_fit_then_use_the_model_file(tmp_path):
    path = tmp_path / "darcy-d4.pt"
    summary = fit_preconditioner(family_members("darcy", 6, size=8), 4, path, epochs=3)
    assert path.is_file() and summary["samples"] == 4 and summary["validation_samples"] == 2
    a = family_member("darcy", 100, size=8)
    m = polynomial_preconditioner(a, 4, "learned", model=path)
    assert m.method == "learned" and m.degree == 4
    b = np.ones(a.shape[0])
    x, info = spla.cg(a, b, rtol=1e-8, M=m)
    assert info == 0 and np.linalg.norm(a @ x - b) <= 1.01e-8 * np.linalg.norm(b)
    with pytest.raises(ValueError, match="model .* is for task 'precond' at degree 4"):
        polynomial_preconditioner(a, 5, "learned", model=path)
    other = tmp_path / "inv.pt"
    save_model(SpectralNet(ModelConfig("inv", 4)), other)
    with pytest.raises(ValueError, match="is for task 'inv'"):
        polynomial_preconditioner(a, 4, "learned", model=other)
    with pytest.raises(ValueError, match="model: no such file"):
        polynomial_preconditioner(a, 4, "learned", model=tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="model is for method='learned'"):
        polynomial_preconditioner(a, 4, "chebyshev", model=path)


def test_fit_bad_input(tmp_path):
    with pytest.raises(ValueError, match="at least two matrices"):
        fit_preconditioner(family_members("darcy", 1, size=6), 4, tmp_path / "m.pt")
    with pytest.raises(ValueError, match="same size"):
        fit_preconditioner(
            [family_member("darcy", 0, 6), family_member("darcy", 1, 8)], 4, tmp_path / "m.pt"
        )
    with pytest.raises(ValueError, match="validation must be"):
        fit_preconditioner(family_members("darcy", 4, size=6), 4, tmp_path / "m.pt", validation=1)
    assert not (tmp_path / "m.pt").exists()


def test_cli_trains_a_family_model(tmp_path, capsys):
    out = tmp_path / "aniso.pt"
    args = ["--quiet", "precond", "train", "--family", "anisotropic", "--count", "4"]
    assert main([*args, "--size", "6", "--degree", "3", "--out", str(out)]) == 0
    model, summary = load_model(out)
    assert model.config.degree == 3 and summary["validation_samples"] == 1
    bad = tmp_path / "bad.pt"
    with pytest.raises(SystemExit) as stop:  # the parser refuses it: choices from the registry
        main(["precond", "train", "--family", "nope", "--out", str(bad)])
    err = capsys.readouterr().err.strip()
    assert stop.value.code == 2 and err.count("\n") == 0 and not bad.exists()
    assert "--family: unknown preconditioner family 'nope'; choose from darcy" in err

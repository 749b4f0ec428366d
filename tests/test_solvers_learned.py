"""Learned models: start polynomial = classical one, save/load reproduces coefficients,
seeded training is byte-reproducible, shipped models load offline."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from solvers.learner import ModelConfig, SpectralNet, load_model, model_path, save_model
from solvers.objectives import FUNCTIONS, chebyshev_residual, unrolled_cg_residuals
from solvers.probes import probe
from solvers.registry import available_models, get_model, predict
from solvers.training import loss, make_examples, train_model, train_shipped_models


@pytest.fixture(scope="module")
def sample_probe():
    return probe(sp.diags(np.geomspace(1e-3, 3.0, 200)), steps=20, seed=0)


def test_untrained_preconditioner_is_the_chebyshev_iteration(sample_probe):
    model = SpectralNet(ModelConfig("precond", 10))
    a_hat, roots = predict(model, sample_probe)
    assert a_hat == pytest.approx(sample_probe.lower / sample_probe.upper)
    lam = torch.linspace(0.0, 1.0, 101, dtype=torch.float64)[None, :]
    p = model.evaluate(
        lam, torch.tensor([a_hat], dtype=torch.float64), torch.tensor(roots)[None, :]
    )
    expected = chebyshev_residual(lam.numpy(), a_hat, 1.0, 10)
    np.testing.assert_allclose(1 - lam.numpy() * p.numpy(), expected, atol=1e-9)


def test_untrained_function_model_is_the_chebyshev_interpolant(sample_probe):
    model = SpectralNet(ModelConfig("invsqrt", 10))
    a_hat, coeffs = predict(model, sample_probe)
    nodes = a_hat + (1 - a_hat) * (0.5 + 0.5 * np.cos(np.pi * (np.arange(11) + 0.5) / 11))
    p = model.evaluate(
        torch.tensor(nodes)[None, :],
        torch.tensor([a_hat], dtype=torch.float64),
        torch.tensor(coeffs)[None, :],
    )
    np.testing.assert_allclose(p.numpy()[0], 1 / np.sqrt(nodes), rtol=1e-10)


def test_unrolled_cg_matches_closed_form_on_two_eigenvalues():
    mu = torch.tensor([[1.0, 4.0]], dtype=torch.float64)
    res = unrolled_cg_residuals(mu, 2)
    # CG on diag(1, 4) with b = (1, 1): x1 = (rr/bAb) b = 2/5 b, r1 = (3/5, -3/5); r2 = 0.
    assert float(res[0, 1]) == pytest.approx(0.6)
    assert float(res[0, 2]) < 1e-14


def test_save_load_reproduces_coefficients(tmp_path, sample_probe):
    model, summary = train_model(
        ModelConfig("precond", 4, hidden=8), samples=8, epochs=2, batch=4, lr=1e-2
    )
    with torch.no_grad():  # make sure the weights differ from the zero-initialised start
        model.mlp[-1].bias.add_(0.1)
    path = tmp_path / "m.pt"
    save_model(model, path, summary)
    loaded, loaded_summary = load_model(path)
    assert loaded_summary == summary
    a1, r1 = predict(model, sample_probe)
    a2, r2 = predict(loaded, sample_probe)
    assert a1 == a2 and r1.tobytes() == r2.tobytes()


def test_seeded_training_is_byte_reproducible(tmp_path):
    out = []
    for run in range(2):
        train_shipped_models(
            tmp_path / str(run), seed=3, progress=False, models=(("inv", 4),), samples=8, epochs=2
        )
        out.append(model_path("inv", 4, tmp_path / str(run)).read_bytes())
    state = [
        torch.load(tmp_path / str(r) / "inv-d4.pt", weights_only=True)["state_dict"]
        for r in range(2)
    ]
    for key in state[0]:
        assert torch.equal(state[0][key], state[1][key])


def test_recorded_classical_loss_is_the_untrained_models_loss():
    config = ModelConfig("inv", 4, hidden=8)
    _, summary = train_model(config, seed=5, samples=8, epochs=1, batch=4, size=60)
    valid = make_examples(config, 8, 5 + 10_000, 60)  # the validation set of that run
    with torch.no_grad():
        start = float(loss(SpectralNet(config), valid, slice(None)))
    assert summary["valid_loss_classical"] == pytest.approx(start, rel=1e-12)


def test_training_examples_are_seeded():
    a = make_examples(ModelConfig("precond", 5), 4, seed=1, n=50)
    b = make_examples(ModelConfig("precond", 5), 4, seed=1, n=50)
    assert a.lam.numpy().tobytes() == b.lam.numpy().tobytes()
    assert torch.equal(a.budget, b.budget) and bool((a.budget >= 1).all())


def test_shipped_models_load_offline(sample_probe):
    shipped = available_models()
    assert ("precond", 10) in shipped
    for task, degree in shipped:
        if task == "filter":  # reads other features: see test_solvers_filter.py
            continue
        model = get_model(task, degree)
        param = {"exp": 10.0, "step": 0.2}.get(task, 1.0)
        a_hat, params = predict(model, sample_probe, param)
        assert 0 < a_hat <= 0.5 and np.all(np.isfinite(params))
        assert task == "precond" or task in FUNCTIONS


@pytest.mark.parametrize("degree", [5, 10, 20])
def test_shipped_preconditioners_pass_the_spd_check_on_a_real_matrix(degree):
    import warnings

    from sciml.data.matrices import load_matrix
    from solvers.preconditioner import polynomial_preconditioner

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the fallback to Chebyshev warns
        m = polynomial_preconditioner(load_matrix("HB/nos4"), degree, "learned")
    assert m.method == "learned"

"""Each extension point is one registry: a toy entry added to it shows in the CLI's --help
and works end to end through the CLI; an unknown name is a ValueError listing the known ones."""

import json
from dataclasses import dataclass, replace

import numpy as np
import pytest
import torch

from linalg_discovery.search import random_search
from linalg_discovery.searches import SEARCHES, SearchMethod
from sciml.cli import main
from sciml.data.pde import PDE_GENERATORS, PDEGenerator, get_generator
from sciml.operators.registry import OPERATOR_MODELS, OperatorModel
from solvers.methods import POLYNOMIAL_METHODS, PolynomialMethod
from solvers.recurrences import RecurrencePolynomial


def _help(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return "".join(capsys.readouterr().out.split())  # argparse wraps lines, also at hyphens


@pytest.fixture
def registered():
    """Register toy entries for the test, remove them afterwards."""
    added = []

    def add(registry, name, entry, help_text):
        registry.register(name, entry, help=help_text)
        added.append((registry, name))

    yield add
    for registry, name in added:
        registry.unregister(name)


def _toy_generate(rngs, resolution, *, scale):
    """u = scale·a on a random field a."""
    a = np.stack([rng.standard_normal((resolution, resolution)) for rng in rngs])
    return {"a": a.astype(np.float32), "u": (scale * a).astype(np.float32)}


TOY_PDE = PDEGenerator(
    name="toy-scale",
    equation="u = scale a",
    generate=_toy_generate,
    coordinates=lambda resolution, **_: {"x": np.arange(resolution) / resolution},
    defaults={"scale": 2.0},
    input_fields=("a",),
    target_fields=("u",),
    spatial_dims=2,
    time_dependent=False,
    periodic=True,
)


@dataclass(frozen=True)
class PointwiseOptions:
    bias: bool = True

    def resolve(self, config):
        return self


def _pointwise(config):
    return torch.nn.Conv2d(config.in_channels, config.out_channels, 1, bias=config.options.bias)


def _richardson(operator, probe, degree, **_):
    """p = 1/u (degree 0): one Richardson step with ω = 1/u."""
    return RecurrencePolynomial(np.zeros(0), np.ones(0), np.zeros(0), np.array([1 / probe.upper]))


def _two_random_programs(task, config, seed):
    return random_search(task, replace(config, budget=2), seed)


def test_toy_pde_and_toy_model_from_generate_to_train(tmp_path, capsys, registered):
    registered(PDE_GENERATORS, "toy-scale", TOY_PDE, "u = 2a")
    registered(OPERATOR_MODELS, "pointwise", OperatorModel(PointwiseOptions, _pointwise), "1x1")
    assert "toy-scale(u=2a)" in _help(capsys, ["data", "generate"])
    assert "pointwise(1x1)" in _help(capsys, ["train"])
    data = tmp_path / "toy.h5"
    argv = ["--quiet", "data", "generate", "toy-scale", "--n", "10", "--resolution", "8"]
    assert main([*argv, "--out", str(data)]) == 0
    argv = ["--quiet", "train", "--data", str(data), "--model", "pointwise", "--resolutions", "8"]
    argv += ["--epochs", "2", "--model-option", "bias=false"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 0
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["model"]["model"] == "pointwise" and record["model"]["options"] == {"bias": False}
    weights = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)["model"]
    assert not any(key.endswith("bias") for key in weights)
    assert main([*argv[:-1], "colour=red", "--out", str(tmp_path / "bad")]) == 2
    assert "unknown pointwise options ['colour']" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_toy_preconditioner_method_in_precond_eval(tmp_path, capsys, registered):
    registered(POLYNOMIAL_METHODS, "richardson", PolynomialMethod(_richardson), "ω = 1/u")
    assert "richardson(ω=1/u)" in _help(capsys, ["precond", "eval"])
    out = tmp_path / "cmp.json"
    argv = ["precond", "eval", "--matrix", "poisson2d-8", "--methods", "richardson,jacobi"]
    assert main([*argv, "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["cg"]
    assert set(rows) == {"richardson", "jacobi"}
    # On the Jacobi-scaled operator p = 1/u is the Jacobi preconditioner divided by u: the same
    # CG iterates, so the same iteration count.
    assert rows["richardson"]["converged"] and rows["richardson"]["method_used"] == "richardson"
    assert rows["richardson"]["iterations"] == rows["jacobi"]["iterations"]


def test_toy_search_in_discover(tmp_path, capsys, registered):
    registered(SEARCHES, "two-random", SearchMethod(_two_random_programs, 2), "2 programs")
    assert "two-random(2programs)" in _help(capsys, ["discover"])
    out = tmp_path / "d.json"
    argv = ["--quiet", "discover", "--path", "sketch-and-solve", "--search", "two-random"]
    assert main([*argv, "--json", str(out)]) in (0, 1)  # 1: not found, a valid outcome
    summary = json.loads(out.read_text())
    assert summary["search"] == "two-random"
    assert all(stage["simulations"] <= 2 for stage in summary["stages"])


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        (lambda: get_generator("heat"), "unknown PDE 'heat'; choose from 'darcy'"),
        (lambda: OPERATOR_MODELS["cno"], "unknown operator model 'cno'; choose from 'fno'"),
        (lambda: POLYNOMIAL_METHODS["magic"], "unknown preconditioner method 'magic'; choose"),
        (lambda: SEARCHES["alphazero"], "unknown search 'alphazero'; choose from 'mcgs'"),
    ],
)
def test_unknown_names_list_the_known_ones(lookup, message):
    with pytest.raises(ValueError, match=message):
        lookup()


@pytest.mark.parametrize("argv", [["train"], ["discover"], ["precond", "eval"]])
def test_unknown_name_on_the_command_line_is_a_usage_error(argv, capsys):
    flag = {"train": "--model", "discover": "--search", "precond": "--methods"}[argv[0]]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, flag, "nope"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown" in err and "'nope'" in err

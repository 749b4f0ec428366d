"""Library calls that draw random numbers are seeded locally: the same seed gives the same
bytes whatever the caller's global RNG state, and that state is left as it was."""

import numpy as np
import torch

from sciml.data.matrices import poisson2d
from solvers.comparison import compare
from solvers.learner import ModelConfig
from solvers.training import train_model


def test_pyamg_reference_is_seeded_without_touching_numpy_global_state():
    a = poisson2d(12)
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    first = compare(a, methods=("pyamg-sa",), solvers=("cg",), seed=4)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.random.seed(999)  # noqa: NPY002
    second = compare(a, methods=("pyamg-sa",), solvers=("cg",), seed=4)
    for key in ("iterations", "matvecs", "relative_residual"):
        assert first["cg"]["pyamg-sa"][key] == second["cg"]["pyamg-sa"][key]


def test_train_model_leaves_the_global_torch_rng_alone_and_repeats():
    config = ModelConfig("inv", 4)
    torch.manual_seed(5)
    state = torch.get_rng_state()
    model_a, _ = train_model(config, seed=1, samples=8, epochs=1, batch=8, size=40)
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(77)
    model_b, _ = train_model(config, seed=1, samples=8, epochs=1, batch=8, size=40)
    for p, q in zip(model_a.state_dict().values(), model_b.state_dict().values(), strict=True):
        assert torch.equal(p, q)

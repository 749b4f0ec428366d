"""Same seed, same bytes: across processes, whatever the global RNG states hold."""

import json
import subprocess
import sys

import h5py
import numpy as np

from sciml.data.pde.base import sample_rng
from sciml.data.pde.darcy import darcy_coefficient, solve_darcy

# (pde, resolution, params): small enough for a test, large enough to run every solver path.
CASES = [
    ("darcy", 32, {"rtol": 1e-4}),  # a loose tolerance shows any solver randomness in float32
    ("burgers", 32, {"t_final": 0.2, "n_times": 3}),
    ("navier-stokes", 16, {"t_final": 0.2, "n_times": 3, "dt": 0.01}),
    ("kolmogorov", 16, {"t_burn": 0.5, "frame_dt": 0.1, "n_times": 3}),
]

# Each process scrambles numpy's and torch's global generators differently before generating.
SCRIPT = """
import json, sys
import numpy as np, torch
from sciml.data.pde.store import generate_dataset
noise, out = int(sys.argv[1]), sys.argv[2]
np.random.seed(noise)  # noqa: NPY002 - the legacy global state is the point
torch.manual_seed(noise)
for pde, resolution, params in json.loads(sys.argv[3]):
    generate_dataset(pde, f"{out}/{pde}.h5", n=6, resolution=resolution, seed=1,
                     params=params, batch_size=3, progress=False)
"""


def _datasets(path):
    found = {}
    with h5py.File(path, "r") as f:
        f.visititems(
            lambda name, obj: found.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset)
            else None
        )
    return found


def test_darcy_solve_ignores_and_keeps_the_global_numpy_state():
    a = darcy_coefficient(sample_rng(1, 0), 48)
    solutions = []
    for noise in (0, 1):
        np.random.seed(noise)  # noqa: NPY002 - the legacy global state is the point
        before = np.random.get_state()[1].copy()  # noqa: NPY002
        solutions.append(solve_darcy(a, rtol=1e-10).tobytes())
        assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    assert solutions[0] == solutions[1]


def test_every_generator_gives_the_same_bytes_in_separate_processes(tmp_path):
    outs = []
    for noise in (11, 12):
        out = tmp_path / str(noise)
        out.mkdir()
        subprocess.run(
            [sys.executable, "-c", SCRIPT, str(noise), str(out), json.dumps(CASES)], check=True
        )
        outs.append(out)
    for pde, _, _ in CASES:
        first, second = (_datasets(out / f"{pde}.h5") for out in outs)
        assert first and sorted(first) == sorted(second)
        for name, value in first.items():
            assert value.tobytes() == second[name].tobytes(), f"{pde}: dataset {name} differs"

import numpy as np
import pytest

from sciml.data.pde.dataset import ArrayPairs, FieldDataset, TrajectoryPairs
from sciml.data.pde.views import coarsen


def periodic_field(n: int, modes: list[tuple[int, int, float]]) -> np.ndarray:
    x = np.arange(n) / n
    X, Y = np.meshgrid(x, x, indexing="ij")
    return sum(c * np.cos(2 * np.pi * (kx * X + ky * Y)) for kx, ky, c in modes)


def test_stride_keeps_every_kth_point():
    u = np.arange(64.0).reshape(8, 8)
    np.testing.assert_array_equal(coarsen(u, 4, 2, "stride"), u[::2, ::2])


def test_spectral_view_is_exact_on_band_limited_fields():
    fine = periodic_field(32, [(1, 2, 1.0), (3, -1, 0.5)])
    coarse = periodic_field(8, [(1, 2, 1.0), (3, -1, 0.5)])
    np.testing.assert_allclose(coarsen(fine, 8, 2, "spectral"), coarse, atol=1e-12)


def test_spectral_view_removes_what_stride_aliases():
    # mode 7 on 32 points aliases onto mode -1 when strided to 8 points; truncation drops it
    fine = periodic_field(32, [(1, 0, 1.0), (7, 0, 1.0)])
    strided = coarsen(fine, 8, 2, "stride")
    spectral = coarsen(fine, 8, 2, "spectral")
    low = periodic_field(8, [(1, 0, 1.0)])
    np.testing.assert_allclose(spectral, low, atol=1e-12)
    np.testing.assert_allclose(strided, 2 * low, atol=1e-12)


def test_spectral_view_handles_non_divisors_and_1d():
    x = np.arange(30) / 30
    u = np.sin(2 * np.pi * 2 * x)[None]
    xc = np.arange(12) / 12
    np.testing.assert_allclose(
        coarsen(u, 12, 1, "spectral")[0], np.sin(2 * np.pi * 2 * xc), atol=1e-12
    )


@pytest.mark.parametrize(
    ("resolution", "method", "message"),
    [
        (5, "stride", "does not divide"),
        (64, "stride", "finer than"),
        (4, "bicubic", "method"),
        (0, "stride", "positive integer"),
    ],
)
def test_bad_views_name_the_problem(resolution, method, message):
    with pytest.raises(ValueError, match=message):
        coarsen(np.zeros((16, 16)), resolution, 2, method)


def test_field_dataset_pairs_and_views():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 2, 8, 8)), rng.standard_normal((3, 1, 8, 8))
    ds = FieldDataset(ArrayPairs(x, y), spatial_dims=2, native_resolution=8)
    xi, yi = ds.at_resolution(4)[2]
    np.testing.assert_allclose(xi.numpy(), x[2][:, ::2, ::2].astype(np.float32))
    np.testing.assert_allclose(yi.numpy(), y[2][:, ::2, ::2].astype(np.float32))
    X, Y = ds.tensors()
    assert X.shape == (3, 2, 8, 8) and Y.shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="does not divide"):
        ds.at_resolution(3)


def test_trajectory_pairs_next_step_and_final():
    u = np.arange(2 * 4 * 1 * 4, dtype=float).reshape(2, 4, 1, 4)  # N=2, T=4, C=1, X=4
    nxt = TrajectoryPairs(u, task="next-step", input_steps=2)
    assert len(nxt) == 2 * 2
    x, y = nxt.pair(3)  # trajectory 1, start 1
    np.testing.assert_array_equal(x, u[1, 1:3].reshape(2, 4))
    np.testing.assert_array_equal(y, u[1, 3])
    x, y = TrajectoryPairs(u, task="final").pair(1)
    np.testing.assert_array_equal(x, u[1, 0])
    np.testing.assert_array_equal(y, u[1, 3])
    with pytest.raises(ValueError, match="input_steps"):
        TrajectoryPairs(u, input_steps=4)


def test_nan_sample_is_named():
    x = np.zeros((3, 1, 4, 4))
    x[1, 0, 2, 2] = np.nan
    ds = FieldDataset(ArrayPairs(x, x), spatial_dims=2, native_resolution=4, name="f.h5")
    ds[0]
    with pytest.raises(ValueError, match="f.h5: sample 1 has NaN"):
        ds[1]

import numpy as np
import pytest
import torch

from sciml.data.pde.dataset import ArrayPairs, FieldDataset
from sciml.training.multires import (
    IncrementalBatches,
    MultiResolutionBatches,
    assign_resolutions,
    cost_points_per_sample,
    mix_counts,
)


def labelled_dataset(n: int = 20, resolution: int = 16) -> FieldDataset:
    """Sample i has x ≡ i and y ≡ -i on every grid point, so a batch names its samples."""
    x = np.broadcast_to(
        np.arange(n, dtype=np.float32)[:, None, None, None], (n, 1, resolution, resolution)
    )
    return FieldDataset(
        ArrayPairs(x=x.copy(), y=-x.copy()), spatial_dims=2, native_resolution=resolution
    )


def sample_ids(batch: tuple[torch.Tensor, torch.Tensor]) -> list[int]:
    x, y = batch
    assert torch.equal(x, -y)
    ids = x[:, 0, 0, 0]
    assert torch.equal(x, ids[:, None, None, None].expand_as(x))
    return [int(i) for i in ids]


@pytest.mark.parametrize(
    ("n", "mix", "expected"),
    [
        (10, (0.25, 0.25, 0.5), [3, 2, 5]),
        (7, (1 / 3, 1 / 3, 1 / 3), [3, 2, 2]),
        (10, (0.1, 0.1, 0.1, 0.7), [1, 1, 1, 7]),
        (5, (1.0,), [5]),
        (9, (0.0, 1.0), [0, 9]),
        (3, (0.05, 0.05, 0.9), [0, 0, 3]),
    ],
)
def test_counts_largest_remainder(n, mix, expected):
    assert mix_counts(n, mix).tolist() == expected
    assignment = assign_resolutions(n, mix, seed=0)
    assert np.bincount(assignment, minlength=len(mix)).tolist() == expected


def test_assignment_is_consecutive_blocks_of_the_seeded_shuffle():
    n, mix = 101, (0.2, 0.3, 0.5)
    assignment = assign_resolutions(n, mix, seed=7)
    order = np.random.default_rng(7).permutation(n)
    blocks = assignment[order]
    assert (np.diff(blocks) >= 0).all()
    assert np.bincount(blocks).tolist() == [20, 30, 51]
    assert assignment.tobytes() == assign_resolutions(n, mix, seed=7).tobytes()
    assert assignment.tobytes() != assign_resolutions(n, mix, seed=8).tobytes()


def test_counts_sum_for_random_mixes():
    rng = np.random.default_rng(0)
    for _ in range(50):
        mix = rng.dirichlet(np.ones(rng.integers(1, 6)))
        n = int(rng.integers(1, 500))
        counts = mix_counts(n, mix)
        assert counts.sum() == n
        assert np.all(np.abs(counts - mix * n) < 1)


def test_batches_cover_disjoint_single_resolution():
    data = labelled_dataset(20)
    batches = MultiResolutionBatches(data, (16, 8, 4), (0.5, 0.25, 0.25), batch_size=3, seed=1)
    assert batches.samples_per_resolution == {16: 10, 8: 5, 4: 5}
    assert len(batches) == 4 + 2 + 2
    epoch = batches.epoch(0)
    assert len(epoch) == len(batches)
    seen: dict[int, list[int]] = {16: [], 8: [], 4: []}
    for x, y in epoch:
        assert x.shape[1:] == (1, x.shape[-1], x.shape[-1]) and y.shape == x.shape
        assert x.shape[0] <= 3
        seen[x.shape[-1]] += sample_ids((x, y))
    all_ids = sum(seen.values(), [])
    assert sorted(all_ids) == list(range(20))
    for r in seen:
        assert sorted(seen[r]) == batches.indices[r].tolist()
    # the same resolution -> sample map as assign_resolutions
    assignment = assign_resolutions(20, (0.5, 0.25, 0.25), seed=1)
    for k, r in enumerate((16, 8, 4)):
        assert sorted(seen[r]) == np.flatnonzero(assignment == k).tolist()


def test_strided_values_match_the_dataset_view():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 1, 8, 8)).astype(np.float32)
    data = FieldDataset(ArrayPairs(x=x, y=2 * x), spatial_dims=2, native_resolution=8)
    batches = MultiResolutionBatches(data, (4,), (1.0,), batch_size=6, seed=0)
    ((xb, yb),) = batches.epoch(0)
    assert torch.equal(xb, torch.from_numpy(x[:, :, ::2, ::2]))
    assert torch.equal(yb, 2 * xb)


def test_epoch_order_reproducible_and_history_free():
    data = labelled_dataset(24)
    make = lambda: MultiResolutionBatches(data, (16, 8), (0.5, 0.5), batch_size=2, seed=3)  # noqa: E731
    a, b = make(), make()
    b.epoch(5)
    b.epoch(0)

    def ids(epoch):
        return [sample_ids(batch) for batch in epoch]

    assert ids(a.epoch(2)) == ids(b.epoch(2))
    assert ids(a.epoch(0)) != ids(a.epoch(1))
    # the batches themselves are fixed; only their order changes
    assert sorted(ids(a.epoch(0))) == sorted(ids(a.epoch(1)))
    other_seed = MultiResolutionBatches(data, (16, 8), (0.5, 0.5), batch_size=2, seed=4)
    assert ids(other_seed.epoch(2)) != ids(a.epoch(2))


def test_indices_subset_and_single_resolution():
    data = labelled_dataset(20)
    train = np.arange(5, 20)
    batches = MultiResolutionBatches(data, (8,), (1,), batch_size=4, seed=0, indices=train)
    assert batches.samples_per_resolution == {8: 15}
    assert len(batches) == 4
    assert sorted(sum((sample_ids(b) for b in batches.epoch(0)), [])) == train.tolist()
    assert batches.cost_points_per_sample == 64.0


def test_cost_formula_hand_examples():
    # anchor numbers: Darcy 16/32/64/128, uniform -> 5440, (0.1, 0.1, 0.1, 0.7 @16) -> 2329.6
    res = (128, 64, 32, 16)
    assert cost_points_per_sample(res, [0.25] * 4, 2) == pytest.approx(5440)
    assert cost_points_per_sample(res, mix_counts(10, (0.1, 0.1, 0.1, 0.7)), 2) == pytest.approx(
        2329.6
    )
    data = labelled_dataset(8)
    batches = MultiResolutionBatches(data, (16, 8, 4), (0.5, 0.25, 0.25), batch_size=2, seed=0)
    assert batches.cost_points_per_sample == pytest.approx((4 * 256 + 2 * 64 + 2 * 16) / 8)


@pytest.mark.parametrize(
    ("mix", "message"),
    [
        ((0.5, 0.5), "has 2 entries but 3 resolutions"),
        ((0.5, 0.6, -0.1), "non-negative"),
        ((0.5, 0.3, 0.3), "must sum to 1"),
        ((0.5, float("nan"), 0.5), "finite"),
        (((0.5, 0.5), (0, 0)), "1-D"),
        (("a", "b", "c"), "sequence of numbers"),
    ],
)
def test_bad_mix_raises(mix, message):
    data = labelled_dataset(8)
    with pytest.raises((ValueError, TypeError), match=message):
        MultiResolutionBatches(data, (16, 8, 4), mix, batch_size=2, seed=0)


def test_bad_arguments_raise():
    data = labelled_dataset(8)
    with pytest.raises(ValueError, match="distinct"):
        MultiResolutionBatches(data, (8, 8), (0.5, 0.5), batch_size=2, seed=0)
    with pytest.raises(ValueError, match="does not divide"):
        MultiResolutionBatches(data, (16, 5), (0.5, 0.5), batch_size=2, seed=0)
    with pytest.raises(ValueError, match="finer than the stored grid"):
        MultiResolutionBatches(data, (32,), (1,), batch_size=2, seed=0)
    with pytest.raises(ValueError, match="positive integers"):
        MultiResolutionBatches(data, (0,), (1,), batch_size=2, seed=0)
    with pytest.raises(ValueError, match="batch_size"):
        MultiResolutionBatches(data, (8,), (1,), batch_size=0, seed=0)
    with pytest.raises(ValueError, match="indices"):
        MultiResolutionBatches(data, (8,), (1,), batch_size=2, seed=0, indices=[0, 0])
    with pytest.raises(ValueError, match="n_samples"):
        assign_resolutions(0, (1,), seed=0)
    with pytest.raises(ValueError, match="epoch"):
        MultiResolutionBatches(data, (8,), (1,), batch_size=2, seed=0).epoch(-1)


def test_incremental_curriculum():
    data = labelled_dataset(10)
    batches = IncrementalBatches(data, (4, 8, 16), epochs_per_stage=(1, 2, 3), batch_size=4, seed=0)
    assert [batches.resolution(e) for e in range(8)] == [4, 8, 8, 16, 16, 16, 16, 16]
    assert batches.total_epochs == 6 and len(batches) == 3
    assert batches.cost_points_per_sample == pytest.approx((16 + 2 * 64 + 3 * 256) / 6)
    for e in range(7):
        epoch = batches.epoch(e)
        assert len(epoch) == 3
        assert {x.shape[-1] for x, _ in epoch} == {batches.resolution(e)}
        assert sorted(sum((sample_ids(b) for b in epoch), [])) == list(range(10))
    again = IncrementalBatches(data, (4, 8, 16), 2, batch_size=4, seed=0)
    assert again.schedule == (2, 2, 2)
    assert [sample_ids(b) for b in again.epoch(1)] == [sample_ids(b) for b in batches.epoch(1)]
    assert [sample_ids(b) for b in batches.epoch(1)] != [sample_ids(b) for b in batches.epoch(2)]
    with pytest.raises(ValueError, match="coarse to fine"):
        IncrementalBatches(data, (16, 8), 1, batch_size=4, seed=0)
    with pytest.raises(ValueError, match="epochs_per_stage"):
        IncrementalBatches(data, (8, 16), (1, 2, 3), batch_size=4, seed=0)
    with pytest.raises(ValueError, match="epochs_per_stage"):
        IncrementalBatches(data, (8, 16), 0, batch_size=4, seed=0)
    with pytest.raises(ValueError, match="does not divide"):
        IncrementalBatches(data, (3, 16), 1, batch_size=4, seed=0)

"""Multi-resolution training batches (Sakarvadia et al., "The False Promise of Zero-Shot
Super-Resolution in MLOs") and the coarse-to-fine curriculum baseline.

The mixture protocol: a ratio vector m over resolutions r_0 … r_{K-1} partitions the shuffled
training samples into consecutive blocks of sizes n_k ≈ m_k·N; block k is used only at r_k.
Each block is cut into single-resolution batches once; every epoch plays all batches of all
resolutions in one shuffled order. Cost is the average number of grid points per training
sample, Σ_k n_k·r_k^d / N.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from sciml.core.checks import check_nonnegative, check_positive
from sciml.data.pde.dataset import FieldDataset

Batch = tuple[torch.Tensor, torch.Tensor]


def check_mix(mix: Sequence[float], n_resolutions: int | None = None) -> np.ndarray:
    """``mix`` as a float array after checking it is a ratio vector (≥ 0, Σ = 1 ± 1e-6)."""
    try:
        m = np.asarray(mix, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"mix must be a sequence of numbers, got {mix!r}") from None
    if m.ndim != 1 or m.size == 0:
        raise ValueError(f"mix must be a non-empty 1-D ratio vector, got {mix!r}")
    if n_resolutions is not None and m.size != n_resolutions:
        raise ValueError(
            f"mix {tuple(m.tolist())} has {m.size} entries but {n_resolutions} resolutions were "
            "given; give one ratio per resolution"
        )
    if not np.isfinite(m).all() or (m < 0).any():
        raise ValueError(f"mix {tuple(m.tolist())} must have finite, non-negative entries")
    if abs(m.sum() - 1.0) > 1e-6:
        raise ValueError(f"mix {tuple(m.tolist())} must sum to 1 (within 1e-6), sums to {m.sum()}")
    return m


def mix_counts(n_samples: int, mix: Sequence[float]) -> np.ndarray:
    """Integer counts n_k ≈ m_k·N summing to N (largest-remainder rounding, ties to lower k)."""
    m = check_mix(mix)
    exact = m * n_samples
    counts = np.floor(exact).astype(np.int64)
    short = n_samples - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def assign_resolutions(n_samples: int, mix: Sequence[float], seed: int) -> np.ndarray:
    """Resolution index of each of ``n_samples`` samples under the ratio vector ``mix``.

    The indices are shuffled with ``seed`` and cut into consecutive blocks of
    :func:`mix_counts` sizes; block k gets resolution k. Every sample gets exactly one.
    """
    check_positive(n_samples, "n_samples", integer=True)
    counts = mix_counts(int(n_samples), mix)
    order = np.random.default_rng(seed).permutation(int(n_samples))
    assignment = np.empty(int(n_samples), dtype=np.int64)
    assignment[order] = np.repeat(np.arange(len(counts)), counts)
    return assignment


def cost_points_per_sample(
    resolutions: Sequence[int], counts: Sequence[float], spatial_dims: int
) -> float:
    """Average grid points per training sample, Σ_k c_k·r_k^d / Σ_k c_k."""
    r = np.asarray(resolutions, dtype=float)
    c = np.asarray(counts, dtype=float)
    if r.shape != c.shape or c.sum() <= 0:
        raise ValueError(
            f"need one non-negative weight per resolution with a positive total, got "
            f"resolutions {tuple(resolutions)} and weights {tuple(counts)}"
        )
    return float((c * r**spatial_dims).sum() / c.sum())


def _check_resolutions(resolutions: Sequence[int]) -> tuple[int, ...]:
    res = tuple(resolutions)
    if not res or not all(isinstance(r, int | np.integer) and r >= 1 for r in res):
        raise ValueError(f"resolutions must be positive integers, got {resolutions!r}")
    if len(set(res)) != len(res):
        raise ValueError(f"resolutions must be distinct, got {resolutions!r}")
    return tuple(int(r) for r in res)


def _check_indices(dataset: FieldDataset, indices: Any) -> np.ndarray:
    idx = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64)
    if idx.ndim != 1 or idx.size == 0:
        raise ValueError("indices must be a non-empty 1-D sequence of sample indices")
    if (idx < 0).any() or (idx >= len(dataset)).any() or len(np.unique(idx)) != idx.size:
        raise ValueError(f"indices must be distinct and in [0, {len(dataset)}), got {idx!r}")
    return idx


def _split(x: torch.Tensor, y: torch.Tensor, batch_size: int) -> list[Batch]:
    """Consecutive batches as views (no copy); the last one may be short."""
    return list(zip(x.split(batch_size), y.split(batch_size), strict=True))


def _epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), check_nonnegative(epoch, "epoch", integer=True)])


class MultiResolutionBatches:
    """Single-resolution batches of a mixture over ``resolutions`` (the paper's protocol).

    Sample ``indices[i]`` (default: all samples) is used only at
    ``resolutions[assign_resolutions(len(indices), mix, seed)[i]]``, viewed with ``method``.
    The batches are fixed once; :meth:`epoch` returns them all in an order drawn from
    (seed, epoch), independent of earlier epochs. ``mix=(1,)`` is single-resolution training.

    Parameters
    ----------
    dataset : FieldDataset
        The samples, on a grid every resolution can be viewed from.
    resolutions : sequence of int
        Distinct grid sizes r_0 … r_{K-1}.
    mix : sequence of float
        Ratios m_k ≥ 0 summing to 1, one per resolution.
    batch_size : int
        Samples per batch (a resolution's last batch may be short).
    seed : int
        Seeds the assignment of samples to resolutions and every epoch's order.
    method : {"stride", "spectral"}, default "stride"
        How coarser views are made.
    indices : sequence of int, optional
        The training samples (distinct); default: all.

    Attributes
    ----------
    indices : dict of int to ndarray
        The samples used at each resolution.
    samples_per_resolution : dict of int to int
        n_k per resolution.
    cost_points_per_sample : float
        Σ_k n_k·r_k^d / N.

    Raises
    ------
    ValueError
        For resolutions that are not distinct positive integers or that ``dataset`` cannot
        be viewed at, a ``mix`` that is not a ratio vector of one entry per resolution, a
        non-positive ``batch_size``, or ``indices`` out of range, repeated or empty.
    TypeError
        If ``mix`` is not a sequence of numbers.

    See Also
    --------
    IncrementalBatches : The coarse-to-fine curriculum.

    Examples
    --------
    >>> from sciml.data.pde.dataset import ArrayPairs, FieldDataset
    >>> x = np.zeros((6, 1, 16))  # 6 samples (N, C, X)
    >>> data = FieldDataset(ArrayPairs(x, x), spatial_dims=1, native_resolution=16)
    >>> batches = MultiResolutionBatches(data, (4, 8, 16), (0.5, 0.25, 0.25), 2, seed=0)
    >>> batches.samples_per_resolution, len(batches)
    ({4: 3, 8: 2, 16: 1}, 4)
    >>> round(batches.cost_points_per_sample, 2)  # (3·4 + 2·8 + 1·16) / 6
    7.33
    >>> [tuple(x.shape) for x, y in batches.epoch(0)]
    [(2, 1, 8), (2, 1, 4), (1, 1, 4), (1, 1, 16)]
    """

    def __init__(
        self,
        dataset: FieldDataset,
        resolutions: Sequence[int],
        mix: Sequence[float],
        batch_size: int,
        seed: int,
        method: str = "stride",
        indices: Any = None,
    ) -> None:
        self.resolutions = _check_resolutions(resolutions)
        self.mix = check_mix(mix, len(self.resolutions))
        self.batch_size = check_positive(batch_size, "batch_size", integer=True)
        self.seed = int(seed)
        self.spatial_dims = dataset.spatial_dims
        idx = _check_indices(dataset, indices)
        assignment = assign_resolutions(len(idx), self.mix, self.seed)
        self.indices = {r: idx[assignment == k] for k, r in enumerate(self.resolutions)}
        self._batches: list[Batch] = []
        for r in self.resolutions:
            if self.indices[r].size:
                x, y = dataset.at_resolution(r, method).tensors(self.indices[r])
                self._batches += _split(x, y, self.batch_size)

    @property
    def samples_per_resolution(self) -> dict[int, int]:
        return {r: int(i.size) for r, i in self.indices.items()}

    @property
    def cost_points_per_sample(self) -> float:
        """Σ_k n_k·r_k^d / N: average grid points per training sample."""
        counts = list(self.samples_per_resolution.values())
        return cost_points_per_sample(self.resolutions, counts, self.spatial_dims)

    def __len__(self) -> int:
        return len(self._batches)

    def epoch(self, epoch: int) -> list[Batch]:
        """All batches in the order of ``epoch`` (a permutation seeded by (seed, epoch))."""
        order = _epoch_rng(self.seed, epoch).permutation(len(self._batches))
        return [self._batches[i] for i in order]

    def to(self, device: str | torch.device) -> MultiResolutionBatches:
        """Move every batch to ``device`` once (in place); returns ``self``."""
        self._batches = [(x.to(device), y.to(device)) for x, y in self._batches]
        return self


class IncrementalBatches:
    """Coarse-to-fine curriculum: in stage s every sample is used at ``resolutions[s]``.

    Stage s lasts ``epochs_per_stage`` epochs (an int for all stages, or one int per stage);
    epochs after the schedule stay at the last (finest) stage. Each epoch reshuffles the
    samples with a generator seeded by (seed, epoch) and cuts them into batches.

    Parameters
    ----------
    dataset : FieldDataset
        The samples, on a grid every resolution can be viewed from.
    resolutions : sequence of int
        Distinct grid sizes, coarse to fine: one stage each.
    epochs_per_stage : int or sequence of int
        Epochs of every stage, or of each (positive).
    batch_size : int
        Samples per batch (the last batch may be short).
    seed : int
        Seeds every epoch's order.
    method : {"stride", "spectral"}, default "stride"
        How coarser views are made.
    indices : sequence of int, optional
        The training samples (distinct); default: all.

    Attributes
    ----------
    schedule : tuple of int
        Epochs per stage.
    total_epochs : int
        Their sum.
    cost_points_per_sample : float
        Σ_s E_s·r_s^d / Σ_s E_s.

    Raises
    ------
    ValueError
        For resolutions that are not distinct positive integers running coarse to fine or
        that ``dataset`` cannot be viewed at, ``epochs_per_stage`` that is not one positive
        integer or one per stage, a non-positive ``batch_size``, or ``indices`` out of
        range, repeated or empty.

    See Also
    --------
    MultiResolutionBatches : The mixture protocol.

    Examples
    --------
    >>> from sciml.data.pde.dataset import ArrayPairs, FieldDataset
    >>> x = np.zeros((6, 1, 16))  # 6 samples (N, C, X)
    >>> data = FieldDataset(ArrayPairs(x, x), spatial_dims=1, native_resolution=16)
    >>> batches = IncrementalBatches(data, (4, 16), epochs_per_stage=(1, 2), batch_size=4,
    ...                              seed=0)
    >>> [batches.resolution(epoch) for epoch in range(4)], batches.cost_points_per_sample
    ([4, 16, 16, 16], 12.0)
    >>> [tuple(x.shape) for x, y in batches.epoch(0)]
    [(4, 1, 4), (2, 1, 4)]
    """

    def __init__(
        self,
        dataset: FieldDataset,
        resolutions: Sequence[int],
        epochs_per_stage: int | Sequence[int],
        batch_size: int,
        seed: int,
        method: str = "stride",
        indices: Any = None,
    ) -> None:
        self.resolutions = _check_resolutions(resolutions)
        if list(self.resolutions) != sorted(self.resolutions):
            raise ValueError(f"resolutions must run coarse to fine, got {resolutions!r}")
        stages = (
            [epochs_per_stage] * len(self.resolutions)
            if isinstance(epochs_per_stage, int | np.integer)
            else list(epochs_per_stage)
        )
        if len(stages) != len(self.resolutions) or not all(
            isinstance(e, int | np.integer) and e >= 1 for e in stages
        ):
            raise ValueError(
                f"epochs_per_stage must be a positive integer or one per resolution "
                f"({len(self.resolutions)}), got {epochs_per_stage!r}"
            )
        self.schedule = tuple(int(e) for e in stages)
        self.batch_size = check_positive(batch_size, "batch_size", integer=True)
        self.seed = int(seed)
        self.method = method
        self.spatial_dims = dataset.spatial_dims
        self._dataset = dataset
        self._indices = _check_indices(dataset, indices)
        self._device: torch.device | None = None
        self._cache: dict[int, Batch] = {}
        for r in self.resolutions:
            dataset.at_resolution(r, method)  # validate every stage up front

    @property
    def total_epochs(self) -> int:
        return sum(self.schedule)

    @property
    def cost_points_per_sample(self) -> float:
        """Σ_s E_s·r_s^d / Σ_s E_s over the schedule's E_s epochs per stage."""
        return cost_points_per_sample(self.resolutions, self.schedule, self.spatial_dims)

    def resolution(self, epoch: int) -> int:
        """The resolution used in ``epoch`` (0-based)."""
        ends = np.cumsum(self.schedule)
        epoch = check_nonnegative(epoch, "epoch", integer=True)
        stage = min(int(np.searchsorted(ends, epoch, side="right")), len(self.schedule) - 1)
        return self.resolutions[stage]

    def __len__(self) -> int:
        return -(-self._indices.size // self.batch_size)

    def _tensors(self, resolution: int) -> Batch:
        if resolution not in self._cache:
            view = self._dataset.at_resolution(resolution, self.method)
            x, y = view.tensors(self._indices)
            if self._device is not None:
                x, y = x.to(self._device), y.to(self._device)
            self._cache[resolution] = (x, y)
        return self._cache[resolution]

    def epoch(self, epoch: int) -> list[Batch]:
        """The samples at this epoch's stage resolution, shuffled by (seed, epoch), batched."""
        x, y = self._tensors(self.resolution(epoch))
        order = torch.from_numpy(_epoch_rng(self.seed, epoch).permutation(len(x))).to(x.device)
        return _split(x[order], y[order], self.batch_size)

    def to(self, device: str | torch.device) -> IncrementalBatches:
        """Keep the materialised stages on ``device``; returns ``self``."""
        self._device = torch.device(device)
        self._cache = {r: (x.to(device), y.to(device)) for r, (x, y) in self._cache.items()}
        return self

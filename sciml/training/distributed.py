"""Distributed data parallel training launched by ``torchrun`` (gloo on CPU, NCCL on GPU).

Every rank builds the same shuffled list of batches for an epoch and takes every
``world_size``-th one starting at its rank, after dropping the remainder so that all ranks take
the same number of optimiser steps. DDP averages the gradients, so one step applies
(1/W)·Σ_r ∇L(batch_r).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from sciml.operators.models import to_device

T = TypeVar("T")

ENV_VARS = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class DistInfo:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device


def launched_by_torchrun() -> bool:
    """True when the torchrun environment variables are all set."""
    return all(v in os.environ for v in ENV_VARS)


def init_from_env(backend: str | None = None) -> DistInfo:
    """Join the process group described by torchrun's environment variables.

    ``backend=None`` picks NCCL with one GPU per local rank when CUDA is available, else gloo
    on the CPU.

    Parameters
    ----------
    backend : {"nccl", "gloo"}, optional
        The process group's backend; NCCL puts this rank on GPU ``LOCAL_RANK``.

    Returns
    -------
    DistInfo
        ``rank``, ``world_size``, ``local_rank`` and the ``device`` this rank computes on.

    Raises
    ------
    RuntimeError
        If any of ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``
        is unset (not launched by ``torchrun``).
    ValueError
        For another ``backend``.

    See Also
    --------
    cleanup : Leave the process group.

    Examples
    --------
    >>> init_from_env()  # a plain process: no torchrun environment
    Traceback (most recent call last):
    ...
    RuntimeError: distributed training needs the torchrun environment (RANK, ...

    A group of one process, with the variables ``torchrun`` would set:

    >>> import socket
    >>> from unittest import mock
    >>> with socket.socket() as s:  # a free port for the rendezvous
    ...     s.bind(("127.0.0.1", 0))
    ...     port = s.getsockname()[1]
    >>> env = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
    ...        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    >>> with mock.patch.dict(os.environ, env):
    ...     info = init_from_env("gloo")
    >>> info
    DistInfo(rank=0, world_size=1, local_rank=0, device=device(type='cpu'))
    >>> is_distributed(), world_size()
    (True, 1)
    >>> cleanup()
    """
    missing = [v for v in ENV_VARS if v not in os.environ]
    if missing:
        raise RuntimeError(
            f"distributed training needs the torchrun environment ({', '.join(missing)} unset); "
            "launch with `torchrun --nproc_per_node N ...`"
        )
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend not in ("nccl", "gloo"):
        raise ValueError(f"backend must be 'nccl' or 'gloo', got {backend!r}")
    local_rank = int(os.environ["LOCAL_RANK"])
    if backend == "nccl":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        device = torch.device("cpu")
        dist.init_process_group("gloo")
    return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, device)


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def is_main() -> bool:
    """True on rank 0 (and in a single process): the rank that writes files."""
    return rank() == 0


def barrier() -> None:
    if is_distributed():
        dist.barrier()


def cleanup() -> None:
    """Leave the process group (no-op when none is initialised)."""
    if is_distributed():
        dist.destroy_process_group()


def wrap_model(model: nn.Module, device: torch.device | str) -> nn.Module:
    """``model`` on ``device`` inside :class:`DistributedDataParallel` (rank 0's weights win).

    Parameters
    ----------
    model : torch.nn.Module
        The model; it is moved to ``device``.
    device : torch.device or str
        This rank's device (``"cpu"`` with gloo, ``"cuda:LOCAL_RANK"`` with NCCL).

    Returns
    -------
    torch.nn.Module
        The DDP wrapper; :func:`unwrap` gives ``model`` back.

    Raises
    ------
    RuntimeError
        From DDP, if no process group is initialised (:func:`init_from_env`).

    Examples
    --------
    In a group of one process (see :func:`init_from_env`):

    >>> import socket
    >>> from unittest import mock
    >>> with socket.socket() as s:
    ...     s.bind(("127.0.0.1", 0))
    ...     port = s.getsockname()[1]
    >>> env = {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
    ...        "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)}
    >>> with mock.patch.dict(os.environ, env):
    ...     _ = init_from_env("gloo")
    >>> linear = nn.Linear(2, 1)
    >>> net = wrap_model(linear, "cpu")
    >>> type(net).__name__, unwrap(net) is linear
    ('DistributedDataParallel', True)
    >>> tuple(net(torch.zeros(3, 2)).shape)
    (3, 1)
    >>> cleanup()
    """
    device = torch.device(device)
    model = to_device(model, device)
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside a DDP wrapper (or ``model`` itself)."""
    return model.module if isinstance(model, DistributedDataParallel) else model


def check_shardable(n_batches: int, world_size: int) -> None:
    """``ValueError`` unless ``n_batches`` per epoch give each of ``world_size`` ranks at
    least one; a run checks this before it writes anything.

    Parameters
    ----------
    n_batches : int
        Batches per epoch.
    world_size : int
        Ranks that share them.

    Raises
    ------
    ValueError
        Naming both counts.

    Examples
    --------
    >>> check_shardable(1, 2)
    Traceback (most recent call last):
    ...
    ValueError: 1 batches per epoch cannot feed 2 ranks; use a smaller batch size or fewer processes
    """
    if n_batches < world_size:
        raise ValueError(
            f"{n_batches} batches per epoch cannot feed {world_size} ranks; "
            "use a smaller batch size or fewer processes"
        )


def shard_batches(batches: Sequence[T], rank: int, world_size: int) -> list[T]:
    """Rank ``rank``'s share: ``batches[rank:n:world_size]`` with n = ⌊len/W⌋·W.

    The last ``len % W`` batches are dropped, so that every rank takes the same number of
    optimiser steps (DDP synchronises each one).

    Parameters
    ----------
    batches : sequence
        This epoch's batches, in the same order on every rank.
    rank : int
        This rank, in ``[0, world_size)``.
    world_size : int
        W, the number of ranks.

    Returns
    -------
    list
        ``⌊len(batches)/W⌋`` batches.

    Raises
    ------
    ValueError
        If ``rank`` is outside ``[0, world_size)``, or there are fewer batches than ranks.

    Examples
    --------
    >>> [shard_batches(list("abcdefg"), r, 3) for r in range(3)]
    [['a', 'd'], ['b', 'e'], ['c', 'f']]
    >>> shard_batches(list("ab"), 3, 3)
    Traceback (most recent call last):
    ...
    ValueError: rank must be in [0, 3), got 3
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    check_shardable(len(batches), world_size)
    usable = len(batches) // world_size * world_size
    return list(batches[rank:usable:world_size])


def shard_eval_sets(
    eval_sets: Mapping[str, tuple[torch.Tensor, torch.Tensor]], rank: int, world_size: int
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Samples ``rank::world_size`` of every evaluation set (views, no copy)."""
    return {k: (x[rank::world_size], y[rank::world_size]) for k, (x, y) in eval_sets.items()}


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    """Sum ``tensor`` over all ranks in place (identity in a single process); returns it."""
    if is_distributed():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor

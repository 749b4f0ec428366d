"""Training: losses, multi-resolution batching, the trainer, distributed data parallel."""

from __future__ import annotations

from sciml.core.lazy import lazy_exports

# Loaded on first use, so that importing the package (the CLI building its parser) imports no
# torch.
_EXPORTS = {
    "Trainer": "sciml.training.trainer",
    "TrainConfig": "sciml.training.trainer",
    "save_checkpoint": "sciml.training.trainer",
    "load_checkpoint": "sciml.training.trainer",
    "RunSpec": "sciml.training.run",
    "train_run": "sciml.training.run",
    "evaluate_run": "sciml.training.run",
    "load_run_model": "sciml.training.run",
    "default_operator_config": "sciml.training.run",
    "MultiResolutionBatches": "sciml.training.multires",
    "IncrementalBatches": "sciml.training.multires",
    "relative_l2": "sciml.training.losses",
    "mse": "sciml.training.losses",
    "vrmse": "sciml.training.losses",
    "refine_run": "sciml.training.refinement",
    "RefineSpec": "sciml.training.refinement",
    "evaluate_refined": "sciml.training.refinement",
    "init_from_env": "sciml.training.distributed",
    "wrap_model": "sciml.training.distributed",
    "shard_batches": "sciml.training.distributed",
}

__getattr__ = lazy_exports(__name__, _EXPORTS)


__all__ = list(_EXPORTS)

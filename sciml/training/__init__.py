"""Training: losses, multi-resolution batching, the trainer, distributed data parallel."""

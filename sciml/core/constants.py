"""Constants shared by more than one package."""

CHECKPOINT_FILE = "checkpoint.pt"
"""File name of a training run's checkpoint inside its run folder."""

METRICS_FILE = "metrics.jsonl"
"""File name of a training run's per-epoch metrics (one JSON object a line)."""

SYMMETRY_RTOL = 1e-10
"""A matrix counts as symmetric when max|A − Aᵀ| ≤ SYMMETRY_RTOL·max|A|."""

FIGURE_DPI = 120
"""Resolution of every figure the library writes."""

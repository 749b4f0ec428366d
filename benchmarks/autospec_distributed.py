"""The ``distributed`` section of the AutoSpec benchmark: Jacobi-CG against learned and
Chebyshev degree-10 polynomial CG across ranks (:func:`solvers.distributed.distributed_cg`),
with wall time, time in the collectives, the cost model and its crossover per system.

Its GPU variant runs on ``torch.cuda.device_count()`` ranks with ``device="cuda"`` (NCCL, CUDA
sparse matvecs; one rank on a one-GPU machine, where the all_gather is a device copy and each CG
iteration costs one host synchronisation) on shipped SuiteSparse matrices, so it needs only
torch, NumPy, SciPy and this repository (no pyamg)::

    python -m benchmarks.autospec_distributed --json autospec-distributed-gpu.json

``--device cpu`` runs the same section on the CPU tensor path (gloo), as a smoke test.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm

from solvers.distributed import distributed_cg
from solvers.preconditioner import polynomial_preconditioner

DEGREE = 10
METHODS = ("jacobi", "learned", "chebyshev")
GPU_MATRICES = ("HB/gr_30_30", "HB/1138_bus", "HB/bcsstk15")
GPU_REPEATS = 3


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def compare_distributed(
    cases: Sequence[tuple[str, sp.csr_matrix]],
    *,
    world: int,
    repeats: int,
    device: str = "cpu",
    arrays: str = "auto",
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Per case: ``distributed_cg`` with Jacobi, learned and Chebyshev degree-10 polynomials
    (probe on rank 0's process, setup counted apart), relative residual, cost-model errors,
    the learned speed-up over Jacobi-CG and the crossover t_red/t_mv = Δmatvecs/Δreductions
    above which the learned polynomial wins."""
    rows = []
    for name, a in tqdm(cases, desc="distributed", disable=not progress):
        b = np.random.default_rng(11).standard_normal(a.shape[0])
        polys: dict[str, Any] = {"jacobi": None}
        setup = {}
        for method in ("learned", "chebyshev"):
            m = polynomial_preconditioner(a, DEGREE, method, 0)
            polys[method], setup[method] = m.polynomial, (m.setup_matvecs, m.setup_reductions)
        result = distributed_cg(
            a, b, polys, world=world, repeats=repeats, device=device, arrays=arrays
        )
        row: dict[str, Any] = {"name": name, "n": int(a.shape[0])}
        for label in polys:
            r = {k: v for k, v in result[label].items() if k != "x"}
            r["relative_residual"] = float(
                np.linalg.norm(b - a @ result[label]["x"]) / np.linalg.norm(b)
            )
            r["setup_matvecs"], r["setup_reductions"] = setup.get(label, (0, 0))
            r["model_error"] = r["predicted_seconds"] / r["seconds"] - 1.0
            r["communication_only_model_error"] = (
                r["predicted_seconds_communication_only"] / r["seconds"] - 1.0
            )
            row[label] = r
        j, lr = row["jacobi"], row["learned"]
        row["learned_speedup_over_jacobi"] = j["seconds"] / lr["seconds"]
        gain = j["reductions"] - lr["reductions"]
        row["crossover_t_red_over_t_mv"] = (
            (lr["matvecs"] - j["matvecs"]) / gain if gain > 0 else None
        )
        row["measured_t_red_over_t_mv"] = _median(
            [row[m]["unit_costs"]["t_reduction"] / row[m]["unit_costs"]["t_matvec"] for m in polys]
        )
        rows.append(row)
    return rows


def summarise_distributed(rows: list[dict]) -> dict[str, Any]:
    """Median learned speed-up over Jacobi-CG (target ≥ 1.5) and the cost model's errors
    (target ≤ 25% on every solve), crossovers and measured t_red/t_mv."""
    errors = [abs(r[m]["model_error"]) for r in rows for m in METHODS]
    speedup = _median([r["learned_speedup_over_jacobi"] for r in rows])
    return {
        "median_learned_speedup_over_jacobi_cg": speedup,
        "max_abs_cost_model_error": max(errors),
        "median_abs_cost_model_error": _median(errors),
        "cost_model_within_25pct_met": bool(all(e <= 0.25 for e in errors)),
        "crossover_t_red_over_t_mv": [r["crossover_t_red_over_t_mv"] for r in rows],
        "measured_t_red_over_t_mv": [r["measured_t_red_over_t_mv"] for r in rows],
        "target_speedup_1.5x_met": bool(speedup >= 1.5),
    }


def gpu_section(progress: bool = False, device: str = "cuda") -> dict[str, Any]:
    """The distributed comparison on every visible GPU (``device="cuda"``, NCCL, one rank per
    GPU) on :data:`GPU_MATRICES`, median of :data:`GPU_REPEATS` solves; rows and summary carry
    the device name. ``device="cpu"``: the same on 2 gloo ranks with the torch tensor path."""
    import torch

    from sciml.data.matrices import load_matrix

    if device == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device='cuda' needs a CUDA GPU (torch.cuda.is_available() is False)")
        world, name = torch.cuda.device_count(), torch.cuda.get_device_name(0)
    else:
        world, name = 2, "cpu"
    cases = [(m, load_matrix(m)) for m in GPU_MATRICES]
    rows = compare_distributed(
        cases, world=world, repeats=GPU_REPEATS, device=device, arrays="torch", progress=progress
    )
    for row in rows:
        row["device"], row["world"] = name, world
    return {
        "device": name,
        "world": world,
        "torch": torch.__version__,
        "rows": rows,
        "summary": summarise_distributed(rows),
    }


def main(argv: Sequence[str] | None = None) -> int:
    from sciml.core.files import write_json

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", required=True, help="write the section's figures here")
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        results = gpu_section(progress=not args.quiet, device=args.device)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {write_json(args.json, {'benchmark': 'autospec-distributed', **results})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

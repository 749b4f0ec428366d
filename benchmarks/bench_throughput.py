"""Training throughput: our ``Trainer.fit`` against neuraloperator's ``Trainer.train``.

The same FNO (hidden 32, 16 modes), the same 320 Darcy samples viewed at 32² (data generated
at 64²), batch 16, 2 epochs; each side timed over its whole training call, one warm-up turn
each excluded, 7 turns alternating which side goes first, medians compared
(:func:`benchmarks.bench_multires.trainer_throughput`). ``--quick`` is the same run.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.bench_multires import SETTINGS, WORK_DIR, trainer_throughput
from sciml.data.pde.store import generate_dataset


def run(quick: bool = False, progress: bool = True) -> dict[str, Any]:
    start = time.perf_counter()
    darcy = SETTINGS[True]["problems"]["darcy"]
    data = WORK_DIR / f"throughput-darcy-{darcy['native']}-360.h5"
    if not data.exists():
        generate_dataset("darcy", data, n=360, resolution=darcy["native"], seed=0,
                         progress=progress)
    result = trainer_throughput(
        str(data), darcy["native"], darcy["modes"], SETTINGS[True]["batch_size"],
        darcy["resolutions"][-2],
    )
    return {**result, "target_ratio_ge_1": result["ratio"] >= 1.0,
            "seconds": time.perf_counter() - start}

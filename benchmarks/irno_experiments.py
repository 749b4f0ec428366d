"""Design choices of the IRNO refiner, each judged on VALIDATION trajectories only.

On a trained base run (the quick benchmark's), every variant of the refiner settings is
trained for the same number of epochs and scored by its validation relative L2 at K and at
2K, its worst measured contraction factor q (at the visited steps) and its validation
high-band error ratio. The benchmark's configuration is the one these numbers justify.

    python -m benchmarks.irno_experiments BASE_RUN --json benchmarks/results/irno-experiments.json
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from benchmarks.bench_irno import SETTINGS, _refine_spec, _refine_train, train_to_plateau
from sciml.core.files import write_json
from sciml.data.pde.store import generate_dataset
from sciml.training.refinement import evaluate_refined, refine_run
from sciml.training.run import RunSpec, default_operator_config, open_run_data

# name: overrides of the quick refiner settings (plus "kind"/"steps" where they change)
VARIANTS: dict[str, dict[str, Any]] = {
    "contractive a0.6 L0.5": {},
    "contractive a0.3 L0.5": {"alpha": 0.3},
    "contractive a0.6 L0.9": {"lipschitz": 0.9},
    "contractive a0.6 L0.5 K3": {"steps": 3},
    "residual a0.2 (anchor form), no penalty": {"kind": "unet"},
    "residual a0.2, contraction penalty 0.1": {"kind": "unet", "contraction_weight": 0.1},
    "contractive a0.6 L0.5 lr 1e-3": {"lr": 1e-3},
    # with the U-Net computed once per iteration an epoch costs ~4x less: more epochs
    "contractive a0.6 L0.5, 24 epochs": {"epochs": 24},
    "contractive a0.6 L0.5, 24 epochs, lr 1e-3": {"epochs": 24, "lr": 1e-3},
    "contractive a0.6 L0.5, 24 epochs, no spectral term": {"epochs": 24, "spectral_weight": 0.0},
    "contractive a0.6 L0.9, 24 epochs": {"epochs": 24, "lipschitz": 0.9},
    "contractive a0.6 L0.5, 24 epochs, width 16": {"epochs": 24, "width": 16},
    "contractive a0.6 L0.5, 12 epochs": {"epochs": 12},
    "contractive a0.9 L0.5, 24 epochs": {"epochs": 24, "alpha": 0.9},
    "contractive a0.6 L0.5, 48 epochs": {"epochs": 48},
    "contractive a0.9 L0.5, 24 epochs, no spectral term": {
        "epochs": 24, "alpha": 0.9, "spectral_weight": 0.0
    },
}


def run_variant(base_run: Path, out: Path, settings: dict[str, Any], epochs: int) -> dict:
    kind, steps = settings.get("kind"), settings["steps"]
    spec = _refine_spec(base_run, settings, kind=kind, steps=steps)
    spec = replace(spec, extra_steps=steps)
    tic = time.perf_counter()
    refine_run(spec, out, _refine_train(settings, epochs), progress=False)
    seconds = time.perf_counter() - tic
    report = evaluate_refined(out)
    val = report["val_rel_l2"]
    return {
        "settings": {k: settings[k] for k in sorted(settings) if k != "epochs"},
        "epochs": epochs,
        "val_base": val[0],
        "val_at_k": val[steps],
        "val_at_2k": val[-1],
        "val_reduction_at_k": 1 - val[steps] / val[0],
        "val_best_step": report["chosen_step"],
        "q_max": max(report["q"]),
        "q_bound": spec.refiner.contraction_bound(),
        "train_seconds": seconds,
    }


def prepare_base(out: Path) -> Path:
    """The quick benchmark's data and base run (same data, split and seed) under ``out``."""
    settings = SETTINGS["quick"]
    p, b = settings["problem"], settings["base"]
    data = out / f"kolmogorov-{p['native']}-{p['n']}.h5"
    generate_dataset("kolmogorov", data, n=p["n"], resolution=p["native"], seed=0,
                     params=p["params"], progress=False)
    res = p["resolution"]
    spec = RunSpec(data=str(data), resolutions=(res,), method="spectral",
                   batch_size=b["batch_size"], **settings["split"])
    dataset = open_run_data(spec)
    config = default_operator_config(dataset, (res,), modes=b["modes"], hidden_channels=b["width"])
    train_to_plateau(spec, out / "base", config, b, "cpu", progress=False)
    return out / "base"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("base_run", help="a base run folder; with --prepare, made there")
    parser.add_argument("--prepare", action="store_true",
                        help="generate the quick data and train its base into BASE_RUN's parent")
    parser.add_argument("--json", required=True)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--work", default=".sciml-bench/irno-experiments")
    parser.add_argument("--only", help="comma-separated variant numbers (0-based)")
    args = parser.parse_args()
    if args.prepare:
        prepare_base(Path(args.base_run).parent)
        return
    quick = SETTINGS["quick"]["refine"]
    numbered = list(enumerate(VARIANTS.items()))
    if args.only:
        numbered = [numbered[int(i)] for i in args.only.split(",")]
    for i, (name, overrides) in numbered:
        settings = {"kind": "contractive", **quick, **overrides}
        epochs = overrides.get("epochs", args.epochs)
        row = run_variant(Path(args.base_run), Path(args.work) / f"v{i}", settings, epochs)
        print(name, {k: row[k] for k in ("val_at_k", "val_at_2k", "q_max")}, flush=True)
        path = Path(args.json)
        table = json.loads(path.read_text()) if path.exists() else {"variants": {}}
        table["base_run"] = args.base_run
        table["variants"][name] = row
        write_json(path, table)


if __name__ == "__main__":
    main()

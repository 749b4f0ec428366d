"""``sciml demo``: small real datasets and matrices, summarised in a Markdown report with figures.

Each stage takes a :class:`DemoContext` and returns a Markdown section; capabilities add
their stages to :data:`STAGES`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class DemoContext:
    out: Path
    seed: int
    progress: bool

    @property
    def figures(self) -> Path:
        return self.out / "figures"

    @property
    def data(self) -> Path:
        return self.out / "data"

    def figure(self, name: str) -> Path:
        return self.figures / name


DEMO_DATASETS = {  # name: (label, samples, grid, parameter overrides)
    "darcy": ("Darcy", 16, 64, {}),
    "navier-stokes": ("Navier–Stokes ν=1e-4", 4, 64, {"nu": 1e-4, "t_final": 10.0}),
    "kolmogorov": ("Kolmogorov Re=1000", 4, 64, {"n_times": 4}),
}


def pde_stage(ctx: DemoContext) -> str:
    from sciml.data.pde.store import generate_dataset, open_dataset
    from sciml.diagnostics.plots import plot_fields, plot_spectra
    from sciml.diagnostics.spectra import energy_spectrum

    lines = [
        "| dataset | samples | grid | seconds | file |",
        "|---|---:|---:|---:|---|",
    ]
    views = {}
    for name, (label, n, resolution, params) in DEMO_DATASETS.items():
        path = ctx.data / f"{name}.h5"
        start = time.perf_counter()
        generate_dataset(
            name,
            path,
            n=n,
            resolution=resolution,
            seed=ctx.seed,
            params=params,
            progress=ctx.progress,
        )
        seconds = time.perf_counter() - start
        lines.append(
            f"| {label} | {n} | {resolution}² | {seconds:.1f} | "
            f"`data/{path.name}` ({path.stat().st_size / 1024:.0f} KB) |"
        )
        views[label] = open_dataset(path, task="final")

    rows, curves = {}, {}
    for label, ds in views.items():
        fine, coarse = ds.grid_resolution, ds.grid_resolution // 4
        sample = ds[0]
        rows[label] = [
            (f"input, {fine}²", sample[0][0].numpy()),
            (f"target, {fine}²", sample[1][0].numpy()),
            (f"target, {coarse}² strided", ds.at_resolution(coarse)[0][1][0].numpy()),
            (f"target, {coarse}² spectral", ds.at_resolution(coarse, "spectral")[0][1][0].numpy()),
        ]
        for res, method in ((fine, "stride"), (coarse, "stride"), (coarse, "spectral")):
            _, targets = ds.at_resolution(res, method).tensors()
            curves[f"{label}, {res}² {method}"] = energy_spectrum(targets.numpy(), 2)
    plot_fields(rows, ctx.figure("fields.png"))
    plot_spectra(curves, ctx.figure("spectra.png"))
    return "\n".join(
        [
            "Generated with `sciml data generate` (seeded; rerunning reuses the files).",
            "",
            *lines,
            "",
            "Sample fields at the stored grid and two 4× coarser views: strided (how the standard",
            "benchmarks coarsen) and spectrally truncated (anti-aliased).",
            "",
            "![fields](figures/fields.png)",
            "",
            "Energy spectra of the targets: the strided view folds the energy above its Nyquist",
            "wavenumber back onto those it keeps (aliasing, plain on the turbulent flow); the",
            "spectral view keeps the fine grid's spectrum up to its cut-off.",
            "",
            "![spectra](figures/spectra.png)",
        ]
    )


DEMO_MULTIRES = {  # Darcy samples at `native`, viewed (strided) at `resolutions`
    "samples": 240,
    "native": 32,
    "resolutions": (8, 16, 32),
    "epochs": 8,
    "runs": {"single-8": (8,), "single-32": (32,), "mix-uniform": (8, 16, 32)},
}


def multires_stage(ctx: DemoContext) -> str:
    from sciml.data.pde.store import generate_dataset
    from sciml.diagnostics.resolution import plot_error_vs_resolution
    from sciml.training.run import RunSpec, default_operator_config, open_run_data, train_run
    from sciml.training.trainer import TrainConfig

    cfg = DEMO_MULTIRES
    data = ctx.data / f"darcy-{cfg['native']}-{cfg['samples']}.h5"
    generate_dataset(
        "darcy",
        data,
        n=cfg["samples"],
        resolution=cfg["native"],
        seed=ctx.seed,
        progress=ctx.progress,
    )
    train = TrainConfig(epochs=cfg["epochs"], step_size=3, eval_every=cfg["epochs"], seed=ctx.seed)
    curves, swings = {}, {}
    for name, resolutions in cfg["runs"].items():
        mix = (1.0 / len(resolutions),) * len(resolutions)
        spec = RunSpec(data=str(data), resolutions=resolutions, mix=mix)
        model = default_operator_config(
            open_run_data(spec), (cfg["native"],), modes=cfg["native"] // 4, hidden_channels=16
        )
        summary = train_run(
            spec,
            ctx.out / "runs" / name,
            model_config=model,
            train_config=train,
            eval_resolutions=cfg["resolutions"],
            progress=ctx.progress,
        )
        curves[name] = {int(r): m for r, m in summary["eval"].items()}
        mse = [m["mse"] for m in summary["eval"].values()]
        swings[name] = (max(mse) / min(mse), summary["cost_points_per_sample"])
    plot_error_vs_resolution(curves, ctx.figure("multires.png"))
    header = " | ".join(f"MSE @{r}²" for r in cfg["resolutions"])
    lines = [
        f"| training | {header} | swing | points/sample |",
        "|---" + "|---:" * (len(cfg["resolutions"]) + 2) + "|",
    ]
    for name, errors in curves.items():
        cells = " | ".join(f"{errors[r]['mse']:.2e}" for r in cfg["resolutions"])
        swing, cost = swings[name]
        lines.append(f"| {name} | {cells} | {swing:.2f} | {cost:.0f} |")
    return "\n".join(
        [
            f"FNOs trained for {cfg['epochs']} epochs on {cfg['samples']} Darcy samples "
            f"({cfg['native']}², viewed by striding), each tested at every resolution.",
            "A model trained at one resolution degrades at the others; the uniform mix (each",
            "sample used at one resolution) keeps the error flat. `swing` = max/min test MSE.",
            "`sciml train` and `sciml evaluate` do the same on any dataset file.",
            "",
            *lines,
            "",
            "![error against test resolution](figures/multires.png)",
        ]
    )


DEMO_REFINE = {  # the benchmark's configuration (bench_irno, quick) at demo size
    "samples": 8,
    "native": 64,
    "params": {"nu": 0.01, "frame_dt": 0.25, "n_times": 16},
    "resolution": 32,
    "modes": 4,
    "base_epochs": 20,
    "refine_epochs": 24,
    "steps": 3,
}


def refinement_stage(ctx: DemoContext) -> str:
    from sciml.data.pde.store import generate_dataset
    from sciml.operators.refiner import RefinerConfig
    from sciml.training.refinement import RefineSpec, evaluate_refined, refine_run
    from sciml.training.run import RunSpec, default_operator_config, open_run_data, train_run
    from sciml.training.trainer import TrainConfig

    cfg = DEMO_REFINE
    data = ctx.data / "kolmogorov-refine.h5"
    generate_dataset(
        "kolmogorov",
        data,
        n=cfg["samples"],
        resolution=cfg["native"],
        seed=ctx.seed,
        params=cfg["params"],
        progress=ctx.progress,
    )
    res = cfg["resolution"]
    spec = RunSpec(
        data=str(data),
        resolutions=(res,),
        method="spectral",
        batch_size=8,
        test_fraction=0.2,
        val_fraction=0.2,
    )
    model = default_operator_config(
        open_run_data(spec), (res,), modes=cfg["modes"], hidden_channels=16
    )
    runs = ctx.out / "runs"
    train = TrainConfig(epochs=cfg["base_epochs"], step_size=10, seed=ctx.seed)
    train_run(spec, runs / "kf-base", model_config=model, train_config=train, progress=ctx.progress)
    refiner = RefinerConfig(kind="contractive", alpha=0.6, lipschitz=0.5, width=8, depth=2,
                            output_gain=0.01)  # fmt: skip
    refine = RefineSpec(
        base_run=str(runs / "kf-base"),
        steps=cfg["steps"],
        extra_steps=cfg["steps"],
        refiner=refiner,
        batch_size=8,
    )
    refine_train = TrainConfig(
        epochs=cfg["refine_epochs"],
        lr=3e-3,
        schedule="cosine",
        min_lr=1e-4,
        grad_clip=1.0,
        seed=ctx.seed,
    )
    refine_run(refine, runs / "kf-irno", refine_train, progress=ctx.progress)
    report = evaluate_refined(runs / "kf-irno", json_path=ctx.figure("refinement.json"))
    lines = ["| step | rel. L2 | VRMSE | low | mid | high | q |", "|---:" * 7 + "|"]
    q = [f"{value:.3f}" for value in report["q"]] + ["–"]  # no step after the last iterate
    for k, row in enumerate(report["per_step"]):
        b = row["band_ratio"]
        lines.append(
            f"| {k} | {row['rel_l2']:.4f} | {row['vrmse']:.4f} | {b['low']:.3f} | "
            f"{b['mid']:.3f} | {b['high']:.3f} | {q[k]} |"
        )
    return "\n".join(
        [
            f"A base FNO with {cfg['modes']} Fourier modes (of {res // 2} the grid allows) trained "
            f"for {cfg['base_epochs']} epochs on next-step prediction of Kolmogorov flow "
            f"({res}², spectral view; train, validation and test trajectories disjoint), then",
            "frozen and refined by the contractive refiner the benchmark uses:",
            "h_(k+1) = 0.4·h_k + 0.6·G([x, h_0], h_k), with the h-path of G 0.5-Lipschitz, so the",
            f"map contracts by at most 0.7 per step; trained over K = {cfg['steps']} unrolled "
            f"steps and run to {2 * cfg['steps']}. Band columns: error per frequency band as a "
            "ratio to the base's (low r < ⅓, mid < ⅔, high ≥ ⅔ of Nyquist); q: measured local",
            "contraction factor of the refinement map at h_k. A demo-sized training; "
            "`sciml bench irno` is the real comparison.",
            "",
            *lines,
            "",
            "![refinement](figures/refinement.png)",
        ]
    )


DEMO_MATRICES = ("nos4", "gr_30_30", "bcsstk09", "pde2961", "poisson2d-32", "pyamg/airfoil")


def matrix_stage(ctx: DemoContext) -> str:
    from sciml.data.matrices import load_matrix, matrix_info
    from sciml.diagnostics.plots import plot_sparsity

    lines = [
        "| matrix | n | nnz | symmetric | SPD | λmin | λmax | source |",
        "|---|---:|---:|---|---|---:|---:|---|",
    ]
    for name in DEMO_MATRICES:
        info = matrix_info(name)
        lines.append(
            f"| `{name}` | {info['n']} | {info['nnz']} | {_yes(info['symmetric'])} | "
            f"{_yes(info['spd'])} | {_num(info.get('lambda_min'))} | "
            f"{_num(info.get('lambda_max'))} | {info['source']} |"
        )
    plot_sparsity({name: load_matrix(name) for name in DEMO_MATRICES}, ctx.figure("sparsity.png"))
    return "\n".join(
        [
            "A few matrices of the collection (`sciml matrices list` shows all of them):",
            "",
            *lines,
            "",
            "![sparsity](figures/sparsity.png)",
        ]
    )


def _yes(value: object) -> str:
    return {True: "yes", False: "no"}.get(value, str(value))  # type: ignore[arg-type]


def _num(value: object) -> str:
    return f"{value:.3g}" if isinstance(value, float | int | np.floating) else "–"


def preconditioner_stage(ctx: DemoContext) -> str:
    from solvers.demo import demo_stage

    return demo_stage(ctx.out, seed=ctx.seed, progress=ctx.progress)


def discovery_stage(ctx: DemoContext) -> str:
    from linalg_discovery.demo import demo_stage

    return demo_stage(ctx.out, seed=ctx.seed, progress=ctx.progress)


STAGES: list[tuple[str, Callable[[DemoContext], str]]] = [
    ("PDE data", pde_stage),
    ("Multi-resolution training", multires_stage),
    ("Iterative refinement (IRNO)", refinement_stage),
    ("Sparse matrices", matrix_stage),
    ("Learned polynomial preconditioner (AutoSpec)", preconditioner_stage),
    ("Discovering a preconditioner (RL4RLA)", discovery_stage),
]


def run_demo(out: str | os.PathLike = "demo-out", *, seed: int = 0, progress: bool = True) -> Path:
    """Run every stage and write ``out/report.md`` (figures under ``out/figures``).

    Parameters
    ----------
    out : str or os.PathLike
        The report folder; one demo at a time writes into it.
    seed : int
        Seed of every stage (an integer >= 0).
    progress : bool
        Show progress bars.

    Returns
    -------
    pathlib.Path
        The report.

    Raises
    ------
    ValueError
        For a bad ``seed``.
    FileExistsError
        If ``out`` is a file, or another demo is writing into it.
    """
    from sciml.core.files import LOCK_FILE, output_lock, write_text
    from sciml.core.rng import SEED_MAX, check_seed

    seed = check_seed(seed, maximum=SEED_MAX)
    ctx = DemoContext(Path(out), seed, progress)
    if ctx.out.is_file():
        raise FileExistsError(f"{ctx.out} is a file; name a folder for the demo's report")
    from sciml.training.run import RUN_KINDS

    for record, kind in RUN_KINDS.items():  # the demo writes runs/ and data/ into it
        if (ctx.out / record).exists():
            raise FileExistsError(
                f"{ctx.out} holds {kind} ({record}); name another folder for the demo's report"
            )
    with output_lock(ctx.out / LOCK_FILE, f"demo folder {ctx.out}"):
        ctx.figures.mkdir(parents=True, exist_ok=True)
        ctx.data.mkdir(parents=True, exist_ok=True)
        sections = ["# sciml demo", "", f"seed {seed}", ""]
        for title, stage in STAGES:
            start = time.perf_counter()
            body = stage(ctx)
            sections += [f"## {title}", "", body, "", f"_{time.perf_counter() - start:.1f} s_", ""]
        return write_text(ctx.out / "report.md", "\n".join(sections))

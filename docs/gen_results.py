# ruff: noqa: E501  (rows name long JSON key paths; splitting them would hide the paths)
"""Write the results pages (``docs/generated/results/*.md``) from ``benchmarks/results/*.json``.

Every figure in a generated table is read from a JSON file at build time: a table row is a
label and a function of a :class:`Reader`, which looks values up by key path and records
every path it read, so that each row also names the file and keys its figures come from.
Nothing here types a measured number; the prose beside the tables (what was met and missed)
is kept in ``docs/results/prose/<page>.md``. :func:`render_headlines` writes the README's
short table of headline figures (``python docs/gen_results.py --readme``).

``docs/conf.py`` runs :func:`main` before Sphinx reads the sources; ``python
docs/gen_results.py`` does the same by hand. A missing file or key stops the build with the
file and key named.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
RESULTS = ROOT / "benchmarks" / "results"
PROSE = DOCS / "results" / "prose"
OUT = DOCS / "generated" / "results"

DEFAULT_MACHINE = "2 CPU cores, no GPU (the development machine, often shared with other jobs)"


class Reader:
    """Values of the results files by key path, recording what was read.

    ``reader("a/b/0")`` is ``json["a"]["b"][0]`` of the current file;
    ``reader("other.json:a/b")`` reads another file; ``reader.each("runs/*/swing")`` lists the
    values under every key or index at ``*``.
    """

    def __init__(self, results: Path, default: str) -> None:
        self.results = results
        self.default = default
        self._cache: dict[str, Any] = {}
        self.used: dict[str, list[str]] = {}

    def load(self, name: str) -> Any:
        if name not in self._cache:
            path = self.results / name
            if not path.is_file():
                raise FileNotFoundError(f"results file {path} (read by docs/gen_results.py)")
            self._cache[name] = json.loads(path.read_text(encoding="utf-8"))
        return self._cache[name]

    def _split(self, path: str) -> tuple[str, list[str]]:
        name, sep, keys = path.partition(":")
        if not sep:
            name, keys = self.default, path
        return name, [k for k in keys.split("/") if k]

    def _record(self, name: str, keys: list[str]) -> None:
        joined = "/".join(keys)
        seen = self.used.setdefault(name, [])
        if joined not in seen:
            seen.append(joined)

    def __call__(self, path: str) -> Any:
        name, keys = self._split(path)
        self._record(name, keys)
        values = _lookup(self.load(name), keys, f"{name}:{'/'.join(keys)}")
        if len(values) != 1:
            raise KeyError(f"{name}:{path} matches {len(values)} values; use each()")
        return values[0]

    def each(self, path: str) -> list[Any]:
        name, keys = self._split(path)
        self._record(name, keys)
        return _lookup(self.load(name), keys, f"{name}:{'/'.join(keys)}")

    def sources(self) -> str:
        parts = []
        for name, keys in self.used.items():
            parts.append(f"`{name}`: " + ", ".join(f"`{k}`" for k in keys))
        return "; ".join(parts)


def _lookup(node: Any, keys: list[str], where: str) -> list[Any]:
    """The values at ``keys`` under ``node``; a dict key that itself holds "/" (such as
    ``"darcy/fitted"``) is matched by joining the following keys."""
    if not keys:
        return [node]
    key, rest = keys[0], keys[1:]
    if key == "*":
        items = node.values() if isinstance(node, dict) else node
        return [value for item in items for value in _lookup(item, rest, where)]
    if isinstance(node, dict):
        for n in range(len(keys), 0, -1):
            joined = "/".join(keys[:n])
            if joined in node:
                return _lookup(node[joined], keys[n:], where)
        raise KeyError(f"{where}: no key {key!r} (has {', '.join(map(str, node))})")
    if isinstance(node, list):
        return _lookup(node[int(key)], rest, where)
    raise KeyError(f"{where}: {key!r} asked of a {type(node).__name__}")


# ----------------------------------------------------------------------------- formatting


def x(value: float, digits: int = 2) -> str:
    """A ratio: ``1.31×``."""
    return f"{value:.{digits}f}×"


def pct(value: float, digits: int = 1) -> str:
    """A fraction as a percentage: ``14.2%``."""
    return f"{100 * value:.{digits}f}%"


def num(value: float, digits: int = 3) -> str:
    """``digits`` significant digits."""
    return f"{value:.{digits}g}"


def fixed(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}"


def minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def ms(seconds: float, digits: int = 3) -> str:
    return f"{1000 * seconds:.{digits}g} ms"


def slash(values: Iterable[str]) -> str:
    return " / ".join(values)


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def sq(resolution: Any) -> str:
    """A 2-D grid: ``64²``."""
    return f"{resolution}²"


# ----------------------------------------------------------------------------- page model

Text = str | Callable[[Reader], str]


@dataclass
class Row:
    """One table row: what the figure is, and the figure."""

    label: Text
    value: Callable[[Reader], str]


@dataclass
class Table:
    """The figures of one results file, with how they were made."""

    source: str
    title: Text
    command: str
    rows: list[Row]
    machine: Text = DEFAULT_MACHINE
    extra: Callable[[Reader], str] | None = None  # a further generated table (Markdown)


@dataclass
class Page:
    slug: str
    title: str
    intro: str
    tables: list[Table]
    prose: list[str] = field(default_factory=list)  # docs/results/prose/<name>.md


def _text(text: Text, reader: Reader) -> str:
    return text(reader) if callable(text) else text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_table(table: Table, results: Path = RESULTS) -> tuple[str, int]:
    """The Markdown of one table and its number of rows."""
    setting = Reader(results, table.source)
    lines = [
        f"### {_text(table.title, setting)}",
        "",
        f"- **File:** `benchmarks/results/{table.source}`",
        f"- **Reproduce:** `{table.command}`",
        f"- **Machine:** {_text(table.machine, setting)}",
        "",
        "| figure | value | read from |",
        "| --- | --- | --- |",
    ]
    for row in table.rows:
        reader = Reader(results, table.source)
        label = _text(row.label, reader)
        value = row.value(reader)
        lines.append(f"| {_cell(label)} | {_cell(value)} | {_cell(reader.sources())} |")
    lines.append("")
    if table.extra is not None:
        lines += [table.extra(Reader(results, table.source)), ""]
    return "\n".join(lines), len(table.rows)


def render_page(page: Page, results: Path = RESULTS, prose_dir: Path = PROSE) -> str:
    lines = [
        "<!-- generated by docs/gen_results.py from benchmarks/results/*.json; do not edit -->",
        "",
        f"# {page.title}",
        "",
        page.intro,
        "",
        "Every figure in the tables below is read from the JSON file named beside it when the",
        "documentation is built; ratios are measured in the same run.",
        "",
        "## Figures",
        "",
    ]
    for table in page.tables:
        text, _ = render_table(table, results)
        lines += [text, ""]
    if page.prose:
        lines += ["## What was met and missed", ""]
        for name in page.prose:
            lines += [(prose_dir / f"{name}.md").read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines)


def sources() -> list[str]:
    """Every results file the pages read (the tables' own files)."""
    return sorted({table.source for page in PAGES for table in page.tables})


def row_count() -> dict[str, int]:
    """Rows per table, ``"slug/source"`` → count."""
    return {
        f"{page.slug}/{table.source}": len(table.rows) for page in PAGES for table in page.tables
    }


def render_index() -> str:
    lines = [
        "<!-- generated by docs/gen_results.py; do not edit -->",
        "",
        "# Results",
        "",
        "Filled by the benchmarks (`sciml bench NAME --json FILE`, one module per benchmark",
        "under `benchmarks/`); each table names the command that reproduces it, the machine it",
        "ran on and the JSON file and keys each figure is read from. The pages are generated",
        "from `benchmarks/results/*.json` when the documentation is built: no figure is typed",
        "by hand.",
        "",
        "| page | results files |",
        "| --- | --- |",
    ]
    for page in PAGES:
        files = ", ".join(f"`{t.source}`" for t in page.tables)
        lines.append(f"| [{page.title}]({page.slug}.md) | {files} |")
    lines += ["", "```{toctree}", ":hidden:", ""]
    lines += [page.slug for page in PAGES]
    lines += ["```", ""]
    return "\n".join(lines)


def main(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    pages = [("index", render_index())] + [(page.slug, render_page(page)) for page in PAGES]
    for slug, text in pages:
        path = out / f"{slug}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# ----------------------------------------------------------------------------- the pages
# Rows follow the README's former results table; labels say what a figure is, values read it.


def _generator_rows() -> list[Row]:
    rows = []
    for name in ("darcy", "burgers", "navier-stokes", "kolmogorov"):
        one_d = name == "burgers"

        def label(r: Reader, name: str = name, one_d: bool = one_d) -> str:
            entries = [g for g in r.load("data.json")["generators"] if g["generator"] == name]
            grids = [str(g["resolution"]) if one_d else sq(g["resolution"]) for g in entries]
            return (
                f"`{name}` generator throughput, samples/s at {slash(grids)} (default parameters)"
            )

        def value(r: Reader, name: str = name) -> str:
            names = r.each("generators/*/generator")
            speeds = r.each("generators/*/samples_per_s")
            return slash(num(s) for n, s in zip(names, speeds, strict=True) if n == name)

        rows.append(Row(label, value))
    return rows


def _contrasts(r: Reader) -> list[float]:
    return sorted(float(c) for c in r.load(r.default)["contrast_scan_32"])


DATA = Page(
    slug="data",
    title="PDE data",
    intro=(
        "Speed of the PDE generators and of the Darcy solver, and how the `fno-darcy` preset "
        "compares with neuraloperator's Darcy files (see {doc}`/guide/pde-data`). The "
        "convergence orders of the solvers are checked by the tests (`pytest "
        "tests/test_darcy.py tests/test_navier_stokes.py tests/test_burgers.py`), not recorded "
        "in a results file, so they are not tabulated here."
    ),
    tables=[
        Table(
            source="data.json",
            title="Generators and the Darcy solver (`sciml bench data`)",
            command="sciml bench data --json benchmarks/results/data.json",
            rows=[
                Row(
                    lambda r: (
                        "Darcy solve, pyamg SA+CG over `scipy.sparse.linalg.spsolve`, speed-up at "
                        + slash(sq(v) for v in r.each("darcy_amg_vs_spsolve/*/resolution"))
                        + f" (same {r('darcy_amg_vs_spsolve/0/systems')} systems, setup included)"
                    ),
                    lambda r: slash(x(v) for v in r.each("darcy_amg_vs_spsolve/*/speedup")),
                ),
                Row(
                    "the same: largest relative difference between the two solutions",
                    lambda r: num(max(r.each("darcy_amg_vs_spsolve/*/max_rel_difference")), 2),
                ),
                *_generator_rows(),
                Row(
                    lambda r: (
                        "Navier–Stokes seconds per time step, batch of "
                        f"{r('navier_stokes_step/0/batch')}, at "
                        + slash(sq(v) for v in r.each("navier_stokes_step/*/resolution"))
                        + " (float64, CPU)"
                    ),
                    lambda r: slash(ms(v) for v in r.each("navier_stokes_step/*/s_per_step")),
                ),
            ],
        ),
        Table(
            source="darcy-presets.json",
            title="The `fno-darcy` preset against neuraloperator's Darcy files",
            command="sciml bench darcy-presets --json benchmarks/results/darcy-presets.json",
            rows=[
                Row(
                    "the project's solver on the files' own coefficient fields, relative L2 to "
                    "their solutions with no normalisation, 32² / 16²",
                    lambda r: slash(
                        pct(r(f"solver_rel_l2_no_normalisation/{k}")) for k in ("32", "16")
                    ),
                ),
                Row(
                    "the published convention (a ∈ {12, 3}, cell centres), relative L2 after the "
                    "best scale, 32²",
                    lambda r: pct(r("published_12_3_cells_rel_l2_best_scale")),
                ),
                Row(
                    lambda r: (
                        "relative L2 after the best scale against the contrast a_high / a_low, "
                        "32²: contrast " + slash(f"{c:g}" for c in _contrasts(r))
                    ),
                    lambda r: slash(
                        pct(r(f"contrast_scan_32/{key}/rel_l2"))
                        for key in sorted(r.load(r.default)["contrast_scan_32"], key=float)
                    ),
                ),
                Row(
                    "the preset's coefficient in the files' units, a_high / a_low; forcing",
                    lambda r: f"{r('preset/a_high')} / {r('preset/a_low')}; {r('preset/forcing')}",
                ),
                Row(
                    lambda r: (
                        "agreement of the indicator 1[g ≥ 0] at lags "
                        + slash(str(v) for v in r("indicator_agreement_at_lags/lags"))
                        + " nodes (32²): the files"
                    ),
                    lambda r: slash(fixed(v, 3) for v in r("indicator_agreement_at_lags/files")),
                ),
                Row(
                    "the same for the periodic GRF (the preset's field)",
                    lambda r: slash(fixed(v, 3) for v in r("indicator_agreement_at_lags/periodic")),
                ),
                Row(
                    "the same for the Neumann (cosine) field of the FNO scripts",
                    lambda r: slash(fixed(v, 3) for v in r("indicator_agreement_at_lags/cosine")),
                ),
            ],
        ),
        Table(
            source="fno-darcy-run32.json",
            title="An FNO trained only on `fno-darcy` data, scored on neuraloperator's test files",
            command=(
                "sciml data generate darcy --preset fno-darcy --n 1100 --resolution 32 --seed 0 "
                "--out fno32.h5; sciml train --data fno32.h5 --resolutions 32 --epochs 30 "
                "--modes 12 --batch-size 32 --out run32; sciml evaluate run32 --json "
                "benchmarks/results/fno-darcy-own-32.json; sciml evaluate run32 --data "
                "tests/data/neuralop/darcy_test_32.pt --json "
                "benchmarks/results/fno-darcy-on-neuralop-32.json (16²: sciml train --data "
                "fno32.h5 --resolutions 16 --epochs 40 --modes 8 --batch-size 32 --out run16, "
                "--epochs 100 --out run16long)"
            ),
            machine=lambda r: str(r("note")),
            rows=[
                Row(
                    lambda r: (
                        f"trained at 32² ({r('epochs')} epochs, hidden "
                        f"{r('run/model/hidden_channels')}, {r('run/model/n_modes/0')} modes, batch "
                        f"{r('run/spec/batch_size')}): relative L2 on its own test split ("
                        f"{r('fno-darcy-own-32.json:n_samples')} samples) / on `darcy_test_32.pt` "
                        f"({r('fno-darcy-on-neuralop-32.json:n_samples')} samples); ratio"
                    ),
                    lambda r: (
                        f"{pct(r('fno-darcy-own-32.json:errors/32/rel_l2'))} / "
                        f"{pct(r('fno-darcy-on-neuralop-32.json:errors/32/rel_l2'))}; "
                        + x(
                            r("fno-darcy-on-neuralop-32.json:errors/32/rel_l2")
                            / r("fno-darcy-own-32.json:errors/32/rel_l2")
                        )
                    ),
                ),
                *[
                    Row(
                        lambda r, run=run: (
                            f"trained at 16² (stride view of the same file, "
                            f"{r(f'{run}.json:run/model/n_modes/0')} modes), "
                            f"{r(f'{run}.json:epochs')} epochs: own test split / "
                            f"`darcy_test_16.pt`; ratio"
                        ),
                        lambda r, run=run: (
                            f"{pct(r(f'{run}-own-16.json:errors/16/rel_l2'))} / "
                            f"{pct(r(f'{run}-on-neuralop-16.json:errors/16/rel_l2'))}; "
                            + x(
                                r(f"{run}-on-neuralop-16.json:errors/16/rel_l2")
                                / r(f"{run}-own-16.json:errors/16/rel_l2")
                            )
                        ),
                    )
                    for run in ("fno-darcy-run16", "fno-darcy-run16long")
                ],
            ],
        ),
    ],
    prose=["data"],
)


def _swing_rows(prefix: str = "") -> list[Row]:
    return [
        Row(
            lambda r: (
                "MSE swing (max/min over the test resolutions): " + slash(r.each("runs/*/train"))
            ),
            lambda r: slash(fixed(v) for v in r.each("runs/*/swing")),
        )
    ]


def _runs_table(r: Reader) -> str:
    """Every run of a multires file: mix, cost, test MSE per resolution, swing."""
    runs = r.load(r.default)["runs"]
    resolutions = sorted({int(k) for run in runs for k in run["mse"]})
    head = " | ".join(f"MSE at {sq(res)}" for res in resolutions)
    lines = [
        f"All runs (`runs/*` of `{r.default}`):",
        "",
        f"| run | mix | points per sample / all-finest | epochs | {head} | swing | train s |",
        "| --- | --- | --- | --- | " + " | ".join("---" for _ in resolutions) + " | --- | --- |",
    ]
    for run in runs:
        mix = slash(f"{m:.2g}" for m in run["mix"]) or "incremental"
        epochs = str(run.get("epochs", "–"))
        mse = " | ".join(num(run["mse"][str(res)]) for res in resolutions)
        lines.append(
            f"| {run['train']} | {mix} | {pct(run['cost_fraction_of_highest'])} | {epochs} | "
            f"{mse} | {fixed(run['swing'])} | {run['train_seconds']:.0f} |"
        )
    return "\n".join(lines)


def _problem_title(r: Reader, mode: str) -> str:
    p = r.load(r.default)["problems"][0]
    model = p["model"]
    return (
        f"Multi-resolution training, {mode}: {p['equation'].capitalize()} at {sq(p['native'])}, "
        f"strided views {slash(str(v) for v in p['resolutions'])}, {p['samples']} samples, "
        f"FNO hidden {model['hidden_channels']}, {model['n_modes'][0]} modes"
    )


def _uniform_over_best(r: Reader, run_name: str) -> str:
    runs = r.load(r.default)["runs"]
    r.each("runs/*/mse")
    singles = [run for run in runs if run["train"].startswith("single-")]
    uniform = next(run for run in runs if run["train"] == run_name)
    ratios = [
        uniform["mse"][k] / min(run["mse"][k] for run in singles)
        for k in sorted(uniform["mse"], key=int)
    ]
    return slash(fixed(v) for v in ratios)


MULTIRES = Page(
    slug="multires",
    title="Multi-resolution training",
    intro=(
        "Single-resolution training against mixes of resolutions (Sakarvadia et al.), the "
        "cost of each and the trainer's speed (see {doc}`/guide/training`). The swing of a "
        "model is its largest test MSE over the resolutions divided by its smallest."
    ),
    tables=[
        Table(
            source="multires-quick.json",
            title=lambda r: _problem_title(r, "quick") + f", {r('train/epochs')} epochs",
            command="sciml bench multires --quick --json benchmarks/results/multires-quick.json",
            machine="2 idle CPU cores",
            rows=[
                *_swing_rows(),
                Row(
                    "70%-lowest mix: average grid points per sample as a fraction of all-finest",
                    lambda r: pct(r("targets/darcy/mix_70_lowest_cost_fraction")),
                ),
                Row(
                    "uniform mix: worst MSE ratio to the best single-resolution model at a test "
                    "resolution",
                    lambda r: x(r("targets/darcy/uniform_worst_mse_over_best_single")),
                ),
                Row(
                    lambda r: (
                        "trainer samples/s over neuraloperator's `Trainer` (same FNO, "
                        f"{r('throughput/samples')} samples at {sq(r('throughput/resolution'))}, "
                        f"median of {len(r('throughput/sciml_each'))} alternating turns)"
                    ),
                    lambda r: fixed(r("throughput/ratio")),
                ),
                Row("wall time of the whole quick run", lambda r: minutes(r("seconds"))),
            ],
            extra=_runs_table,
        ),
        Table(
            source="multires-standard.json",
            title=lambda r: (
                _problem_title(r, "standard")
                + (
                    f"; chunks of {r('settings/chunk')} epochs to a < {pct(r('settings/plateau'), 0)} "
                    f"validation plateau ({r('settings/validation_n')} validation samples of another "
                    f"seed), at most {r('settings/max_epochs')} epochs"
                )
            ),
            command=(
                "OMP_NUM_THREADS=1 sciml bench multires --standard --json "
                "benchmarks/results/multires-standard.json"
            ),
            machine="2 CPU cores shared with other jobs, one thread",
            rows=[
                *_swing_rows(),
                Row(
                    lambda r: (
                        "uniform mix, MSE over the best single-resolution model at "
                        + slash(sq(k) for k in sorted(r.load(r.default)["runs"][0]["mse"], key=int))
                    ),
                    lambda r: _uniform_over_best(r, "mix-uniform"),
                ),
                Row(
                    "the same for the uniform mix trained to the epoch cap; worst of each",
                    lambda r: (
                        _uniform_over_best(r, "mix-uniform-max-epochs")
                        + f"; worst {x(r('targets/darcy/uniform_worst_mse_over_best_single'))} / "
                        f"{x(r('targets/uniform_no_stop_worst_mse_over_best_single'))}"
                    ),
                ),
                Row(
                    "the best single-resolution models' own swing (best MSE at each resolution)",
                    lambda r: fixed(r("targets/best_single_swing"), 1),
                ),
                Row(
                    "70%-lowest mix cost as a fraction of all-finest: grid points per sample / "
                    "measured seconds per epoch",
                    lambda r: (
                        f"{pct(r('targets/darcy/mix_70_lowest_cost_fraction'))} / "
                        f"{pct(r('targets/mix_70_lowest_time_fraction_per_epoch'))}"
                    ),
                ),
                Row(
                    lambda r: (
                        "held out (every model tested on Darcy with a_high / a_low = "
                        f"{r('settings/held_out/params/a_high'):g} / "
                        f"{r('settings/held_out/params/a_low'):g}): MSE swing of "
                        + slash(r.each("runs/*/train"))
                    ),
                    lambda r: slash(fixed(v) for v in r.each("runs/*/held_out/swing")),
                ),
                Row(
                    "training time of all runs",
                    lambda r: minutes(sum(r.each("runs/*/train_seconds"))),
                ),
            ],
            extra=_runs_table,
        ),
        Table(
            source="resolution-cost.json",
            title="Cost of a training step against the resolution",
            command="sciml bench resolution-cost --json benchmarks/results/resolution-cost.json",
            machine=lambda r: str(r("machine")),
            rows=[
                Row(
                    lambda r: (
                        f"seconds per training step (batch {r('batch_size')}, FNO hidden "
                        f"{r('model/hidden_channels')}, {r('model/n_modes/0')} modes) at "
                        + slash(sq(v) for v in r("resolutions"))
                    ),
                    lambda r: (
                        slash(fixed(r(f"seconds_per_batch/{v}"), 3) for v in r("resolutions"))
                        + " s"
                    ),
                ),
                Row(
                    "70%-lowest mix: step time per sample as a fraction of all-finest / grid "
                    "points as a fraction",
                    lambda r: (
                        f"{pct(r('mix_70_lowest_time_fraction'))} / "
                        f"{pct(r('mix_70_lowest_points_fraction'))}"
                    ),
                ),
                Row(
                    lambda r: f"optimiser share of the step at {sq(r('resolutions/0'))}",
                    lambda r: pct(r(f"optimizer_share_of_step/{r('resolutions/0')}"), 0),
                ),
            ],
        ),
        Table(
            source="throughput.json",
            title="Our trainer against neuraloperator's",
            command="sciml bench throughput --json benchmarks/results/throughput.json",
            machine="2 CPU cores shared with other jobs",
            rows=[
                Row(
                    lambda r: (
                        "our `Trainer.fit` over neuraloperator's `Trainer.train` in samples/s, "
                        f"median of {len(r('sciml_each'))} turns each ({r('samples')} Darcy "
                        f"samples at {sq(r('resolution'))}, batch {r('batch_size')}, "
                        f"{r('epochs')} epochs; {r('timed')})"
                    ),
                    lambda r: fixed(r("ratio")),
                ),
                Row(
                    "median of the per-turn ratios; spread of the turns, samples/s (ours; theirs)",
                    lambda r: (
                        fixed(
                            median(
                                a / b
                                for a, b in zip(r("sciml_each"), r("neuralop_each"), strict=True)
                            )
                        )
                        + f"; {min(r('sciml_each')):.0f}–{max(r('sciml_each')):.0f}; "
                        f"{min(r('neuralop_each')):.0f}–{max(r('neuralop_each')):.0f}"
                    ),
                ),
            ],
        ),
    ],
    prose=["multires"],
)


def _irno_title(r: Reader, label: str) -> str:
    s = r("settings")
    p = s["problem"]
    base, refine = s["base"], s["refine"]
    return (
        f"IRNO, {label}: Kolmogorov ν = {p['params']['nu']:g} at {sq(p['native'])}, seen at "
        f"{sq(p['resolution'])}, {p['n']} trajectories; base FNO width {base['width']}, "
        f"{base['modes']} modes; {refine['kind']} refiner width {refine['width']} depth "
        f"{refine['depth']}, α = {refine['alpha']:g}, L = {refine['lipschitz']:g}, "
        f"K = {refine['steps']}, {refine['epochs']} epochs at lr {refine['lr']:g}"
    )


def _irno_rows() -> list[Row]:
    p = "problems/kolmogorov"

    def at(r: Reader, step: int) -> float:
        return r(f"{p}/irno_rel_l2/{step - 1}")  # irno_rel_l2[k - 1] is step k

    def k(r: Reader) -> int:
        return int(r("settings/refine/steps"))

    return [
        Row(
            lambda r: (
                f"test relative L2: base / IRNO at K / at the validation-chosen step "
                f"({r(f'{p}/chosen_step')}) / at 2K; reduction at K"
            ),
            lambda r: (
                slash(
                    fixed(v, 4)
                    for v in (
                        r(f"{p}/base_rel_l2"),
                        at(r, k(r)),
                        r(f"{p}/chosen_step_test_rel_l2"),
                        at(r, 2 * k(r)),
                    )
                )
                + f"; {pct(r(f'{p}/reduction'))}"
            ),
        ),
        Row(
            lambda r: (
                f"controls (test rel. L2): base trained on ({r(f'{p}/controls/base_longer/schedule')}, "
                f"+{r(f'{p}/controls/base_longer/epochs')} epochs) / FLOP-matched FNO (width "
                f"{r(f'{p}/controls/wide_single_pass/hidden_channels')}, "
                f"{r(f'{p}/controls/wide_single_pass/epochs')} epochs) / single-pass corrector "
                f"(same U-Net, {r(f'{p}/controls/single_pass/epochs')} epochs)"
            ),
            lambda r: slash(
                fixed(r(f"{p}/controls/{c}/rel_l2"), 4)
                for c in ("base_longer", "wide_single_pass", "single_pass")
            ),
        ),
        Row(
            "error per band at K over the base's (low / mid / high); max measured q (bound "
            "1 − α(1 − L))",
            lambda r: (
                slash(fixed(r(f"{p}/band_ratio/{b}"), 3) for b in ("low", "mid", "high"))
                + f"; {fixed(max(r(f'{p}/q')), 3)} ({fixed(r(f'{p}/q_bound'))})"
            ),
        ),
        Row(
            "forward cost per sample, FFTs counted (MFLOP, ms): base / IRNO at K / base trained "
            "on / FLOP-matched FNO / single pass",
            lambda r: slash(
                f"{r(f'{p}/{key}/flops') / 1e6:.1f}, {1000 * r(f'{p}/{key}/seconds_per_sample'):.2f}"
                for key in (
                    "base",
                    "irno_cost_at_k",
                    "controls/base_longer",
                    "controls/wide_single_pass",
                    "controls/single_pass",
                )
            ),
        ),
        Row(
            "refiner training time / single-pass corrector's training time",
            lambda r: (
                f"{r(f'{p}/refine_training_seconds'):.0f} s / "
                f"{r(f'{p}/controls/single_pass/training_seconds'):.0f} s"
            ),
        ),
        Row("wall time of the whole run", lambda r: minutes(r("seconds"))),
    ]


def _targets_table(r: Reader) -> str:
    """The file's ``targets``: every key with its value (booleans: met or not)."""
    data = r.load(r.default)["targets"]
    lines = [f"Targets as the benchmark records them (`targets` of `{r.default}`):", ""]
    lines += ["| target | value |", "| --- | --- |"]

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(value, f"{name}/")
            else:
                if isinstance(value, bool):
                    shown = "met" if value else "missed"
                elif isinstance(value, float):
                    shown = num(value, 4)
                else:
                    shown = str(value)
                lines.append(f"| `{_cell(name)}` | {_cell(shown)} |")

    walk(data, "")
    return "\n".join(lines)


def _irno_table(source: str, label: str, command: str) -> Table:
    return Table(
        source=source,
        title=lambda r: _irno_title(r, label),
        command=command,
        machine=lambda r: (
            f"{r('device')} (torch {r('torch')})"
            + ("" if r("device") != "cpu" else "; 2 CPU cores shared with other jobs, one thread")
        ),
        rows=_irno_rows(),
        extra=_targets_table,
    )


def _experiments_table(r: Reader) -> str:
    variants = r.load(r.default)["variants"]
    lines = [
        f"Every variant (`variants/*` of `{r.default}`; validation trajectories):",
        "",
        "| variant | epochs | lr | width | val. at K | val. at 2K | max q | train s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, v in variants.items():
        s = v.get("settings", {})
        lines.append(
            f"| {_cell(name)} | {v['epochs']} | {s.get('lr', '–')} | {s.get('width', '–')} | "
            f"{fixed(v['val_at_k'], 4)} | {fixed(v['val_at_2k'], 4)} | {fixed(v['q_max'], 2)} | "
            f"{v['train_seconds']:.0f} |"
        )
    return "\n".join(lines)


def _attempts_table(r: Reader) -> str:
    lines = [
        f"Every attempt (`attempts/*` of `{r.default}`):",
        "",
        "| attempt | commit | wall seconds | outcome |",
        "| --- | --- | --- | --- |",
    ]
    for i, attempt in enumerate(r.load(r.default)["attempts"], start=1):
        lines.append(
            f"| {i} | {_cell(attempt['commit'])} | {attempt['wall_seconds']:.0f} | "
            f"{_cell(attempt['outcome'])} |"
        )
    return "\n".join(lines)


IRNO = Page(
    slug="irno",
    title="Iterative refinement (IRNO)",
    intro=(
        "A frozen base operator refined by the contractive fixed-point iteration, against "
        "three controls of equal or larger budget (see {doc}`/guide/refinement`). Trajectories "
        "are disjoint between training, validation and test; every choice is made on "
        "validation; FLOPs count the FFTs."
    ),
    tables=[
        _irno_table(
            "irno-quick.json",
            "quick",
            "OMP_NUM_THREADS=1 sciml bench irno --quick --json benchmarks/results/irno-quick.json",
        ),
        _irno_table(
            "irno-standard.json",
            "standard",
            "OMP_NUM_THREADS=1 sciml bench irno --standard --json "
            "benchmarks/results/irno-standard.json",
        ),
        _irno_table(
            "irno-gpu.json",
            "GPU",
            "sciml bench irno --gpu --json benchmarks/results/irno-gpu.json",
        ),
        Table(
            source="irno-experiments.json",
            title=lambda r: f"Refiner design choices: {r('what')}",
            command=(
                "python -m benchmarks.irno_experiments BASE_RUN --json "
                "benchmarks/results/irno-experiments.json --only N"
            ),
            machine=lambda r: str(r("machine")),
            rows=[
                Row(
                    "the chosen refiner (as recorded)",
                    lambda r: str(r("chosen")),
                ),
            ],
            extra=_experiments_table,
        ),
        Table(
            source="irno-gpu-attempts.json",
            title=lambda r: f"The GPU mode's attempts ({r('benchmark')})",
            command="sciml bench irno --gpu --json benchmarks/results/irno-gpu.json",
            machine=lambda r: str(r("device")),
            rows=[
                Row(
                    "attempts made; outcome",
                    lambda r: f"{len(r('attempts'))}; {r('note')}",
                ),
            ],
            extra=_attempts_table,
        ),
    ],
    prose=["irno"],
)


def _q(key: str) -> Callable[[Reader], float]:
    return lambda r: r(f"summary/{key}")


def _heldout(method: str, key: str) -> Callable[[Reader], float]:
    return lambda r: r(f"summary/heldout/{method}/{key}")


AUTOSPEC = Page(
    slug="autospec",
    title="Learned preconditioners and spectral methods (AutoSpec)",
    intro=(
        "Learned polynomial preconditioners in CG against Jacobi-CG, Chebyshev and the other "
        "classical polynomials; f(A)b; eigenvalues; families; distributed CG and its cost "
        "model (see {doc}`/guide/preconditioners`). Matvecs include the 20-step Lanczos probe; "
        "the reference is Jacobi-CG on the same scaled operator."
    ),
    tables=[
        Table(
            source="autospec-quick.json",
            title=lambda r: (
                f"AutoSpec, quick: {len(r.load(r.default)['summary']['per_matrix'])} shipped real "
                f"SPD matrices, degree {r('degree')}, CG to rtol {r('rtol'):g}, probe included"
            ),
            command=(
                "OMP_NUM_THREADS=1 sciml bench autospec --quick --json "
                "benchmarks/results/autospec-quick.json"
            ),
            rows=[
                Row(
                    "median matvecs of the learned preconditioner over Jacobi-CG",
                    lambda r: x(r("summary/median/learned_over_reference_matvecs")),
                ),
                Row(
                    "median global reductions (inner products of probe + solve), Jacobi-CG over "
                    "learned; outer iterations alone",
                    lambda r: (
                        f"{x(r('summary/median/reference_over_learned_reductions'), 1)} fewer; "
                        f"{x(r('summary/median/reference_over_learned_iterations'), 1)}"
                    ),
                ),
                Row(
                    "median matvecs, learned over Chebyshev of the same degree on the same probe "
                    "(interval [θ_min, u] / [u/30, u])",
                    lambda r: (
                        f"{fixed(r('summary/median/learned_over_chebyshev_matvecs'))} / "
                        f"{fixed(r('summary/median/learned_over_chebyshev30_matvecs'))}"
                    ),
                ),
                Row(
                    lambda r: (
                        f"f(A)b error (median of {len(r.load(r.default)['funm'])} cases): learned "
                        "over the Chebyshev interpolant on the same probe / over Lanczos at equal "
                        "total matvecs"
                    ),
                    lambda r: (
                        f"{fixed(r('summary/targets/funm_error_le_0.1x_chebyshev/value'))} / "
                        f"{x(r('summary/targets/funm_error_le_lanczos_equal_total_matvecs/value'), 0)}"
                    ),
                ),
                Row(
                    "f(A)b error with the probe amortised over many right-hand sides, learned "
                    "over Lanczos with d matvecs",
                    lambda r: fixed(r("summary/funm_learned_probe_amortised_over_lanczos_d")),
                ),
                Row(
                    lambda r: (
                        "f(A)b on structured spectra ("
                        f"{r('summary/funm_structured/rows')} cases): error of the polynomial "
                        "fitted to the probe's spectral measure over the Chebyshev interpolant, "
                        "equal total matvecs: median / exp / step / inv / invsqrt; cases ≤ 0.1"
                    ),
                    lambda r: (
                        slash(
                            [fixed(r("summary/funm_structured/median_measure_over/chebyshev"))]
                            + [
                                num(
                                    r(
                                        "summary/funm_structured/median_measure_over_by_function/"
                                        f"{f}/chebyshev"
                                    ),
                                    2,
                                )
                                for f in ("exp", "step", "inv", "invsqrt")
                            ]
                        )
                        + f"; {r('summary/funm_structured/rows_le_0.1x_chebyshev')} of "
                        f"{r('summary/funm_structured/rows')}"
                    ),
                ),
                Row(
                    "the same over Lanczos at equal total matvecs for one vector / for a block "
                    "of right-hand sides sharing the probe; cases ≤ 1 (one vector; block)",
                    lambda r: (
                        f"{x(r('summary/funm_structured/median_measure_over/lanczos'), 0)} / "
                        f"{fixed(r('summary/funm_structured/median_measure_over/lanczos-block'))}; "
                        f"{r('summary/funm_structured/rows_le_lanczos_equal_totals')}; "
                        f"{r('summary/funm_structured/rows_le_lanczos_block')}"
                    ),
                ),
                Row(
                    "fallbacks (polynomial not positive, counted as the method used): solves of "
                    "gmres-poly that fell back; learned",
                    lambda r: (
                        f"{len(r('summary/fallbacks'))} "
                        f"({', '.join(sorted({f['matrix'] for f in r('summary/fallbacks')}))}); "
                        f"{len(r('summary/learned_fell_back_on'))}"
                    ),
                ),
                *[
                    Row(
                        f"held-out operators (never seen in training, matrix-free): median total "
                        f"matvecs of {method} over the better of plain CG and Jacobi-CG / over "
                        f"Chebyshev of the same degree",
                        lambda r, method=method: (
                            x(_heldout(method, "median_matvecs_over_best_of_cg_and_jacobi_cg")(r))
                            + " / "
                            + fixed(
                                _heldout(method, "median_matvecs_over_chebyshev_same_degree")(r)
                            )
                        ),
                    )
                    for method in ("learned", "chebyshev", "auto", "auto-matvecs")
                ],
                *[
                    Row(
                        f"family `{family}`: fitted model's median matvecs over Chebyshev on the "
                        "same probe / over Jacobi-CG; Jacobi-CG reductions over the model's "
                        "(shipped model alike)",
                        lambda r, family=family: "; ".join(
                            f"{kind} {fixed(r(f'summary/families/{family}/{kind}/matvecs_over_chebyshev'))} / "
                            f"{fixed(r(f'summary/families/{family}/{kind}/matvecs_over_jacobi_cg'))}, "
                            f"{x(r(f'summary/families/{family}/{kind}/jacobi_cg_over_reductions'), 1)}"
                            for kind in ("fitted", "shipped")
                        ),
                    )
                    for family in ("darcy", "anisotropic")
                ],
                Row(
                    lambda r: (
                        f"distributed CG on 2 gloo processes ({', '.join(r.each('distributed/*/name'))}): "
                        "wall time per solve, Jacobi-CG over learned, median (per system)"
                    ),
                    lambda r: (
                        x(r("summary/distributed/median_learned_speedup_over_jacobi_cg"))
                        + " ("
                        + slash(
                            fixed(v) for v in r.each("distributed/*/learned_speedup_over_jacobi")
                        )
                        + ")"
                    ),
                ),
                Row(
                    "cost model vs measured solve time: max / median error; crossover t_red/t_mv "
                    "above which the learned polynomial wins; measured t_red/t_mv",
                    lambda r: (
                        f"{pct(r('summary/distributed/max_abs_cost_model_error'), 0)} / "
                        f"{pct(r('summary/distributed/median_abs_cost_model_error'), 0)}; "
                        f"{fixed(min(r('summary/distributed/crossover_t_red_over_t_mv')))}–"
                        f"{fixed(max(r('summary/distributed/crossover_t_red_over_t_mv')))}; "
                        f"{fixed(min(r('summary/distributed/measured_t_red_over_t_mv')))}–"
                        f"{fixed(max(r('summary/distributed/measured_t_red_over_t_mv')))}"
                    ),
                ),
                Row(
                    lambda r: (
                        f"matvecs to {r('eigs/0/k')} eigenpairs over ARPACK (median of "
                        f"{len(r.load(r.default)['eigs'])} cases): filtered subspace iteration "
                        "with the learned filter / with Chebyshev; learned over Chebyshev filter"
                    ),
                    lambda r: (
                        f"{x(r('summary/targets/learned_filter_matvecs_le_arpack/value'), 1)} / "
                        f"{x(r('summary/targets/eig_matvecs_le_arpack/value'), 1)}; "
                        f"{fixed(r('summary/targets/learned_filter_vs_chebyshev_filter_matvecs/value'))}"
                    ),
                ),
                Row(
                    "filtered Lanczos (ARPACK on a degree-2 Chebyshev filter) over ARPACK: all "
                    "cases / where ARPACK passes the inertia check (how many); over the "
                    "Chebyshev-filtered subspace iteration",
                    lambda r: (
                        f"{x(r('summary/targets/filtered_lanczos_matvecs_le_2x_arpack/value'))} / "
                        f"{x(r('summary/targets/filtered_lanczos_matvecs_le_2x_arpack/value_where_arpack_converged'))} "
                        f"({r('summary/targets/filtered_lanczos_matvecs_le_2x_arpack/arpack_converged')} of "
                        f"{r('summary/targets/filtered_lanczos_matvecs_le_2x_arpack/cases')}); "
                        f"{x(r('summary/targets/filtered_lanczos_matvecs_le_0.75x_chebyshev_filter/value'))}"
                    ),
                ),
                Row(
                    "median wall time: filtered Lanczos / ARPACK / filtered subspace iteration",
                    lambda r: slash(
                        ms(median(r.each(f"eigs/*/{m}/seconds")), 2)
                        for m in ("filtered-lanczos", "arpack", "filtered")
                    ),
                ),
                Row(
                    "median wall time: learned / Jacobi-CG / pyamg SA / ILU+GMRES",
                    lambda r: slash(
                        ms(r(f"summary/median/{k}"), 2)
                        for k in (
                            "learned_seconds",
                            "jacobi_seconds",
                            "pyamg_seconds",
                            "ilu_gmres_seconds",
                        )
                    ),
                ),
            ],
            extra=lambda r: _autospec_targets(r),
        ),
        Table(
            source="autospec-distributed-gpu.json",
            title=lambda r: (
                f"Distributed CG on a GPU ({r('world')} rank, torch sparse CSR, NCCL; "
                f"{', '.join(r.each('rows/*/name'))})"
            ),
            command=(
                "python -m benchmarks.autospec_distributed --json "
                "benchmarks/results/autospec-distributed-gpu.json"
            ),
            machine=lambda r: f"{r('device')} (torch {r('torch')})",
            rows=[
                Row(
                    "learned-polynomial CG over Jacobi-CG in wall time, per matrix (median)",
                    lambda r: (
                        slash(fixed(v) for v in r.each("rows/*/learned_speedup_over_jacobi"))
                        + f" ({fixed(r('summary/median_learned_speedup_over_jacobi_cg'))})"
                    ),
                ),
                Row(
                    "Chebyshev-polynomial CG over Jacobi-CG in wall time, per matrix",
                    lambda r: slash(
                        fixed(j / c)
                        for j, c in zip(
                            r.each("rows/*/jacobi/seconds"),
                            r.each("rows/*/chebyshev/seconds"),
                            strict=True,
                        )
                    ),
                ),
                Row(
                    "cost model error (max / median); measured t_red/t_mv against the crossover",
                    lambda r: (
                        f"{pct(r('summary/max_abs_cost_model_error'), 0)} / "
                        f"{pct(r('summary/median_abs_cost_model_error'), 0)}; "
                        f"{fixed(min(r('summary/measured_t_red_over_t_mv')))}–"
                        f"{fixed(max(r('summary/measured_t_red_over_t_mv')))} against "
                        f"{fixed(min(r('summary/crossover_t_red_over_t_mv')))}–"
                        f"{fixed(max(r('summary/crossover_t_red_over_t_mv')))}"
                    ),
                ),
            ],
        ),
        Table(
            source="autospec-full.json",
            title=lambda r: (
                f"AutoSpec, full mode: {len(r.load(r.default)['summary']['per_matrix'])} matrices, "
                f"degree {r('degree')}, CG to rtol {r('rtol'):g}"
            ),
            command="sciml bench autospec --json benchmarks/results/autospec-full.json",
            rows=[
                Row(
                    "median matvecs of the learned preconditioner over Jacobi-CG; Jacobi-CG "
                    "outer iterations over learned; learned over Chebyshev of the same degree",
                    lambda r: (
                        f"{x(r('summary/median/learned_over_reference_matvecs'))}; "
                        f"{x(r('summary/median/reference_over_learned_iterations'), 1)}; "
                        f"{fixed(r('summary/median/learned_over_chebyshev_matvecs'))}"
                    ),
                ),
                Row(
                    "median wall time: learned / Jacobi-CG / pyamg SA / ILU+GMRES",
                    lambda r: slash(
                        ms(r(f"summary/median/{k}"), 2)
                        for k in (
                            "learned_seconds",
                            "jacobi_seconds",
                            "pyamg_seconds",
                            "ilu_gmres_seconds",
                        )
                    ),
                ),
                Row("wall time of the whole run", lambda r: minutes(r("seconds"))),
            ],
        ),
    ],
    prose=["autospec"],
)


def _autospec_targets(r: Reader) -> str:
    targets = r.load(r.default)["summary"]["targets"]
    lines = [
        f"Targets as the benchmark records them (`summary/targets` of `{r.default}`):",
        "",
        "| target | value | target value | met |",
        "| --- | --- | --- | --- |",
    ]
    for name, t in targets.items():
        lines.append(
            f"| `{name}` | {num(t['value'], 4)} | {num(t['target'], 4)} | "
            f"{'met' if t['met'] else 'missed'} |"
        )
    return "\n".join(lines)


def _solver_rows(size: str, label: str) -> list[Row]:
    m = f"rl4rla-solver.json:{size}/methods"
    return [
        Row(
            f"`solvers.lstsq` over the fastest LAPACK path at equal accuracy, {label}",
            lambda r: (
                x(r(f"{m}/solvers.lstsq/speedup_vs_fastest_lapack"))
                + f" (fastest: {r(f'rl4rla-solver.json:{size}/fastest_lapack')}; passes over A "
                f"{r(f'{m}/solvers.lstsq/passes_over_A')})"
            ),
        )
    ]


RL4RLA = Page(
    slug="rl4rla",
    title="Discovering algorithms: least squares (RL4RLA)",
    intro=(
        "Searches over programs of typed instructions (MCGS, MCTS, random search) on the "
        "least-squares curriculum, their cost counted the same way (simulations, unique "
        "program evaluations, interpreter time, wall time), and the exported solver against "
        "LAPACK (see {doc}`/guide/discovery`)."
    ),
    tables=[
        Table(
            source="rl4rla-quick.json",
            title=lambda r: (
                f"RL4RLA, quick: {len(r.load(r.default)['summary']['mcts_over_mcgs_by_stage_median'])} "
                f"curriculum stages × seeds {slash(str(s) for s in r('seeds'))}, "
                f"{r('problem_size/0')}×{r('problem_size/1')} problems"
            ),
            command=(
                "OMP_NUM_THREADS=1 sciml bench rl4rla --quick --json "
                "benchmarks/results/rl4rla-quick.json"
            ),
            machine="2 CPU cores shared with other jobs, one thread",
            rows=[
                Row(
                    "stages found by MCGS / MCTS / random search",
                    lambda r: (
                        slash(str(r(f"summary/found/{s}")) for s in ("mcgs", "mcts", "random"))
                        + f" of {r('summary/runs_per_search')}"
                    ),
                ),
                Row(
                    "MCTS over MCGS, all stages: simulations / unique program evaluations / "
                    "wall time",
                    lambda r: slash(
                        x(r(f"summary/mcts_over_mcgs_total/{k}"))
                        for k in ("simulations", "evaluations", "seconds")
                    ),
                ),
                Row(
                    "mid-condition stage, slowest seed",
                    lambda r: f"{r('summary/mid_condition_stage_seconds_max'):.1f} s",
                ),
                Row(
                    lambda r: (
                        "exported sketch-and-precondition solver at equal accuracy, speed over the "
                        f"fastest LAPACK path ({r('solver/fastest_lapack')}); Householder QR over "
                        "the same; with a larger sketch and fewer steps (d = "
                        f"{r('solver/exported-d16-k8/sketch_factor')}n, "
                        f"{r('solver/exported-d16-k8/lsqr_steps')} steps)"
                    ),
                    lambda r: (
                        f"{x(r('solver/exported/speedup_vs_fastest_lapack'))}; "
                        f"{x(r('solver/householder-qr/speedup_vs_fastest_lapack'))}; "
                        f"{x(r('solver/exported-d16-k8/speedup_vs_fastest_lapack'))}"
                    ),
                ),
                Row(
                    lambda r: (
                        "the same solver: passes over A "
                        f"({r('solver/bytes_per_pass') / 1e6:.0f} MB each); bandwidth-bound floor "
                        "over its time"
                    ),
                    lambda r: (
                        f"{r('solver/exported/passes_over_A')}; "
                        f"{fixed(r('solver/exported/bandwidth_floor_seconds') / r('solver/exported/seconds'))}"
                    ),
                ),
                Row(
                    "property check in the quick run: environment steps / random programs; "
                    "exceptions",
                    lambda r: (
                        f"{r('property/steps')} / {r('property/programs')}; "
                        f"{r('property/exceptions')}"
                    ),
                ),
                Row("wall time of the whole quick run", lambda r: minutes(r("seconds"))),
            ],
            extra=lambda r: _rl4rla_targets(r),
        ),
        Table(
            source="rl4rla-robustness.json",
            title=lambda r: (
                f"Robustness: MCGS on every path, seeds {r('seeds/0')}–{r('seeds/-1')} (used nowhere "
                "else)"
            ),
            command=(
                "OMP_NUM_THREADS=1 python -m benchmarks.bench_rl4rla robustness --json "
                "benchmarks/results/rl4rla-robustness.json"
            ),
            machine="2 CPU cores shared with other jobs, one thread",
            rows=[
                Row(
                    "seeds finding every stage of every path",
                    lambda r: (
                        f"{r('seeds_finding_every_stage_of_every_path')} of {len(r('seeds'))} "
                        f"(failures: {len(r('failures'))})"
                    ),
                ),
                Row(
                    "largest share of a stage's simulation budget used (stage: most simulations "
                    "of budget)",
                    lambda r: "; ".join(
                        f"{name} {v['max']} of {v['budget']} ({pct(v['max_fraction_of_budget'])})"
                        for name, v in sorted(
                            r("per_stage_budget_used").items(),
                            key=lambda kv: -kv[1]["max_fraction_of_budget"],
                        )[:2]
                    ),
                ),
                Row("wall time", lambda r: minutes(r("seconds"))),
            ],
        ),
        Table(
            source="rl4rla-property-full.json",
            title="Property check, full mode",
            command=(
                "OMP_NUM_THREADS=1 python -m benchmarks.bench_rl4rla property --steps 100000 "
                "--programs 10000 --json benchmarks/results/rl4rla-property-full.json"
            ),
            machine="2 CPU cores shared with other jobs, one thread",
            rows=[
                Row(
                    "random legal environment steps (all stages) / random programs through the "
                    "interpreter; exceptions raised; episodes (of which zero-reward)",
                    lambda r: (
                        f"{r('steps')} / {r('programs')}; {r('exceptions')}; {r('episodes')} "
                        f"({r('zero_reward_episodes')})"
                    ),
                ),
                Row(
                    "the earlier reduced run (`rl4rla-property.json`): steps / programs; "
                    "exceptions",
                    lambda r: (
                        f"{r('rl4rla-property.json:steps')} / {r('rl4rla-property.json:programs')}; "
                        f"{r('rl4rla-property.json:exceptions')}"
                    ),
                ),
                Row("wall time", lambda r: minutes(r("seconds"))),
            ],
        ),
        Table(
            source="rl4rla-hard.json",
            title=lambda r: (
                "Hard stages (no preconditioning given): "
                + ", ".join(r.load(r.default)["per_stage"])
                + f"; seeds {', '.join(str(s) for s in r('seeds'))}; "
                f"{r('budget_per_insertion')} simulations per insertion"
            ),
            command=(
                "OMP_NUM_THREADS=1 python -m benchmarks.bench_rl4rla hard --seeds "
                "42,43,44,200,201,202 --budget 100 --workers 1 --json "
                "benchmarks/results/rl4rla-hard.json"
            ),
            machine="2 CPU cores shared with other jobs, one process",
            rows=[
                Row(
                    "targets found by MCGS / MCTS / random search (random at MCGS's evaluation "
                    "count)",
                    lambda r: (
                        slash(str(r(f"found/{s}")) for s in ("mcgs", "mcts", "random"))
                        + f" of {r('runs_per_search')}"
                    ),
                ),
                *[
                    Row(
                        f"`{stage}`: insertions; uniform rollouts per target hit along the direct "
                        "paths; best reward on those paths by depth",
                        lambda r, stage=stage: (
                            f"{r(f'per_stage/{stage}/depth')}; "
                            f"{num(r(f'per_stage/{stage}/rollouts_per_hit'), 2)}; "
                            + slash(
                                num(v, 2)
                                for v in r(
                                    f"per_stage/{stage}/best_reward_on_direct_paths_by_depth"
                                )
                            )
                        ),
                    )
                    for stage in ("hard-sketch-and-precondition", "hard-newton-sketch")
                ],
                Row(
                    "MCTS over MCGS, median: unique evaluations / wall time",
                    lambda r: slash(
                        x(r(f"mcts_over_mcgs_median/{k}")) for k in ("evaluations", "seconds")
                    ),
                ),
                Row(
                    "MCGS transposition rate (links reaching a known program), median per stage",
                    lambda r: slash(
                        fixed(v) for v in r.each("per_stage/*/mcgs_transposition_rate_median")
                    ),
                ),
                Row(
                    "programs evaluated (unique within each run) / of them with a reward above 0",
                    lambda r: (
                        f"{sum(r.each('runs/*/evaluations'))} / "
                        f"{round(sum(e * s for e, s in zip(r.each('runs/*/evaluations'), r.each('runs/*/nonzero_reward_share'), strict=True)))}"
                    ),
                ),
                Row("wall time", lambda r: minutes(r("seconds"))),
            ],
        ),
        Table(
            source="rl4rla-solver.json",
            title=lambda r: (
                f"The callable solver against LAPACK (OpenMP threads {r('omp_num_threads')}, "
                f"median of {r('repeats')} rounds side by side)"
            ),
            command=(
                "OMP_NUM_THREADS=1 python -m benchmarks.bench_rl4rla solver --json "
                "benchmarks/results/rl4rla-solver.json"
            ),
            machine="2 CPU cores shared with other jobs",
            rows=[
                *_solver_rows("100000x500", "100000×500, κ = 1e6"),
                *_solver_rows("20000x200", "20000×200, κ = 1e6"),
                Row(
                    "sparse 200000×1000, 1% density: `solvers.lstsq` over gelsy on the densified A "
                    "/ over SciPy's sparse LSQR; normal-equations residual of each",
                    lambda r: (
                        x(r("200000x1000 sparse 1%/methods/solvers.lstsq/speedup_vs_gelsy"), 1)
                        + " / "
                        + x(
                            r("200000x1000 sparse 1%/methods/solvers.lstsq/speedup_vs_gelsy")
                            / r("200000x1000 sparse 1%/methods/scipy.sparse.lsqr/speedup_vs_gelsy"),
                            3,
                        )
                        + f"; {num(r('200000x1000 sparse 1%/methods/solvers.lstsq/normal_residual'), 2)}"
                        f" / {num(r('200000x1000 sparse 1%/methods/scipy.sparse.lsqr/normal_residual'), 2)}"
                    ),
                ),
            ],
        ),
    ],
    prose=["rl4rla"],
)


def _rl4rla_targets(r: Reader) -> str:
    targets = r.load(r.default)["targets"]
    lines = [
        f"Targets as the benchmark records them (`targets` of `{r.default}`):",
        "",
        "| target | value | target value | met |",
        "| --- | --- | --- | --- |",
    ]
    for name, t in targets.items():
        value = t["value"] if isinstance(t["value"], str) else num(t["value"], 4)
        target = num(t["target"], 4) if "target" in t else "–"
        lines.append(f"| `{name}` | {value} | {target} | {'met' if t['met'] else 'missed'} |")
    return "\n".join(lines)


LOWRANK = Page(
    slug="lowrank",
    title="Discovering algorithms: low rank",
    intro=(
        "The low-rank family: searches on the `randomized-svd` and `nystrom` paths, and the "
        "discovered randomized SVD against SciPy's `svds` (see {doc}`/guide/discovery`)."
    ),
    tables=[
        Table(
            source="lowrank.json",
            title="Low-rank searches and the discovered randomized SVD",
            command="OMP_NUM_THREADS=1 sciml bench lowrank --json benchmarks/results/lowrank.json",
            machine=lambda r: (
                f"2 CPU cores shared with other jobs, OpenMP threads {r('omp_num_threads')}"
            ),
            rows=[
                Row(
                    "stages found by MCGS / MCTS / random search (random drawing as many "
                    "programs as MCGS ran unique ones)",
                    lambda r: (
                        slash(
                            str(r(f"search/summary/{s}/found")) for s in ("mcgs", "mcts", "random")
                        )
                        + f" of {r('search/summary/mcgs/of')}"
                    ),
                ),
                Row(
                    "unique program evaluations, MCGS / MCTS; simulations, MCTS over MCGS",
                    lambda r: (
                        f"{r('search/summary/mcgs/evaluations')} / "
                        f"{r('search/summary/mcts/evaluations')}; "
                        + x(
                            r("search/summary/mcts/simulations")
                            / r("search/summary/mcgs/simulations"),
                            1,
                        )
                    ),
                ),
                Row(
                    "discovered program found; agrees with `solvers.randomized_svd` on fresh "
                    "problems (largest relative difference)",
                    lambda r: (
                        f"{r('discovered/found')}; {r('discovered/agrees')} "
                        f"({num(r('discovered/max_relative_difference'), 2)})"
                    ),
                ),
                Row(
                    lambda r: (
                        f"discovered randomized SVD, rank {r('solver/rank')}, "
                        f"{r('solver/shape/0')}×{r('solver/shape/1')}, held-out seeds "
                        f"{slash(str(s) for s in r('solver/test_seeds'))}, p = "
                        f"{r('solver/choice/rsvd/oversampling')} and q = "
                        f"{r('solver/choice/rsvd/power_iterations')} chosen on validation: "
                        "rank-k error over the optimal, worst of the tests"
                    ),
                    lambda r: fixed(r("solver/max_test_error_ratio"), 3),
                ),
                Row(
                    lambda r: (
                        "speed over `scipy.sparse.linalg.svds`, fastest of ARPACK and PROPACK at "
                        f"tol {r('solver/choice/svds/arpack/tol')}: min / median (median of "
                        f"{r('solver/rounds')} rounds each)"
                    ),
                    lambda r: (
                        f"{x(r('solver/min_speedup_over_fastest_svds'))} / "
                        f"{x(r('solver/median_speedup_over_fastest_svds'))}"
                    ),
                ),
                Row(
                    "Nyström stage, error over the optimum per seed: one-pass Nyström; the "
                    "two-pass randomized SVD (no power iteration) from the same sketch",
                    lambda r: (
                        slash(fixed(v) for v in r("nystrom_stage/nystrom"))
                        + "; "
                        + slash(fixed(v) for v in r("nystrom_stage/randomized_svd_q0"))
                    ),
                ),
                Row(
                    lambda r: (
                        f"robustness: MCGS on both paths, seeds {r('robustness/seeds/0')}–{r('robustness/seeds/1')}: "
                        "paths found (largest share of a stage's simulation budget used)"
                    ),
                    lambda r: (
                        f"{r('robustness/paths_found')} of {r('robustness/of')} "
                        f"({pct(r('robustness/largest_budget_share'), 2)})"
                    ),
                ),
                Row("wall time of the whole benchmark", lambda r: f"{r('seconds'):.0f} s"),
            ],
        ),
    ],
    prose=["lowrank"],
)


PAGES: list[Page] = [DATA, MULTIRES, IRNO, AUTOSPEC, RL4RLA, LOWRANK]


# ----------------------------------------------------------------------------- README headlines
# The README's short results table: a few figures per capability, what was met and what was
# missed, each read from its JSON file like the pages' rows and linked to the page's prose.
# ``python docs/gen_results.py --readme`` writes it between the README's markers;
# ``tests/test_docs.py`` checks that the README holds exactly what this renders.

README = ROOT / "README.md"
README_START = "<!-- headline-results:start -->"
README_END = "<!-- headline-results:end -->"


@dataclass
class Headline:
    """One row of the README's headline table: a row of results page ``slug``, read from
    ``source`` (the default file of its :class:`Reader`)."""

    slug: str
    capability: str
    source: str
    row: Row


def verdict(met: bool, target: str) -> str:
    """``target 2×: missed``."""
    return f"target {target}: {'met' if met else 'missed'}"


def _target(r: Reader, key: str, fmt: Callable[[float], str], goal: str) -> str:
    """A benchmark's own recorded target (``{value, target, met}``): the value and the verdict;
    ``goal`` formats the target (``"≤ {}×"``)."""
    target = goal.format(f"{r(f'{key}/target'):g}")
    return f"{fmt(r(f'{key}/value'))} ({verdict(r(f'{key}/met'), target)})"


def _swing_of(r: Reader, run: str) -> float:
    names, swings = r.each("runs/*/train"), r.each("runs/*/swing")
    return dict(zip(names, swings, strict=True))[run]


def _irno_headline(r: Reader) -> str:
    p = "problems/kolmogorov"
    k = int(r("settings/refine/steps"))
    return (
        f"{fixed(r(f'{p}/base_rel_l2'), 4)} → {fixed(r(f'{p}/irno_rel_l2/{k - 1}'), 4)} "
        f"(−{pct(r(f'{p}/reduction'))}, {verdict(r('targets/kolmogorov/reduction_ge_0.45'), '≥ 45%')}); "
        f"single-pass corrector {fixed(r(f'{p}/controls/single_pass/rel_l2'), 4)}"
    )


def _lowrank_headline(r: Reader) -> str:
    error = r("solver/max_test_error_ratio")
    low, mid = (
        r("solver/min_speedup_over_fastest_svds"),
        r("solver/median_speedup_over_fastest_svds"),
    )
    return (
        f"{fixed(error, 3)}× ({verdict(error <= 1.1, '≤ 1.1×')}); "
        f"{fixed(low)}–{x(mid)} ({verdict(low >= 3.0, '≥ 3×')})"
    )


HEADLINES: list[Headline] = [
    Headline(
        "data",
        "PDE data",
        "darcy-presets.json",
        Row(
            "`fno-darcy` preset vs neuraloperator's Darcy files: our solver on their "
            "coefficients, rel. L2 to their solutions at 32² / 16²; the FNO paper's stated "
            "a ∈ {12, 3} (best scale)",
            lambda r: (
                slash(pct(r(f"solver_rel_l2_no_normalisation/{k}")) for k in ("32", "16"))
                + f"; {pct(r('published_12_3_cells_rel_l2_best_scale'), 0)}"
            ),
        ),
    ),
    Headline(
        "multires",
        "multi-resolution training",
        "multires-standard.json",
        Row(
            lambda r: (
                f"Darcy, views {sq(r('problems/0/resolutions/0'))}–"
                f"{sq(r('problems/0/resolutions/-1'))}, trained to a plateau: test-MSE swing "
                "across resolutions, 70%-lowest mix vs single finest grid; the mix's cost "
                "share (grid points / s per epoch)"
            ),
            lambda r: (
                f"{fixed(_swing_of(r, 'mix-70-lowest'))} "
                f"({verdict(_swing_of(r, 'mix-70-lowest') <= 1.3, '≤ 1.3')}) against "
                f"{fixed(_swing_of(r, 'single-' + str(r('problems/0/resolutions/-1'))), 1)}; "
                f"{pct(r('targets/darcy/mix_70_lowest_cost_fraction'))} / "
                f"{pct(r('targets/mix_70_lowest_time_fraction_per_epoch'))} "
                f"({verdict(r('targets/mix_70_lowest_time_le_0.2'), '≤ 20%')})"
            ),
        ),
    ),
    Headline(
        "irno",
        "iterative refinement (IRNO)",
        "irno-standard.json",
        Row(
            lambda r: (
                f"Kolmogorov, {r('settings/base/modes')}-mode FNO base + contractive refiner, "
                f"K = {r('settings/refine/steps')}: test rel. L2 base → at K; single-pass "
                "control (same U-Net, trained as long)"
            ),
            _irno_headline,
        ),
    ),
    Headline(
        "autospec",
        "learned preconditioners",
        "autospec-quick.json",
        Row(
            lambda r: (
                f"CG, {len(r.load(r.default)['summary']['per_matrix'])} real SPD matrices, "
                f"degree {r('degree')}, probe counted (medians): matvecs over Chebyshev; over "
                "Jacobi-CG; Jacobi-CG's global reductions over learned"
            ),
            lambda r: "; ".join(
                (
                    _target(
                        r,
                        "summary/targets/learned_vs_chebyshev_probe_interval_25pct_fewer",
                        fixed,
                        "≤ {}",
                    ),
                    _target(r, "summary/targets/learned_matvecs_le_1.2x_reference", x, "≤ {}×"),
                    _target(
                        r,
                        "summary/targets/reductions_ge_5x_fewer_probe_included",
                        lambda v: x(v, 1),
                        "≥ {}×",
                    ),
                )
            ),
        ),
    ),
    Headline(
        "autospec",
        "learned preconditioners",
        "autospec-quick.json",
        Row(
            lambda r: (
                f"distributed CG, Jacobi-CG over learned in wall time (median of "
                f"{len(r('distributed'))} systems): 2 gloo ranks on CPU; 1 H200 rank (NCCL)"
            ),
            lambda r: (
                f"{x(r('summary/distributed/median_learned_speedup_over_jacobi_cg'))} "
                f"({verdict(r('summary/distributed/target_speedup_1.5x_met'), '≥ 1.5×')}); "
                f"{x(r('autospec-distributed-gpu.json:summary/median_learned_speedup_over_jacobi_cg'))} "
                f"({verdict(r('autospec-distributed-gpu.json:summary/target_speedup_1.5x_met'), '≥ 1.5×')})"
            ),
        ),
    ),
    Headline(
        "rl4rla",
        "algorithm discovery",
        "rl4rla-quick.json",
        Row(
            "least-squares curriculum: stages found by MCGS (MCTS, random search); MCTS "
            "over MCGS in wall time",
            lambda r: (
                f"{r('summary/found/mcgs')} of {r('summary/runs_per_search')} "
                f"({r('summary/found/mcts')}, {r('summary/found/random')}); "
                + _target(r, "targets/mcgs_less_wall_time_than_mcts", x, "≥ {}×")
            ),
        ),
    ),
    Headline(
        "rl4rla",
        "algorithm discovery",
        "rl4rla-hard.json",
        Row(
            "two hard stages, no preconditioning given (sketch-and-precondition, Newton "
            "Sketch): targets found by MCGS / MCTS / random search",
            lambda r: (
                slash(str(r(f"found/{s}")) for s in ("mcgs", "mcts", "random"))
                + f" of {r('runs_per_search')}"
            ),
        ),
    ),
    Headline(
        "rl4rla",
        "discovered solvers",
        "rl4rla-quick.json",
        Row(
            "discovered sketch-and-precondition `lstsq` over the fastest LAPACK path at "
            "equal accuracy, κ = 1e6: 20000×200; 100000×500",
            lambda r: (
                _target(
                    r,
                    "targets/exported_solver_speedup_vs_fastest_lapack_at_equal_accuracy",
                    x,
                    "≥ {}×",
                )
                + "; "
                + x(
                    r(
                        "rl4rla-solver.json:100000x500/methods/solvers.lstsq/speedup_vs_fastest_lapack"
                    )
                )
            ),
        ),
    ),
    Headline(
        "lowrank",
        "discovered solvers",
        "lowrank.json",
        Row(
            lambda r: (
                f"discovered `randomized_svd`, rank {r('solver/rank')}, "
                f"{r('solver/shape/0')}×{r('solver/shape/1')}, held-out matrices: error over "
                "the optimum (worst); speed over SciPy's `svds` (min–median)"
            ),
            _lowrank_headline,
        ),
    ),
]


def render_headlines(results: Path = RESULTS) -> str:
    """The README's headline table (Markdown), every figure read from its JSON file."""
    slugs = {page.slug for page in PAGES}
    lines = [
        "| capability | what is measured | figure | results |",
        "| --- | --- | --- | --- |",
    ]
    for headline in HEADLINES:
        if headline.slug not in slugs:
            raise KeyError(f"headline names no results page {headline.slug!r}")
        reader = Reader(results, headline.source)
        label = _text(headline.row.label, reader)
        value = headline.row.value(reader)
        link = f"[{headline.slug}](docs/results/prose/{headline.slug}.md)"
        files = ", ".join(f"`{name}`" for name in reader.used)
        lines.append(
            f"| {_cell(headline.capability)} | {_cell(label)} | {_cell(value)} | {link} ({files}) |"
        )
    return "\n".join(lines) + "\n"


def readme_region(text: str) -> str:
    """What the README holds between its headline markers."""
    _, start, rest = text.partition(README_START)
    body, end, _ = rest.partition(README_END)
    if not start or not end:
        raise ValueError(f"README.md lacks {README_START} ... {README_END}")
    return body.strip("\n") + "\n"


def update_readme(path: Path = README) -> bool:
    """Rewrite the README's headline region from the JSON files; True if it changed."""
    text = path.read_text(encoding="utf-8")
    readme_region(text)  # the markers are there
    head, _, rest = text.partition(README_START)
    _, _, tail = rest.partition(README_END)
    new = f"{head}{README_START}\n{render_headlines()}{README_END}{tail}"
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    import sys

    if "--readme" in sys.argv[1:]:
        print(f"{README}: {'rewritten' if update_readme() else 'unchanged'}")
    else:
        for path in main():
            print(path)

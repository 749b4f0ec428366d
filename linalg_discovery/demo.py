"""A short discovery for ``sciml demo``: MCGS and MCTS on the preconditioner stage."""

from __future__ import annotations

from pathlib import Path

from linalg_discovery.curriculum import stages
from linalg_discovery.export import to_source
from linalg_discovery.plots import plot_search_curves
from linalg_discovery.search import SearchConfig, search_stage
from linalg_discovery.task import Task

DEMO_STAGE = "midcond-preconditioner"


def demo_stage(out_dir: Path, seed: int = 42, progress: bool = False) -> str:
    """Search the stage that discovers R1 = (AᵀA)⁻¹ from QR(A) with MCGS and with MCTS (about
    10–20 s on one core), plot best reward against simulations to
    ``out_dir/figures/rl4rla-search.png`` and return a Markdown section with the found program
    (NumPy source) and the figure."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    out_dir = Path(out_dir)
    stage = stages()[DEMO_STAGE]
    results = {}
    for search in ("mcgs", "mcts"):
        if progress:
            print(f"rl4rla demo: {search} on {DEMO_STAGE} ...", flush=True)
        results[search] = search_stage(Task(stage, seed), SearchConfig(search=search), seed)
    figure = plot_search_curves(
        {k.upper(): r.history for k, r in results.items()},
        out_dir / "figures" / "rl4rla-search.png",
        f"stage {DEMO_STAGE}, seed {seed}",
    )
    mcgs, mcts = results["mcgs"], results["mcts"]
    rows = "\n".join(
        f"| {k.upper()} | {r.found} | {r.simulations} | {r.nodes} | {r.merged_nodes} | "
        f"{r.seconds:.1f} |"
        for k, r in results.items()
    )
    return (
        f"{stage.description}. Monte Carlo Graph Search merges equivalent partial programs; "
        f"it needed {mcgs.simulations} simulations against {mcts.simulations} for MCTS "
        f"({mcts.simulations / max(mcgs.simulations, 1):.1f}×).\n\n"
        "| search | target found | simulations | nodes | merged nodes | seconds |\n"
        "|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        "Program found by MCGS, exported as NumPy:\n\n"
        f"```python\n{to_source(mcgs.program, stage.settings)}```\n\n"
        f"![search]({figure.relative_to(out_dir).as_posix()})\n"
    )

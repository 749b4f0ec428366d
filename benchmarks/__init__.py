"""Benchmark scripts, one per capability: ``sciml bench NAME [--quick] [--json FILE]``.

A script ``benchmarks/bench_NAME.py`` defines ``run(quick: bool, progress: bool) -> dict`` (the
figures, baselines measured in the same run) and may define ``plot(results, path)``.
"""

from __future__ import annotations

import inspect
import json
import os
import pkgutil
from importlib import import_module
from typing import Any

from sciml.core.files import write_json


def benchmark_names() -> list[str]:
    return sorted(
        info.name.removeprefix("bench_").replace("_", "-")
        for info in pkgutil.iter_modules(__path__)
        if info.name.startswith("bench_")
    )


def run_benchmark(
    name: str,
    *,
    json_path: str | os.PathLike | None = None,
    quick: bool = False,
    progress: bool = True,
    **modes: bool,
) -> dict[str, Any]:
    """Run ``benchmarks/bench_NAME.py``; write its figures to ``json_path`` and a PNG beside it.
    ``modes`` (e.g. ``gpu=True``) are passed on to scripts that offer them."""
    if name not in benchmark_names():
        raise ValueError(
            f"unknown benchmark {name!r}; choose one of {', '.join(benchmark_names())}"
        )
    module = import_module(f"benchmarks.bench_{name.replace('-', '_')}")
    offered = inspect.signature(module.run).parameters
    unknown = sorted(m for m, on in modes.items() if on and m not in offered)
    if unknown:
        raise ValueError(f"benchmark {name!r} has no --{'/--'.join(unknown)} mode")
    chosen = {m: on for m, on in modes.items() if on}
    results = module.run(quick=quick, progress=progress, **chosen)
    if json_path is None:
        print(json.dumps(results, indent=2, sort_keys=True))
        return results
    path = write_json(json_path, results)
    if hasattr(module, "plot"):
        module.plot(results, path.with_suffix(".png"))
    print(f"wrote {path}")
    return results

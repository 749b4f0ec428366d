"""The import directions of the design: sciml.core imports nothing else of the project,
sciml.data only sciml.core, solvers and linalg_discovery only sciml.core and sciml.data (never
each other). Every import counts, also those inside functions."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("sciml", "solvers", "linalg_discovery", "benchmarks")

ALLOWED = {
    "sciml.core": ("sciml.core",),
    "sciml.data": ("sciml.core", "sciml.data"),
    "solvers": ("sciml.core", "sciml.data", "solvers"),
    "linalg_discovery": ("sciml.core", "sciml.data", "linalg_discovery"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    package = _module_name(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if path.name != "__init__.py":
                    base = base[:-1]
                base = base[: len(base) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
    # "module:attribute" entries of registries are imports too
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            head, sep, _ = node.value.partition(":")
            if sep and head.split(".")[0] in PROJECT and head.replace(".", "").isidentifier():
                found.add(head)
    return {name for name in found if name.split(".")[0] in PROJECT}


def _inside(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_the_design_allows(layer):
    folder = ROOT.joinpath(*layer.split("."))
    broken = []
    for path in sorted(folder.rglob("*.py")):
        for name in sorted(_imports(path)):
            if name != "sciml" and not _inside(name, ALLOWED[layer]):
                broken.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not broken, "\n".join(broken)


def test_the_check_sees_imports_inside_functions_and_registry_entries():
    sample = ROOT / "sciml" / "cli.py"
    assert "linalg_discovery.discovery" in _imports(sample)  # imported inside _discover
    registry = ROOT / "solvers" / "methods.py"
    assert {"solvers.baselines", "solvers.preconditioner"} <= _imports(registry)

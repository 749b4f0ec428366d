"""Package attributes imported on first use, so that importing a package (the CLI listing a
registry, ``import solvers``) does not import torch or SciPy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` for ``package``: attribute ``name`` is
    ``exports[name]``'s attribute of that name, imported when first asked for.

    Examples
    --------
    >>> __getattr__ = lazy_exports("demo", {"sqrt": "math"})
    >>> __getattr__("sqrt")(16.0)
    4.0
    >>> __getattr__("cbrt")
    Traceback (most recent call last):
    ...
    AttributeError: module 'demo' has no attribute 'cbrt'
    """

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__

"""Package attributes imported on first use, so that importing a package (the CLI listing a
registry, ``import solvers``) does not import torch or SciPy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level ``__getattr__`` that imports a package's exports on first use.

    Attribute ``name`` of ``package`` is the attribute of the same name of the module
    ``exports[name]``, imported when first asked for (:pep:`562`), so that importing the
    package imports nothing heavy.

    Parameters
    ----------
    package : str
        The package's name (``__name__``), for the error message.
    exports : Mapping[str, str]
        Exported name → dotted name of the module that defines it.

    Returns
    -------
    Callable[[str], Any]
        The ``__getattr__(name)`` to assign at module level. It raises ``AttributeError``
        (as Python expects of ``__getattr__``) for a name not in ``exports``, and whatever
        the import raises for a module that cannot be imported.

    Raises
    ------
    AttributeError
        Raised by the returned function, not by this one, for a name not in ``exports``.

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

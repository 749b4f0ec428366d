"""A registry: the one place an extension point (PDE generators, operator models,
preconditioner methods, searches) lists its entries, name → builder."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Any


class Registry:
    """Names mapped to entries (builders, classes, specs), in the order they were added.

    An entry given as a string ``"package.module:attribute"`` is imported on first use, so
    that listing the names (a CLI's choices and help) imports nothing heavy.

    Parameters
    ----------
    kind : str
        What the entries are, for error messages ("PDE", "operator model", ...).

    Examples
    --------
    >>> shapes = Registry("shape")
    >>> def square(side):
    ...     return side * side
    >>> shapes.register("square", square, help="side²")
    >>> shapes.register("sqrt", "math:sqrt", help="imported on first use")
    >>> shapes["square"](3), shapes["sqrt"](9.0)
    (9, 3.0)
    >>> shapes.names()
    ('square', 'sqrt')
    >>> shapes["circle"]
    Traceback (most recent call last):
    ...
    ValueError: unknown shape 'circle'; choose from 'square', 'sqrt'
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Any] = {}
        self._help: dict[str, str] = {}

    def register(self, name: str, entry: Any, *, help: str = "") -> None:  # noqa: A002
        """Add ``entry`` (or a ``"module:attribute"`` string) under ``name``; a taken name
        raises ``ValueError``."""
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.kind} name must be a non-empty string, got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        self._help[name] = help

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a plug-in that is unloaded, a test's toy entry)."""
        self.check(name)
        del self._entries[name], self._help[name]

    def check(self, name: object, argument: str | None = None) -> str:
        """``name`` if registered, else ``ValueError('unknown <kind> ...; choose from ...')``."""
        if not isinstance(name, str) or name not in self._entries:
            known = ", ".join(repr(n) for n in self._entries)
            what = f"{argument}: " if argument else ""
            raise ValueError(f"{what}unknown {self.kind} {name!r}; choose from {known}")
        return name

    def __getitem__(self, name: str) -> Any:
        entry = self._entries[self.check(name)]
        if isinstance(entry, str):
            module, _, attribute = entry.partition(":")
            entry = getattr(import_module(module), attribute)
            self._entries[name] = entry
        return entry

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """The registered names, in the order they were added."""
        return tuple(self._entries)

    def help(self) -> str:
        """One line for a CLI's help: each name with its description."""
        return "; ".join(f"{n} ({h})" if h else n for n, h in self._help.items())

"""A registry: the one place an extension point (PDE generators, operator models,
preconditioner methods, searches) lists its entries, name → builder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    """Names mapped to entries (builders, classes, specs), in the order they were added.

    Parameters
    ----------
    kind : str
        What the entries are, for error messages ("PDE", "operator model", ...).

    Examples
    --------
    >>> shapes = Registry("shape")
    >>> @shapes.register("square")
    ... def square(side):
    ...     return side * side
    >>> shapes["square"](3)
    9
    >>> shapes.names()
    ('square',)
    >>> shapes["circle"]
    Traceback (most recent call last):
    ...
    ValueError: unknown shape 'circle'; choose from 'square'
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T | None = None) -> Callable[[T], T] | T:
        """Add ``entry`` under ``name`` (or use as a decorator); a taken name raises."""

        def add(item: T) -> T:
            if name in self._entries:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._entries[name] = item
            return item

        return add if entry is None else add(entry)

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a plug-in that is unloaded, a test's toy entry)."""
        self[name]
        del self._entries[name]

    def __getitem__(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            known = ", ".join(repr(n) for n in self._entries)
            raise ValueError(f"unknown {self.kind} {name!r}; choose from {known}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """The registered names, in the order they were added."""
        return tuple(self._entries)

    def items(self) -> list[tuple[str, T]]:
        """(name, entry) pairs, in the order they were added."""
        return list(self._entries.items())

    def help(self, describe: Callable[[str, T], str] | None = None) -> str:
        """One line for a CLI's help: the names, with ``describe(name, entry)`` when given."""
        if describe is None:
            return ", ".join(self._entries)
        return "; ".join(f"{n}: {describe(n, e)}" for n, e in self._entries.items())

"""Atomic file writes: the content goes to a temporary name in the same folder, then one
``os.replace`` renames it, so that a reader or a killed process never sees a half-written file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on a clean exit rename it to ``path``.

    Parent folders are created. On an exception the temporary file is removed and ``path``
    is left as it was; temporary files of ``path`` left by a killed process (one no longer
    running) are removed too. The temporary name keeps the suffix, so writers that choose a
    format by suffix (matplotlib) still work.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.

    Yields
    ------
    pathlib.Path
        Where to write the content.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(path)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _remove_orphans(path: Path) -> None:
    """Delete ``.<stem>.<pid>.tmp<suffix>`` next to ``path`` whose process has ended."""
    for leftover in path.parent.glob(f".{glob_escape(path.stem)}.*.tmp{glob_escape(path.suffix)}"):
        pid = leftover.name[len(path.stem) + 2 :].partition(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            leftover.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically; returns the path.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> write_text(Path(tempfile.mkdtemp()) / "a" / "note.md", "# hi").read_text()
    '# hi'
    """
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """``payload`` as indented JSON with sorted keys, written atomically; returns the path.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> p = write_json(Path(tempfile.mkdtemp()) / "r.json", {"b": 1, "a": [2]})
    >>> json.loads(p.read_text())
    {'a': [2], 'b': 1}
    """
    return write_text(path, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_npz(path: str | os.PathLike, arrays: Mapping[str, Any]) -> Path:
    """NumPy arrays as an uncompressed ``.npz`` archive, written atomically."""
    import numpy as np

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return Path(path)


def save_torch(path: str | os.PathLike, payload: Any) -> Path:
    """``torch.save(payload)`` atomically (checkpoints, models); returns the path."""
    import torch

    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return Path(path)


def load_torch(path: str | os.PathLike, *, what: str = "file", map_location: Any = "cpu") -> Any:
    """``torch.load(path, weights_only=True)`` with one-line ``ValueError``s: a torch archive
    whose pickle needs objects other than tensors is refused for safety, anything unreadable
    names the first line of the cause; ``what`` ("checkpoint", "model file") leads the message.
    """
    import pickle
    import zipfile

    import torch

    try:
        return torch.load(Path(path), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if zipfile.is_zipfile(path):  # a torch archive whose pickle needs arbitrary objects
            raise ValueError(
                f"{what} {path} holds objects other than tensors and is refused for safety"
            ) from None
        raise ValueError(f"{what} {path} is unreadable or corrupt (not a torch file)") from err
    except Exception as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ValueError(f"{what} {path} is unreadable or corrupt: {first}") from None

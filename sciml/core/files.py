"""Atomic file writes: the content goes to a temporary name in the same folder, then one
``os.replace`` renames it, so that a reader or a killed process never sees a half-written file.
Output locks: one writer per run folder or output file (:func:`output_lock`)."""

from __future__ import annotations

import errno
import json
import os
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

try:
    import fcntl as _fcntl
except ImportError:  # not POSIX: lock files created exclusively, see _take_lock_file
    _fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".lock"


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

    Parent folders are created; a reader never sees a half-written file (see
    :func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists).
    text : str
        The content, written in the platform's default encoding.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    See Also
    --------
    write_bytes : The same for ``bytes``.

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
    """Write ``data`` to ``path`` atomically; returns the path.

    Parent folders are created; a reader never sees a half-written file (see
    :func:`atomic_path`).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists).
    data : bytes
        The content.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> write_bytes(Path(tempfile.mkdtemp()) / "blob.bin", b"raw").read_bytes()
    b'raw'
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """``payload`` as indented JSON with sorted keys, written atomically; returns the path.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists; parent folders are created).
    payload : Any
        Anything ``json.dumps`` accepts; written with ``indent=2``, sorted keys and a final
        newline.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    TypeError
        If ``payload`` holds something JSON cannot represent (raised by ``json.dumps``,
        before anything is written).

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
    """NumPy arrays as an uncompressed ``.npz`` archive, written atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists; parent folders are created). Written
        under exactly this name: unlike ``np.savez``, no ``.npz`` suffix is added.
    arrays : Mapping[str, array_like]
        Archive member name → array (``np.savez`` keyword arguments).

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> p = write_npz(Path(tempfile.mkdtemp()) / "data.npz", {"x": np.arange(3)})
    >>> np.load(p)["x"].tolist()
    [0, 1, 2]
    """
    import numpy as np

    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    return Path(path)


def save_torch(path: str | os.PathLike, payload: Any) -> Path:
    """``torch.save(payload)`` atomically (checkpoints, models); returns the path.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (replaced if it exists; parent folders are created).
    payload : Any
        What ``torch.save`` accepts: a state dict, a dict of tensors and numbers, ...

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    See Also
    --------
    load_torch : Read it back with ``weights_only=True``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import torch
    >>> p = save_torch(Path(tempfile.mkdtemp()) / "ckpt.pt", {"w": torch.ones(2)})
    >>> torch.load(p, weights_only=True)["w"].tolist()
    [1.0, 1.0]
    """
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


class OutputLockedError(FileExistsError):
    """Another process is writing the same output (the message names it and its holder)."""


@contextmanager
def output_lock(path: str | os.PathLike, what: str, *, shared: bool = False) -> Iterator[Path]:
    """Hold the lock file ``path`` while the block writes ``what`` (a run folder, a dataset).

    The lock is ``flock`` on the open lock file, so it ends with the process that holds it,
    however that process ends: a lock file left by a killed process is taken over. The file
    records each holder's ``pid host``. A second writer is refused at once (no waiting).
    ``shared=True`` takes a shared lock: shared holders work side by side, and exclude the
    exclusive ones (shards of one dataset versus its assembly). On exit the lock file is
    removed by its last holder, and so are the folders this call created if they are empty,
    so a refused or failed command leaves nothing behind.

    Parameters
    ----------
    path : str or os.PathLike
        The lock file (its folder is created if missing).
    what : str
        What the lock guards, for the refusal: ``"run folder run/"``.
    shared : bool
        Take a shared lock instead of an exclusive one.

    Yields
    ------
    pathlib.Path
        The lock file.

    Raises
    ------
    OutputLockedError
        If another process holds the lock (an exclusive one, or any with ``shared=False``);
        a ``FileExistsError``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> run = Path(tempfile.mkdtemp()) / "run"
    >>> with output_lock(run / LOCK_FILE, f"run folder {run}"):
    ...     with output_lock(run / LOCK_FILE, f"run folder {run}"):
    ...         pass
    Traceback (most recent call last):
    ...
    sciml.core.files.OutputLockedError: run folder ... is in use by process ... on ...
    >>> run.exists()  # created for the lock, empty, removed again
    False
    """
    path = Path(path)
    created = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, flocked = _acquire(path, what, shared)
    except BaseException:
        _remove_empty(created)
        raise
    try:
        yield path
    finally:
        _release(fd, flocked, path, shared)
        _remove_empty(created)


def _holder_line() -> bytes:
    return f"{os.getpid()} {socket.gethostname()}\n".encode()


def _refusal(what: str, text: bytes) -> OutputLockedError:
    holders = ", ".join(_live_holders(text)) or "another process"
    return OutputLockedError(f"{what} is in use by {holders}; wait for it to end")


def _acquire(path: Path, what: str, shared: bool) -> tuple[int, bool]:
    """(descriptor, True) holding ``flock`` on ``path``, or (descriptor, False) of a lock file
    created exclusively where ``flock`` is missing; ``OutputLockedError`` if it is held."""
    if _fcntl is None:
        return _create_lock_file(path, what, shared), False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _fcntl.flock(fd, (_fcntl.LOCK_SH if shared else _fcntl.LOCK_EX) | _fcntl.LOCK_NB)
        except OSError as err:
            text = os.pread(fd, 4096, 0)
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _refusal(what, text) from None
            if err.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):  # no flock here
                return _create_lock_file(path, what, shared), False
            raise
        if _same_file(fd, path):
            break
        os.close(fd)  # removed by its last holder after we opened it: lock the new one
    if shared:
        os.lseek(fd, 0, os.SEEK_END)
    else:
        os.ftruncate(fd, 0)
    os.write(fd, _holder_line())
    return fd, True


def _create_lock_file(path: Path, what: str, shared: bool) -> int:
    """Without ``flock``: create ``path`` exclusively; a lock file whose every holder has
    ended on this host (a killed process) is stale and taken over. A shared lock is not
    taken at all (-1): shared holders could not run side by side."""
    while not shared:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                text = path.read_bytes()
            except FileNotFoundError:
                continue
            if not text.strip() or _live_holders(text):  # empty: its holder is writing it
                raise _refusal(what, text) from None
            path.unlink(missing_ok=True)
            continue
        os.write(fd, _holder_line())
        return fd
    return -1


def _live_holders(text: bytes) -> list[str]:
    """``process PID on HOST`` for each holder recorded in a lock file, less those known to
    have ended (on this host)."""
    host = socket.gethostname()
    found = []
    for line in text.decode(errors="replace").splitlines():
        pid, _, where = line.strip().partition(" ")
        if pid.isdigit() and not (where == host and not _running(int(pid))):
            found.append(f"process {pid} on {where or 'an unknown host'}")
    return list(dict.fromkeys(found))


def _same_file(fd: int, path: Path) -> bool:
    try:
        there = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def _release(fd: int, flocked: bool, path: Path, shared: bool) -> None:
    """Remove the lock file unless another holder still has it, then let go of it."""
    if fd < 0:
        return
    try:
        last = True
        if flocked and shared:  # the last shared holder can turn its lock exclusive
            try:
                _fcntl.flock(fd, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            except OSError:
                last = False
        if last and _same_file(fd, path):
            path.unlink(missing_ok=True)
    finally:
        os.close(fd)


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (innermost first) as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except FileNotFoundError:
            continue
        except OSError:
            return

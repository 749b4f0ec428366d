"""Interpreter runs of a search on an existing executor: a fork process pool on one machine,
or a Dask cluster (``dask.distributed``, the ``distributed`` extra) on one or many machines.

The search talks to both through the ``concurrent.futures.Executor`` interface. It walks its
rollouts itself and sends out only the programs whose reward is not cached yet, each once, so
the unique evaluations (and which programs they are) do not depend on the number of workers;
each worker returns the reward with its interpreter seconds and the task counts that run like
one made locally (:meth:`~linalg_discovery.task.Task.record`).
"""

from __future__ import annotations

import copy
import multiprocessing
import signal
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from linalg_discovery.program import Program
from linalg_discovery.task import Task

BACKENDS = ("process", "dask")

_WORKER_TASKS: dict[str, Task] = {}


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while worker processes start: they inherit it (across exec too, and
    Python then leaves it ignored), so Ctrl-C interrupts this process alone and it stops
    them. A Ctrl-C in that window is lost. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _install(token: str, task: Task) -> None:
    """Worker initializer: keep ``task`` under ``token``, and ignore SIGINT: Ctrl-C reaches the
    whole process group, and the parent, not each worker, stops the pool (no worker
    tracebacks)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_TASKS[token] = task


class _Shipped:
    """A task sent to Dask workers. Unpickled, its problem's arrays are copied into fresh
    memory: NumPy can round differently on the buffers a message is unpacked into, and rewards
    must be the same bytes on every worker."""

    def __init__(self, task: Task) -> None:
        self.task = task

    def __setstate__(self, state: dict) -> None:
        task = state["task"]
        self.task = type(task)(task.stage, task.seed, problem=copy.deepcopy(task.problem))


def _score(source: str | _Shipped, program: Program) -> tuple[float, float]:
    """(reward, interpreter seconds) of ``program`` on the task installed under the token
    ``source``, or shipped in it."""
    task = _WORKER_TASKS[source] if isinstance(source, str) else source.task
    start = time.perf_counter()
    value = task.score(program)
    return value, time.perf_counter() - start


def _bare_copy(task: Task) -> Task:
    """The task without its caches or counters (what a worker needs to score programs)."""
    return type(task)(task.stage, task.seed, problem=task.problem)


class EvaluationPool:
    """Workers that score the programs of one task at a time through an ``Executor``.

    Use :func:`open_pool`; close it (or use it as a context manager) when done.
    """

    executor: Executor | None = None
    _task: Task | None = None

    def _handle(self, task: Task) -> Any:
        """What ``_score`` receives on a worker for ``task`` (its token, or the task shipped)."""
        raise NotImplementedError

    def scores(self, task: Task, programs: Sequence[Program]) -> list[tuple[float, float]]:
        """(reward, interpreter seconds) of each program, in order."""
        handle = self._handle(task)
        return list(self.executor.map(_score, [handle] * len(programs), programs))

    def _shutdown(self, cancel: bool) -> None:
        self.executor.shutdown(wait=not cancel)  # Dask's executor cancels when not waiting

    def close(self, cancel: bool = False) -> None:
        """Stop the workers; ``cancel`` drops the programs not scored yet instead of waiting
        for them (the context manager cancels when it exits on an exception, Ctrl-C too)."""
        if self.executor is not None:
            self._shutdown(cancel)
            self.executor = None
        self._task = None

    def __enter__(self) -> EvaluationPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close(cancel=exc_type is not None)


class ProcessPool(EvaluationPool):
    """``workers`` forked processes; stages hold closures, so the task reaches the workers by
    ``fork`` (a fresh pool per task)."""

    def __init__(self, workers: int) -> None:
        if "fork" not in multiprocessing.get_all_start_methods():
            raise ValueError("backend 'process' with workers > 1 needs 'fork' (Linux, macOS)")
        self.workers = workers
        self._token = ""

    def _shutdown(self, cancel: bool) -> None:
        # queued programs are dropped, running ones finish (workers ignore SIGINT)
        self.executor.shutdown(cancel_futures=cancel)

    def _handle(self, task: Task) -> str:
        if task is not self._task:
            self.close()
            self._task, self._token = task, uuid.uuid4().hex
            self.executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_install,
                initargs=(self._token, _bare_copy(task)),
            )
        return self._token


class DaskPool(EvaluationPool):
    """A ``dask.distributed`` client: a ``LocalCluster`` of ``workers`` single-threaded
    processes, or the cluster at ``scheduler`` once ``workers`` workers have joined. The task
    is scattered to the cluster once (workers that join later fetch it)."""

    def __init__(self, workers: int, scheduler: str | None = None, timeout: float = 60.0):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as error:
            raise ImportError(
                "dask.distributed is not installed; install the 'distributed' extra: "
                "pip install 'sciml[distributed]'"
            ) from error
        self._cluster = None
        if scheduler is None:
            with _sigint_ignored():
                # ":0": its HTTP server binds 8787 even without a dashboard, and a second
                # cluster on the machine would warn that the port is taken
                self._cluster = LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=timeout)
            except OSError as error:
                raise ValueError(f"scheduler {scheduler!r} cannot be reached: {error}") from error
            try:
                self.client.wait_for_workers(workers, timeout=timeout)
            except TimeoutError as error:
                self.client.close()
                raise ValueError(
                    f"workers: {workers} wanted, but only {len(self.client.nthreads())} joined "
                    f"scheduler {scheduler!r} within {timeout:g} s"
                ) from error
        self.executor = self.client.get_executor(pure=False)
        self._future = None

    def _handle(self, task: Task) -> Any:
        if task is not self._task:
            self._task = task
            shipped = _Shipped(_bare_copy(task))
            self._future = self.client.scatter(shipped, broadcast=True, hash=False)
        return self._future

    def close(self, cancel: bool = False) -> None:
        super().close(cancel)
        self._future = None
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def open_pool(backend: str, workers: int, scheduler: str | None = None) -> EvaluationPool:
    """Workers that score programs: ``pool.scores(task, programs)`` gives each program's
    (reward, interpreter seconds), the reward being ``task.score(program)``.

    Parameters
    ----------
    backend : {"process", "dask"}
        A fork process pool, or a ``dask.distributed`` cluster (the ``distributed`` extra).
    workers : int
        Processes of the pool or of the local Dask cluster; with ``scheduler``, the workers
        that must have joined before the pool is returned.
    scheduler : str, optional
        ``"tcp://host:port"`` of a running Dask scheduler (backend ``dask`` only).

    Returns
    -------
    EvaluationPool
        Close it when done (it is a context manager).

    Raises
    ------
    ValueError
        For an unknown backend, a scheduler with the process backend, a scheduler that cannot
        be reached or too few workers joining it within a minute.
    ImportError
        For backend ``dask`` when ``dask.distributed`` is not installed.

    Examples
    --------
    >>> from linalg_discovery.curriculum import stages
    >>> task = Task(stages(320, 8)["psd-residual"], seed=0)
    >>> with open_pool("process", 2) as pool:
    ...     [(reward, _)] = pool.scores(task, [task.stage.target])
    >>> reward == task.score(task.stage.target)
    True
    """
    if backend == "process":
        if scheduler is not None:
            raise ValueError("scheduler needs backend 'dask'")
        return ProcessPool(workers)
    if backend == "dask":
        return DaskPool(workers, scheduler)
    raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")

"""Forked worker processes, for the runs large enough to pay for them (a history scan, a range
check): one pool, stopped and reaped on every way out, signals left to the parent.

A worker inherits what it works with through ``fork`` (the repository opened, the scanner and
rules compiled): nothing is pickled or re-imported but the tasks and their results.
"""

from __future__ import annotations

import collections
import gc
import os
import signal
from collections.abc import Callable, Generator, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from guardtrail.errors import GuardtrailError, release_signals, signals_held

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

MAX_WORKERS = 2
"""Worker processes of one run, at most (fewer on fewer cores)."""
IN_FLIGHT = 2
"""Tasks waiting or running per worker: enough to keep each busy, few enough to bound memory."""

Result = TypeVar("Result")
Task = tuple[Callable[[Any], Result], Any]
"""A function a worker runs, and its argument."""


def worker_count(workers: int | None = None) -> int:
    """How many workers a run uses: ``workers`` when given, else one per core up to
    :data:`MAX_WORKERS`; 1 (no workers: the run stays in this process) where ``fork`` is unavailable."""
    if not hasattr(os, "fork"):  # multiprocessing's "fork" start method needs it
        return 1
    return min(MAX_WORKERS, os.cpu_count() or 1) if workers is None else workers


def in_workers(tasks: Iterable[Task[Result]], count: int, state: object, what: str) -> Generator[Result, None, None]:
    """The results of ``tasks`` run in ``count`` forked processes, in the order of the tasks;
    each worker finds ``state`` with :func:`inherited`. ``what`` names the work in the error
    shown when a worker dies ("scanning the history").

    Tasks are submitted as they are read, with at most :data:`IN_FLIGHT` per worker pending,
    so memory stays bounded on any input. An error in a worker is raised here, as the work
    done in this process would raise it; the pool is shut down and its processes reaped on
    every way out (an error, an interrupt, a signal, or the caller stopped reading).
    """
    import multiprocessing  # here: a run too small for workers does not import the pool
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    gc.freeze()  # what exists now is never collected in a worker, whose collector then leaves its pages shared
    pool = ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("fork"), initializer=_adopt, initargs=(state,)
    )
    pending: collections.deque[Future[Result]] = collections.deque()
    try:
        for function, argument in tasks:
            with signals_held():  # a submit may fork the workers: no signal is lost in the fork
                pending.append(pool.submit(function, argument))
            if len(pending) >= count * IN_FLIGHT:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        _stop_workers(pool)
        raise GuardtrailError(f"a process {what} stopped unexpectedly: run it again") from None
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        gc.unfreeze()
    pool.shutdown(wait=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop ``pool``'s workers now, whatever they are doing, and reap them: waiting for their
    tasks could take minutes, and a worker left behind outlives the run. (Python 3.14 has
    ``terminate_workers()``; before it the processes are only reachable this way.)"""
    processes = list((pool._processes or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=1)
        if process.is_alive():  # pragma: no cover - SIGTERM is not ignored in a worker
            process.kill()
            process.join()


_state: object = None
"""In a worker process only: what it inherited from the parent (:func:`in_workers`)."""


def _adopt(state: object) -> None:
    """A worker's start: it keeps what it works with, and leaves signals to the parent, which
    stops it (Ctrl-C reaches the whole process group; the parent decides)."""
    global _state
    _state = state
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()  # forked while the parent held them


def inherited() -> object:
    """In a worker: the ``state`` its pool was started with."""
    assert _state is not None, "called outside a worker started by in_workers"
    return _state

"""The one exception type for expected failures; the CLI turns it into exit code 2. And how a
signal stops a run (:class:`Stopped`, :func:`raise_if_stopped`)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []
"""The stop signals this process has received, whether or not their exception got through: a
signal Python delivers inside a fork handler or a finaliser raises where exceptions are only
printed, and the run would go on as if never told to stop."""


class GuardtrailError(Exception):
    """A problem the user can fix: bad revision, not a repository, malformed policy.

    The message is shown as a single line, so it names the problem and what to do next.
    """


class Stopped(BaseException):
    """A signal told the run to stop (SIGTERM; SIGINT arrives as ``KeyboardInterrupt``).

    A ``BaseException``, as ``KeyboardInterrupt`` is: no ``except Exception`` on the way out
    swallows it, every ``finally`` runs (workers and git children are stopped there), and the
    CLI exits with ``128 + signal`` having written no report and no audit line."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = 128 + signal_number


def record_stop(signal_number: int) -> None:
    """Remember that ``signal_number`` told this process to stop (called by the CLI's handlers)."""
    _received.append(signal_number)


def stop_code() -> int | None:
    """The exit code of the first stop signal received since :func:`clear_stops` (``128 + n``)."""
    return 128 + _received[0] if _received else None


def clear_stops() -> None:
    """Forget earlier stop signals: a run (one CLI call) starts unstopped."""
    _received.clear()


def raise_if_stopped() -> None:
    """Stop here if a signal arrived whose exception was swallowed on its way: called before a
    run writes what it found, so that nothing is reported after a stop, whatever ate the raise."""
    if _received:
        if _received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(_received[0])


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Stop signals wait while inside (they are delivered on the way out): for forking worker
    processes, whose fork handlers would swallow a signal's exception. A forked child starts
    with them held too: it lets them through with :func:`release_signals`."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def release_signals() -> None:
    """In a child forked under :func:`signals_held`: let stop signals through again."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

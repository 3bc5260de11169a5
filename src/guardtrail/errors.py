"""The one exception type for expected failures; the CLI turns it into exit code 2."""

from __future__ import annotations


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

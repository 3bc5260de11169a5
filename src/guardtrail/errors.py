"""The one exception type for expected failures; the CLI turns it into exit code 2."""

from __future__ import annotations


class GuardtrailError(Exception):
    """A problem the user can fix: bad revision, not a repository, malformed policy.

    The message is shown as a single line, so it names the problem and what to do next.
    """

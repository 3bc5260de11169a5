"""The shared vocabulary of the pipeline: people, commits, file changes and findings."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Category(str, enum.Enum):
    """What kind of risk a finding is about; also the JSON ``category`` value."""

    SECRET = "secret"
    BUILD_LOGIC = "build-logic"
    AUTH = "auth"
    DEPENDENCY = "dependency"
    AGENT_CONFIG = "agent-config"
    HIDDEN_TEXT = "hidden-text"
    INJECTION = "injection"
    POLICY = "policy"


class Severity(str, enum.Enum):
    """How bad a finding is when it stands; analysers may raise it above the category default."""

    NOTE = "note"
    WARNING = "warning"
    ERROR = "error"


class Confidence(str, enum.Enum):
    """How sure a detector is that what it saw is what its rule names (reported, and read by the
    decision stage: high-confidence planted text blocks whoever wrote it)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Person:
    """A name and email as written in a commit (never trusted on its own)."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class Commit:
    """A read-only view of one commit, as the gate needs it."""

    sha: str
    """Full hex object id."""
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str
    trailers: tuple[tuple[str, str], ...]
    """Trailers of the message's last paragraph, as git parses them: (key, value)."""
    signature: bytes | None = None
    """The raw ``gpgsig`` header (SSH or OpenPGP), or None when unsigned."""
    signed_data: bytes | None = None
    """The bytes the signature covers (the commit object without ``gpgsig``)."""

    @property
    def short(self) -> str:
        return self.sha[:10]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0].strip()

    def trailer_values(self, key: str) -> tuple[str, ...]:
        """Values of every trailer whose key matches ``key`` case-insensitively."""
        wanted = key.lower()
        return tuple(value for name, value in self.trailers if name.lower() == wanted)


DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
"""Files larger than this are not read as text (the policy's ``max_file_size`` changes it): the
change names them as skipped instead. git is told the same limit (``core.bigFileThreshold``), so
it never writes the patch of such a file either."""


class Skipped(str, enum.Enum):
    """Why a file's content was not read as text: every report names such a file, never silently."""

    TOO_LARGE = "too-large"
    BINARY = "binary"
    LFS_POINTER = "lfs-pointer"

    @property
    def describe(self) -> str:
        """The reason in a report's words."""
        return _SKIPPED_WORDS[self]


_SKIPPED_WORDS = {
    Skipped.TOO_LARGE: "over the size limit, max_file_size in .guardtrail.yml",
    Skipped.BINARY: "binary",
    Skipped.LFS_POINTER: "Git LFS pointer: the file itself is stored outside the repository",
}


class AddedLine(NamedTuple):
    """One line a change adds: its number in the new file and its text (no newline).

    A named tuple, not a dataclass: a scan makes one per added line, and this is the cheap kind.
    """

    number: int
    text: str


@dataclass(frozen=True)
class FileChange:
    """One file touched by one commit, with the lines that commit itself added."""

    commit: str
    path: str
    """The path after the change (the old path for a deletion)."""
    old_path: str | None
    """The path before the change; differs from ``path`` for a rename; None when added."""
    status: str
    """One of ``added``, ``modified``, ``deleted``, ``renamed``, ``copied``, ``typechange``."""
    old_id: str | None
    """Blob id before the change, or None when the file is new."""
    new_id: str | None
    """Blob id after the change, or None when the file is deleted."""
    binary: bool = False
    """Whether the new side (a deletion's old side) is binary by content; its blob ids stay, for
    whatever reads binaries' bytes."""
    added: tuple[AddedLine, ...] = ()
    skipped: Skipped | None = None
    """Why the content was not read as text, when it was not (or, for an LFS pointer, why the
    text read is not the file's)."""
    old_mode: int | None = None
    """git's file mode before the change (``0o100644``, ``0o120000`` a symlink, ``0o160000`` a
    submodule), or None when the file is new or the reader does not say."""
    new_mode: int | None = None
    """git's file mode after the change, or None when the file is deleted or the reader does not say."""

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the change touches: both sides of a rename count."""
        if self.old_path and self.old_path != self.path:
            return (self.old_path, self.path)
        return (self.path,)


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def display_path(path: str) -> str:
    """``path`` as reports show it: a byte that is not UTF-8 (kept by the readers as a surrogate
    escape, so the path still names its file to git) written ``\\xNN``, so that every output,
    JSON and SARIF included, stays valid UTF-8."""
    if path.isascii() or _ESCAPED_BYTE.search(path) is None:
        return path
    return _ESCAPED_BYTE.sub(lambda byte: f"\\x{ord(byte.group()) - 0xDC00:02x}", path)


@dataclass(frozen=True)
class Finding:
    """One thing worth a reviewer's attention in one commit.

    Findings never carry a secret's value: ``message`` shows a redacted form and
    ``fingerprint`` a hash.
    """

    commit: str
    """Full sha of the commit that introduced it."""
    path: str
    line: int | None
    """1-based line in the new file, or None when the finding is about the whole file."""
    category: Category
    rule: str
    """Stable rule id, e.g. ``build-logic.github-workflows`` or ``secret.github-token``."""
    message: str
    severity: Severity = Severity.WARNING
    fail_closed: bool = False
    """The detector holds that this blocks whoever wrote it until the decision stage clears it:
    a secret does, a note never. ``decide()`` reads it, as does the verdict of a scan, which has
    no commit to gate; the finding itself never says whether it blocks (:class:`Verdict` does)."""
    fingerprint: str | None = None
    """Stable id for suppression and SARIF: rule + hashed value + path, never the value."""
    secret_hash: str | None = None
    """For secrets: SHA-1 hex of the value, as detect-secrets baselines store it."""
    allowlisted: bool = False
    """The line carries an inline allowlist comment (``pragma: allowlist secret``); the
    decision stage honours it only in commits that are not gated."""
    details: tuple[str, ...] = field(default=())
    """Extra lines for reviewers (what exactly changed), shown under the message."""
    confidence: Confidence | None = None
    """How sure the detector is, where it says (hidden text, injection bait, workflow audits)."""

    def __post_init__(self) -> None:
        """A path that is not UTF-8 is kept as every report shows it (:func:`display_path`)."""
        if not self.path.isascii():
            object.__setattr__(self, "path", display_path(self.path))

    def as_row(self) -> FindingRow:
        """The field values in order, for :meth:`from_row` in another process: a tuple pickles
        and unpickles several times faster than the object it stands for."""
        return tuple(self.__dict__.values())

    @classmethod
    def from_row(cls, row: FindingRow) -> Finding:
        return cls(*row)


FindingRow = tuple[Any, ...]
"""A :class:`Finding` as :meth:`Finding.as_row` gives it."""


@dataclass(frozen=True)
class Verdict:
    """What the decision concluded about one finding. A :class:`Finding` records what was
    found; only ``decide()`` says what it means, so no detector passes or clears anything."""

    blocking: bool
    """Whether this finding alone blocks the merge."""
    approved_by: str | None = None
    """The approvers (comma-separated) whose signed approvals clear it, when they do."""

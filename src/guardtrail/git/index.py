"""The change a commit is about to record: the HEAD tree against the index git is using.

Read through the git command line, not libgit2: git is always there when a hook runs, it honours
``GIT_INDEX_FILE`` itself (the temporary index of ``git commit -a`` and ``git commit PATH``), and
a hook that never loads pygit2 starts about 45 ms sooner. Every git call of the staged path lives
here, named by intent, reading ``-z`` output. Reads objects only: the working tree, the index
and HEAD are never touched. Only when git calls a staged file binary is pygit2 loaded, to judge
that file by its content as every other reader does (``Repository.judged_by_content``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from guardtrail.errors import GuardtrailError
from guardtrail.git.changes import (
    DEFAULT_MAX_FILE_BYTES,
    added_lines,
    file_changes,
    parse_diff,
    patch_additions,
    pointer_skip,
)
from guardtrail.model import FileChange, Person

STAGED = "staged"
"""The ``commit`` of every staged change and finding: the commit does not exist yet."""

_STAGED_DIFF = (
    "diff",
    "--cached",
    "-z",
    "--raw",
    "--numstat",
    "--patch",
    "--no-abbrev",
    "-U0",
    "--inter-hunk-context=0",
    "-M",
    "--ita-visible-in-index",  # an intent-to-add file is a new empty file, as libgit2 listed it
    "--diff-algorithm=myers",  # the hunks libgit2 draws, whatever diff.algorithm says
    "--no-indent-heuristic",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--submodule=short",
    "-O/dev/null",  # no diff.orderFile: paths in index order
)
"""``git diff --cached`` pinned against every setting that would change what it prints."""

_IGNORED_ENVIRONMENT = ("GIT_INDEX_FILE", "GIT_DIFF_OPTS", "GIT_EXTERNAL_DIFF")
"""Taken from the hook's environment (``GIT_INDEX_FILE``) or dropped: ``GIT_DIFF_OPTS`` would
widen the hunks' context and ``GIT_EXTERNAL_DIFF`` would replace the patch."""


def _git_environment(environ: Mapping[str, str], cwd: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _IGNORED_ENVIRONMENT}
    named = environ.get("GIT_INDEX_FILE")
    if named:
        env["GIT_INDEX_FILE"] = str(cwd / named)  # git names it relative to the hook's directory, or absolute
    env["GIT_OPTIONAL_LOCKS"] = "0"  # git commit holds index.lock while its hooks run
    env["GIT_NO_REPLACE_OBJECTS"] = "1"  # refs/replace would put another commit's tree in HEAD's place
    return env


class StagedIndex:
    """The staged change of the repository at ``path``, read from the index git is using."""

    def __init__(self, path: Path, environ: Mapping[str, str], cwd: Path) -> None:
        """Nothing runs yet: the first read fails with a one-line error outside a repository."""
        self._path = path
        self._env = _git_environment(environ, cwd)
        self._user_config: dict[str, str] | None = None

    def changes(self, *, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> list[FileChange]:
        """Every staged file with the lines the index adds over HEAD (the empty tree before the first commit).

        git lets attributes call a text file binary, which would hide its lines, and calls
        UTF-16 text and files over ``max_bytes`` binary (it writes no patch of those): a file
        git calls binary is judged again by its content, or named as skipped."""
        output = self._git("-c", f"core.bigFileThreshold={max_bytes}", *_STAGED_DIFF)
        changes = list(parse_staged_diff(output))
        if not any(change.binary for change in changes):
            return changes
        from guardtrail.git.repo import Repository  # pygit2 loads only for a commit that stages a binary

        repo = Repository(os.fsdecode(self._git("rev-parse", "--absolute-git-dir").rstrip(b"\n")))
        return [repo.judged_by_content(change, max_bytes=max_bytes) for change in changes]

    def file_at_head(self, path: str) -> bytes | None:
        """The committed content of ``path`` at HEAD, or None (no such file, or no commit yet)."""
        if "\n" in path:
            raise GuardtrailError(f"{path!r}: a file read from HEAD cannot have a newline in its name")
        header, _, rest = self._git("cat-file", "--batch", stdin=f"HEAD:{path}\n".encode()).partition(b"\n")
        fields = header.split(b" ")
        if len(fields) != 3 or fields[1] != b"blob":
            return None  # "HEAD:path missing", or a directory or submodule there
        return rest[: int(fields[2])]

    def identity(self, role: str, environ: Mapping[str, str]) -> Person:
        """Who git will record as ``role`` (``AUTHOR`` or ``COMMITTER``): environment, then config."""
        name = environ.get(f"GIT_{role}_NAME") or self._config("user.name")
        email = environ.get(f"GIT_{role}_EMAIL") or self._config("user.email")
        return Person(name, email)

    def _config(self, name: str) -> str:
        if self._user_config is None:
            self._user_config = self._read_user_config()
        return self._user_config.get(name, "")

    def _read_user_config(self) -> dict[str, str]:
        done = self._run("config", "-z", "--get-regexp", r"^user\.(name|email)$")
        if done.returncode == 1:
            return {}  # neither is set
        self._check(done, "config")
        values: dict[str, str] = {}
        for entry in done.stdout.split(b"\0")[:-1]:
            key, _, value = entry.partition(b"\n")
            values[key.decode()] = value.decode("utf-8", "replace")  # the last one wins, as in git
        return values

    def blob(self, blob_id: str) -> bytes:
        return self._git("cat-file", "blob", blob_id)

    def symlinks(self, commit: str = STAGED) -> dict[str, str]:
        """Every symlink in the index: its path and the target it holds (``commit`` is the
        staged change's, as the classification asks every reader)."""
        del commit
        links = [
            (meta.split(b" ")[1].decode(), os.fsdecode(path))
            for meta, _, path in (entry.partition(b"\t") for entry in self._git("ls-files", "-s", "-z").split(b"\0"))
            if meta.startswith(b"120000 ")
        ]
        if not links:
            return {}
        batch = self._git("cat-file", "--batch", stdin="".join(f"{blob_id}\n" for blob_id, _ in links).encode())
        return {path: os.fsdecode(target) for (_, path), target in zip(links, _batch_contents(batch), strict=True)}

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        done = self._run(*args, stdin=stdin)
        self._check(done, next(arg for arg in args if not arg.startswith("-") and "=" not in arg))
        return done.stdout

    def _check(self, done: subprocess.CompletedProcess[bytes], command: str) -> None:
        if done.returncode == 0:
            return
        if self._run("rev-parse", "--git-dir").returncode != 0:
            raise self._not_a_repository()
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit code {done.returncode}"]
        raise GuardtrailError(f"{self._path}: git {command} failed: {reason[-1]}")

    def _not_a_repository(self) -> GuardtrailError:
        return GuardtrailError(f"{self._path}: not a git repository (run inside a repository or pass --repo DIR)")

    def _run(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", *args], cwd=self._path, env=self._env, input=stdin, capture_output=True, check=False
            )
        except OSError as exc:
            if not self._path.is_dir():
                raise self._not_a_repository() from None
            raise GuardtrailError(f"{self._path}: cannot run git ({exc.strerror})") from None


# -- reading ``git diff --cached -z --raw --numstat --patch`` ---------------------------------


def parse_staged_diff(output: bytes) -> Iterator[FileChange]:
    """The file changes of ``git diff`` output in :data:`_STAGED_DIFF`'s format
    (:func:`guardtrail.git.changes.parse_diff`), each with the lines it adds; a file git calls
    binary has none here (:meth:`StagedIndex.changes` judges it by content)."""
    for entry, binary, section in parse_diff(STAGED, output):
        added = None if binary or section is None else patch_additions(section, entry.path)
        lines = () if added is None else added_lines(*added)
        yield from file_changes(entry, lines, binary=binary, skipped=pointer_skip(added))


def _batch_contents(output: bytes) -> Iterator[bytes]:
    """The object contents ``git cat-file --batch`` printed, in order."""
    offset = 0
    while offset < len(output):
        header_end = output.index(b"\n", offset)
        size = int(output[offset:header_end].split(b" ")[2])
        yield output[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1

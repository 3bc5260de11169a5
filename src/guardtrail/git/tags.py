"""Annotated tags: the objects ``refs/tags/*`` point at, with their message and tagger.

A tag's message is text an assistant can push like any commit's (``git tag -a -m``), so its
secrets are scanned too. Read with git itself (``cat-file --batch``, ``for-each-ref``), which
sees a pre-receive hook's quarantined objects through the environment git gave the hook.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from guardtrail.errors import GuardtrailError
from guardtrail.model import Person

MAX_DEPTH = 8
"""Tags of tags followed at most this deep (git itself stops nowhere; nobody nests more)."""


class AnnotatedTag(NamedTuple):
    sha: str
    """The tag object's id (what the ref names), not the commit it tags."""
    name: str
    target: str
    """The id of the object it tags; ``target_type`` says what that is."""
    target_type: str
    tagger: Person | None
    """None for the old tags git wrote without one."""
    message: str
    """Everything after the headers, a signature block included."""


def tag_refs(git_dir: Path, environ: Mapping[str, str] | None = None) -> list[str]:
    """The ids of the annotated tag objects that ``refs/tags/*`` point at, each once."""
    output = _git(git_dir, environ, "for-each-ref", "--format=%(objectname) %(objecttype)", "refs/tags")
    found = (line.split(" ") for line in output.decode("ascii", "replace").splitlines())
    return list(dict.fromkeys(sha for sha, kind in found if kind == "tag"))


def read_tags(git_dir: Path, shas: Iterable[str], environ: Mapping[str, str] | None = None) -> list[AnnotatedTag]:
    """The annotated tags among the objects ``shas``, and the tags they tag in turn; any other
    object (a commit a lightweight tag names) is left out."""
    tags: dict[str, AnnotatedTag] = {}
    wanted = list(dict.fromkeys(shas))
    for _ in range(MAX_DEPTH):
        if not wanted:
            break
        read = [tag for tag in _cat_tags(git_dir, wanted, environ) if tag.sha not in tags]
        tags.update((tag.sha, tag) for tag in read)
        wanted = [tag.target for tag in read if tag.target_type == "tag" and tag.target not in tags]
    return list(tags.values())


def _cat_tags(git_dir: Path, shas: list[str], environ: Mapping[str, str] | None) -> list[AnnotatedTag]:
    output = _git(git_dir, environ, "cat-file", "--batch", stdin="".join(f"{sha}\n" for sha in shas).encode())
    tags = []
    at = 0
    while at < len(output):
        end = output.index(b"\n", at)
        header = output[at:end].decode("ascii", "replace").split(" ")
        if len(header) != 3:  # "<sha> missing": the caller's id names no object
            raise GuardtrailError(f"cannot read object {header[0][:12]}: it is not in the repository")
        sha, kind, size = header[0], header[1], int(header[2])
        body = output[end + 1 : end + 1 + size]
        at = end + 1 + size + 1
        if kind == "tag":
            tags.append(parse_tag(sha, body))
    return tags


def parse_tag(sha: str, body: bytes) -> AnnotatedTag:
    """The tag object ``sha`` from its raw ``body`` (headers, a blank line, the message)."""
    text = body.decode("utf-8", "replace")
    head, _, message = text.partition("\n\n")
    fields: dict[str, str] = {}
    for line in head.split("\n"):
        key, _, value = line.partition(" ")
        fields.setdefault(key, value)
    return AnnotatedTag(
        sha=sha,
        name=fields.get("tag", ""),
        target=fields.get("object", ""),
        target_type=fields.get("type", ""),
        tagger=_person(fields["tagger"]) if "tagger" in fields else None,
        message=message,
    )


def _person(value: str) -> Person:
    """``Name <email> 1700000000 +0000`` as a :class:`Person` (time and zone dropped)."""
    name, _, rest = value.partition("<")
    email = rest.rpartition(">")[0]
    return Person(name.strip(), email)


def _git(git_dir: Path, environ: Mapping[str, str] | None, *args: str, stdin: bytes | None = None) -> bytes:
    env = {**os.environ, **(environ or {})}
    try:
        done = subprocess.run(
            ["git", "--no-replace-objects", f"--git-dir={git_dir}", *args],
            input=stdin,
            capture_output=True,
            env=env,
            check=False,
        )
    except OSError as exc:
        raise GuardtrailError(f"cannot run git to read tags: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GuardtrailError(f"git {args[0]} failed reading tags: {detail[-1] if detail else done.returncode}")
    return done.stdout

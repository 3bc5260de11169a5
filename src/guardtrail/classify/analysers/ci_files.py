"""Dockerfiles, other CI systems and build scripts: remote downloads, piped installers, base images."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from guardtrail.classify.analysers._common import (
    PIPE_TO_SHELL,
    Reporter,
    Sides,
    has_new_text,
    introduced_lines,
    read_sides,
)
from guardtrail.classify.analysers.dispatch import ci_file_kind
from guardtrail.classify.base import Blobs
from guardtrail.model import Category, FileChange, Finding, Severity

_FROM = re.compile(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", re.I)
_ADD_URL = re.compile(r"^\s*ADD\s+(?:--\S+\s+)*(https?://\S+)", re.I)
_DOWNLOAD = re.compile(r"\b(?:curl|wget|Invoke-WebRequest|iwr)\b(?:.*?((?:https?|ftp)://[^\s\"'|;)]+))?", re.I)
_CI_IMAGE = re.compile(r"""^\s*(?:-\s*)?image:\s*(?:name:\s*)?["']?([\w./:@${}-]+)""")


@dataclass(frozen=True)
class _Logical:
    """A command as the shell sees it: physical lines joined at trailing backslashes."""

    first: int
    last: int
    text: str


def _logical(text: str) -> list[_Logical]:
    result: list[_Logical] = []
    parts: list[str] = []
    first = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not parts:
            first = number
        parts.append(line.rstrip().removesuffix("\\"))
        if not line.rstrip().endswith("\\"):
            result.append(_Logical(first, number, " ".join(parts)))
            parts = []
    if parts:
        result.append(_Logical(first, first + len(parts) - 1, " ".join(parts)))
    return result


def analyse_ci_file(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for a changed Dockerfile, non-GitHub CI file or build script; nothing for other files."""
    family = ci_file_kind(change.path)
    if family is None or not has_new_text(change):
        return
    report = Reporter(change, Category.BUILD_LOGIC)
    sides = read_sides(change, blobs)
    yield from _downloads(report, family, change, sides)
    if family == "docker":
        yield from _base_images(report, sides)
    else:
        yield from _ci_images(report, change, sides)


def _downloads(report: Reporter, family: str, change: FileChange, sides: Sides) -> Iterator[Finding]:
    touched = {line.number for line in introduced_lines(change, sides.old)}
    for command in _logical(sides.new):
        if not touched.intersection(range(command.first, command.last + 1)):
            continue
        if PIPE_TO_SHELL.search(command.text):
            yield report(f"{family}.pipe-to-shell", "downloads a script and pipes it into a shell", command.first)
        elif (add := _ADD_URL.match(command.text)) and family == "docker":
            yield report("docker.remote-download", f"ADD fetches {add.group(1)} at build time", command.first)
        elif (download := _DOWNLOAD.search(command.text)) is not None:
            what = download.group(1) or "a remote file"
            yield report(f"{family}.remote-download", f"downloads {what}", command.first, Severity.NOTE)


def _unpinned(image: str) -> str:
    return "" if "@sha256:" in image or image == "scratch" else " (not pinned by digest)"


def _short(image: str) -> str:
    """``name@sha256:6d2502238109…``: enough of a digest to recognise it."""
    name, at, digest = image.partition("@")
    return f"{name}{at}{digest[:19]}…" if len(digest) > 19 else image


def _base_images(report: Reporter, sides: Sides) -> Iterator[Finding]:
    old = _froms(sides.old)
    old_images = [image for image, _ in old]
    for index, (image, line) in enumerate(_froms(sides.new)):
        if image in old_images:
            continue
        severity = Severity.WARNING if _unpinned(image) else Severity.NOTE
        if index < len(old):
            message = f"FROM {_short(old[index][0])} → {image}{_unpinned(image)}"
        else:
            message = f"new base image {image}{_unpinned(image)}"
        yield report("docker.base-image", message, line, severity)


def _froms(text: str) -> list[tuple[str, int]]:
    """The external images ``FROM`` lines name, with their line; stage references left out."""
    stages: set[str] = set()
    images: list[tuple[str, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FROM.match(line)
        if match is None:
            continue
        if match.group(1).lower() not in stages:
            images.append((match.group(1), number))
        if match.group(2):
            stages.add(match.group(2).lower())
    return images


def _ci_images(report: Reporter, change: FileChange, sides: Sides) -> Iterator[Finding]:
    for line in introduced_lines(change, sides.old):
        match = _CI_IMAGE.match(line.text)
        if match:
            image = match.group(1)
            severity = Severity.NOTE if not _unpinned(image) else Severity.WARNING
            yield report("ci.image", f"job image {image}{_unpinned(image)}", line.number, severity)

"""zizmor, the GitHub Actions auditor, run once over a set of workflow and action files.

guardtrail does not re-implement zizmor's audits; this module is the one place that runs it.
Each file is written into a folder of its own inside a temporary folder outside the repository,
laid out as zizmor expects (``.github/workflows/workflow.yml`` for a workflow, ``action.yml``
for an action), and the binary the ``zizmor`` wheel installs runs once over all of them:
offline, with no configuration file and no ignore comments honoured (both would come from the
change under review), in an environment that holds no token. Its JSON findings are read back
per file. A file zizmor does not say it completed was not audited: the answer names it with
the reason, so the caller can report it (fail closed). Nothing here raises for zizmor's faults:
when a run fails as a whole, each file is run on its own, so one file cannot hide the others.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TIMEOUT_SECONDS = 120.0
"""How long one zizmor run may take before it is killed (it audits hundreds of files a second)."""

ARGUMENTS = (
    "--offline",
    "--no-config",
    "--no-ignores",
    "--persona=regular",
    "--format=json-v1",
    "--no-exit-codes",
    "--no-progress",
    "--color=never",
    "--verbose",
)
"""``--verbose`` makes zizmor say which input each warning is about; ``--no-exit-codes`` keeps
findings out of the exit status, so any status but 0 is a fault."""

_NO_INPUTS = 3
"""zizmor's exit status when no input could be parsed at all."""
_COMPLETED = re.compile(r"\bcompleted (\S+)\s*$")
_COLLECTING = re.compile(r"collecting one input from '([^']+)'")
_WARNING = re.compile(r"\bWARN\b.*?: zizmor::[\w:]+: (.*)$")


@dataclass(frozen=True)
class Input:
    """One file version to audit."""

    key: str
    """The caller's name for it; the answer is keyed by it."""
    data: bytes
    action: bool
    """An action definition (``action.yml``); otherwise a workflow."""


@dataclass(frozen=True)
class Note:
    """A secondary location of a finding: where the thing it names stands."""

    line: int
    annotation: str


@dataclass(frozen=True)
class Result:
    """One zizmor finding in one file, as its JSON (format v1) gives it."""

    audit: str
    """zizmor's audit id, e.g. ``template-injection``."""
    description: str
    severity: str
    """zizmor's word, lower case: ``high``, ``medium``, ``low``, ``informational`` or ``unknown``."""
    confidence: str
    """``high``, ``medium``, ``low`` or ``unknown``."""
    line: int | None
    """1-based line of the primary location."""
    annotation: str
    fragment: str | None
    """The expression or action reference the finding is about, when zizmor singles one out."""
    feature: str
    """The text the finding points at: compared, never shown (it may hold a password)."""
    route: str
    """Where that text stands in the document (``jobs/test/steps/0``)."""
    related: tuple[Note, ...] = ()
    """zizmor's other primary and related locations, in its order."""


@dataclass(frozen=True)
class Audit:
    """What zizmor said of each input: its findings, or why it was not audited."""

    findings: Mapping[str, tuple[Result, ...]]
    """Findings by input key, for every input zizmor audited (empty when it found nothing)."""
    failed: Mapping[str, str]
    """Why, by input key, for every input zizmor did not audit."""


def find_binary() -> str | None:
    """The zizmor the wheel installed beside this Python, else one on the ``PATH``.

    Only absolute ``PATH`` entries are searched: a relative one (``.``) would find a program
    the repository under review provides."""
    name = "zizmor.exe" if os.name == "nt" else "zizmor"
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(p))
    return shutil.which("zizmor", path=path)


class _Crash(Exception):
    """zizmor ran but failed the whole run; the message says how."""


def audit(inputs: Sequence[Input], *, timeout: float | None = None, binary: str | None = None) -> Audit:
    """Run zizmor once over ``inputs`` (no process at all when there are none).

    A file that is not UTF-8 text is not given to zizmor (it would fail the whole run). When
    the run fails as a whole, each file is run on its own, so one hostile file cannot leave
    the others unaudited. Every process is killed when the run is interrupted, and when the
    ``timeout`` (:data:`TIMEOUT_SECONDS` unless given) for all of them together is over."""
    if not inputs:
        return Audit({}, {})
    budget = TIMEOUT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + budget
    program = binary or find_binary()
    if program is None:
        return _all_failed(inputs, "zizmor is not installed (pip install zizmor, a dependency of guardtrail)")
    readable = [item for item in inputs if _is_utf8(item.data)]
    answers = [_all_failed([item for item in inputs if item not in readable], "not UTF-8 text, which zizmor reads")]
    try:
        answers.append(_run(program, readable, deadline, budget))
    except _Crash as crash:
        if len(readable) == 1:
            answers.append(_all_failed(readable, str(crash)))
        for item in readable if len(readable) > 1 else ():
            try:
                answers.append(_run(program, [item], deadline, budget))
            except _Crash as alone:
                answers.append(_all_failed([item], str(alone)))
    return Audit(
        {key: found for answer in answers for key, found in answer.findings.items()},
        {key: why for answer in answers for key, why in answer.failed.items()},
    )


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _run(program: str, inputs: Sequence[Input], deadline: float, budget: float) -> Audit:
    """One zizmor process over ``inputs``; raises :class:`_Crash` when it fails the whole run."""
    if not inputs:
        return Audit({}, {})
    left = deadline - time.monotonic()
    if left <= 0:
        return _all_failed(inputs, "zizmor's time ran out before it was run")
    try:
        with tempfile.TemporaryDirectory(prefix="guardtrail-zizmor-") as root:
            slots = _write(Path(root), inputs)
            done = subprocess.run(
                [program, *ARGUMENTS, *slots],
                cwd=root,
                env=_environment(root),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=left,
                check=False,
            )
    except subprocess.TimeoutExpired:
        return _all_failed(inputs, f"zizmor did not finish within {budget:g} s and was stopped")
    except OSError as exc:
        return _all_failed(inputs, f"zizmor cannot run: {exc.strerror or exc}")
    return _answer(done, slots)


def _write(root: Path, inputs: Sequence[Input]) -> dict[str, str]:
    """Each input in a folder of its own; the slot paths (relative to ``root``) to input keys."""
    slots: dict[str, str] = {}
    for number, item in enumerate(inputs):
        slot = f"{number}/action.yml" if item.action else f"{number}/.github/workflows/workflow.yml"
        target = root / slot
        target.parent.mkdir(parents=True)
        target.write_bytes(item.data)
        slots[slot] = item.key
    return slots


def _environment(root: str) -> dict[str, str]:
    """No token, no configuration, no colour; caches and home inside the temporary folder."""
    return {
        "PATH": os.defpath,
        "HOME": root,
        "XDG_CACHE_HOME": root,
        "XDG_CONFIG_HOME": root,
        "NO_COLOR": "1",
        "RUST_BACKTRACE": "0",
    }


def _all_failed(inputs: Sequence[Input], reason: str) -> Audit:
    return Audit({}, {item.key: reason for item in inputs})


def _answer(done: subprocess.CompletedProcess[bytes], slots: Mapping[str, str]) -> Audit:
    log = done.stderr.decode("utf-8", errors="replace").splitlines()
    if done.returncode not in (0, _NO_INPUTS):
        last = next((line.strip() for line in reversed(log) if line.strip()), "no message")
        raise _Crash(f"zizmor failed (exit status {done.returncode}): {last}")
    completed = {match.group(1) for line in log if (match := _COMPLETED.search(line))}
    try:
        results = _results(json.loads(done.stdout), slots) if done.returncode == 0 else {}
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, StopIteration) as exc:
        raise _Crash(f"zizmor's output cannot be read: {type(exc).__name__} {exc}".rstrip()) from None
    warnings = _warnings(log, slots)
    findings = {key: tuple(results.get(key, ())) for slot, key in slots.items() if slot in completed}
    failed = {
        key: warnings.get(slot, "zizmor skipped it: not a valid workflow or action")
        for slot, key in slots.items()
        if slot not in completed
    }
    return Audit(findings, failed)


def _warnings(log: Sequence[str], slots: Mapping[str, str]) -> dict[str, str]:
    """zizmor's first warning about each input, by slot, with the slot's name taken out."""
    found: dict[str, str] = {}
    current: str | None = None
    for line in log:
        if (collecting := _COLLECTING.search(line)) is not None:
            current = collecting.group(1)
        elif (warning := _WARNING.search(line)) is not None and current is not None and current in slots:
            text = warning.group(1).replace(f"file://{current} ", "").replace(f"file://{current}", "the file")
            found.setdefault(current, f"zizmor cannot read it: {text.strip()}")
    return found


def _results(document: Any, slots: Mapping[str, str]) -> dict[str, list[Result]]:
    """zizmor's JSON findings by input key (findings about files it was not given are dropped)."""
    if not isinstance(document, list):
        raise TypeError("not a list of findings")
    results: dict[str, list[Result]] = {}
    for entry in document:
        primary = next(loc for loc in entry["locations"] if loc["symbolic"]["kind"] == "Primary")
        slot = primary["symbolic"]["key"]["Local"]["verbatim_path"]
        if slot not in slots:
            continue
        determinations = entry["determinations"]
        results.setdefault(slots[slot], []).append(
            Result(
                audit=str(entry["ident"]),
                description=str(entry["desc"]),
                severity=str(determinations["severity"]).lower(),
                confidence=str(determinations["confidence"]).lower(),
                line=_line(primary),
                annotation=str(primary["symbolic"]["annotation"]),
                fragment=_fragment(primary["symbolic"]["feature_kind"]),
                feature=str(primary.get("concrete", {}).get("feature", "")),
                route="/".join(str(next(iter(step.values()))) for step in primary["symbolic"]["route"]["route"]),
                related=tuple(
                    Note(line, str(loc["symbolic"]["annotation"]))
                    for loc in entry["locations"]
                    if loc is not primary
                    and loc["symbolic"]["kind"] in ("Primary", "Related")
                    and (line := _line(loc)) is not None
                ),
            )
        )
    return results


def _line(location: Mapping[str, Any]) -> int | None:
    concrete = location.get("concrete")
    return int(concrete["location"]["start_point"]["row"]) + 1 if concrete else None


def _fragment(kind: Any) -> str | None:
    """The raw text of a subfeature (``actions/checkout@v4``, ``github.event.issue.title``)."""
    if isinstance(kind, dict):
        raw = kind.get("Subfeature", {}).get("fragment", {}).get("Raw")
        return str(raw) if raw is not None else None
    return None

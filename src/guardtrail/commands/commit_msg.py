"""``guardtrail commit-msg MSGFILE``: check the message before git records it.

- A malformed ``Approved-by`` (or one git would not read as a trailer) is rejected with the
  expected form, so an approval never silently fails to count later.
- In an agent session, when the policy asks for it, an ``Assisted-by: <agent>`` trailer is added.
- When the message (or the session) shows an assistant and the staged change is sensitive, the
  commit is blocked, as the pre-commit scan would have done with the environment alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from guardtrail.commands.staged import StagedOptions, StagedResult, render_staged, run_staged
from guardtrail.decide.approvals import APPROVED_BY, parse_identity
from guardtrail.decide.authorship import Signal
from guardtrail.errors import GuardtrailError
from guardtrail.git.trailers import parse_trailers

ASSISTED_BY = "Assisted-by"
_APPROVAL_LIKE = re.compile(r"^\s*approved[\s_-]*by\b", re.IGNORECASE)
_SCISSORS = re.compile(r"^# -+ >8 -+$")
_AGENTS = (
    ("CLAUDE", "Claude Code"),
    ("CODEX_", "Codex"),
    ("GEMINI_CLI", "Gemini CLI"),
    ("CURSOR_AGENT", "Cursor"),
    ("COPILOT_CLI", "Copilot CLI"),
    ("CLINE_ACTIVE", "Cline"),
    ("OPENCODE", "OpenCode"),
    ("AUGMENT_AGENT", "Augment"),
    ("ANTIGRAVITY_AGENT", "Antigravity"),
    ("GIT_", "aider"),
)


@dataclass(frozen=True)
class CommitMsgOptions:
    message_file: Path
    repo: Path = Path(".")
    environ: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = Path(".")
    attribute_assistant: bool = False
    """Add ``Assisted-by: <agent>`` in an agent session even when the policy at HEAD does not ask
    for it (policy key ``hooks.attribute-assistant``)."""


@dataclass(frozen=True)
class CommitMsgResult:
    exit_code: int
    report: str
    added_trailer: str | None = None


def trailer_problems(message: str) -> list[str]:
    """One line per approval trailer that is malformed or that git would not read as a trailer."""
    body = split_comments(message)[0]
    problems = []
    trailers = parse_trailers(body)
    for key, value in trailers:
        if key.lower() == APPROVED_BY.lower() and parse_identity(value) is None:
            problems.append(f"malformed trailer '{key}: {value}': expected '{APPROVED_BY}: Name <email>'")
    parsed = {f"{key}: {value}".lower() for key, value in trailers}
    for line in body.splitlines():
        if _APPROVAL_LIKE.match(line) and not any(line.strip().lower().startswith(p) for p in parsed):
            problems.append(
                f"'{line.strip()}' is not read as a trailer: write '{APPROVED_BY}: Name <email>'"
                " in the last paragraph of the message"
            )
    return problems


def split_comments(message: str) -> tuple[str, str]:
    """The message text and the comment block git strips after the hook (``#`` lines, scissors)."""
    lines = message.splitlines(keepends=True)
    cut = len(lines)
    for number, line in enumerate(lines):
        if _SCISSORS.match(line.rstrip("\n")):
            cut = number
            break
    while cut > 0 and (lines[cut - 1].startswith("#") or not lines[cut - 1].strip()):
        cut -= 1
    return "".join(lines[:cut]), "".join(lines[cut:])


def add_trailer(message: str, key: str, value: str) -> str:
    """``message`` with ``key: value`` appended to its trailer block (or a new one)."""
    body, comments = split_comments(message)
    body = body.rstrip("\n")
    separator = "\n" if parse_trailers(body) else "\n\n"
    tail = f"\n{comments.lstrip(chr(10))}" if comments.strip() else ""
    return f"{body}{separator}{key}: {value}\n{tail}"


def agent_name(signals: tuple[Signal, ...]) -> str | None:
    """The agent an environment signal names (``CLAUDECODE=1`` → Claude Code)."""
    for signal in signals:
        variable, _, value = signal.evidence.partition("=")
        if variable == "AI_AGENT" and value.strip():
            return value.strip()
        for prefix, name in _AGENTS:
            if variable.startswith(prefix):
                return name
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GuardtrailError(f"cannot read the commit message {path}: {exc}") from None


def _attribution(message: str, scan: StagedResult, options: CommitMsgOptions) -> tuple[str, str | None]:
    if not (options.attribute_assistant or scan.decision.policy.attribute_assistant):
        return message, None
    env_only = tuple(s for s in scan.signals if "=" in s.evidence and s.rule.startswith("assistant.env."))
    agent = agent_name(env_only)
    already = any(key.lower() == ASSISTED_BY.lower() for key, _ in parse_trailers(split_comments(message)[0]))
    if agent is None or already:
        return message, None
    return add_trailer(message, ASSISTED_BY, agent), f"{ASSISTED_BY}: {agent}"


def run_commit_msg(options: CommitMsgOptions) -> CommitMsgResult:
    message = _read(options.message_file)
    problems = trailer_problems(message)
    if problems:
        from guardtrail.classify.secrets.redaction import redact_text  # a problem quotes the message's line

        lines = ["guardtrail: BLOCK  commit message", *(f"  {redact_text(p)}" for p in problems)]
        return CommitMsgResult(1, "\n".join(lines) + "\n")
    scan = run_staged(StagedOptions(options.repo, options.environ, options.cwd, message=split_comments(message)[0]))
    if scan.exit_code != 0:
        return CommitMsgResult(scan.exit_code, render_staged(scan, verbose_sensitive=False))
    updated, trailer = _attribution(message, scan, options)
    if trailer is not None:
        options.message_file.write_text(updated, encoding="utf-8")
        return CommitMsgResult(0, f"guardtrail: added '{trailer}' (agent session)\n", trailer)
    trailers = len(parse_trailers(split_comments(message)[0]))
    checked = f"commit message ({trailers} trailer{'' if trailers == 1 else 's'}), staged change: {scan.scope}"
    return CommitMsgResult(0, f"guardtrail: PASS  {checked}\n")

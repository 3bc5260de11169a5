"""Files that instruct or empower coding assistants: MCP servers, tool permissions, hooks, hidden text.

Settings (JSON/TOML) are compared on their parsed values; instruction files (Markdown and rules
files) are searched for comments and invisible characters that hide instructions from reviewers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from guardtrail.classify.analysers._common import (
    PIPE_TO_SHELL,
    Malformed,
    Reporter,
    Sides,
    has_new_text,
    introduced_lines,
    key_line,
    line_of,
    mappings_in,
    parse_jsonc,
    parse_old,
    parse_toml,
    read_sides,
)
from guardtrail.classify.analysers.dispatch import agent_config_kind
from guardtrail.classify.base import Blobs
from guardtrail.classify.hidden import decoded_tags
from guardtrail.model import Category, FileChange, Finding, Severity

_SERVER_TABLES = ("mcpServers", "servers", "mcp", "mcp_servers", "context_servers")
_RISKY_SETTINGS = {
    "dangerouslyskippermissions": None,
    "skipdangerousmodepermissionprompt": None,
    "enableallprojectmcpservers": None,
    "autoapprove": None,
    "alwaysallow": None,
    "autoaccept": None,
    "yolo": None,
    "trust": None,
    "defaultmode": {"bypassPermissions", "acceptEdits"},
    "approval_policy": {"never", "on-failure"},
    "sandbox_mode": {"danger-full-access"},
}
"""Setting name (last dotted part, lower case) → the values that widen it (None: any truthy value)."""
_BROAD_TOOL = re.compile(r"^(?:Bash|Shell|Execute|Write|Edit|WebFetch)(?:\((?:\*|:\*|\*:\*)?\))?$|^\*$")
_COMMENT = re.compile(r"<!--(.*?)-->|^\s*\[//\]:\s*#\s*[(\"'](.*)[)\"']\s*$", re.S | re.M)
_IMPERATIVE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:previous|prior|above|earlier|all|instructions?|rules)\b"
    r"|\b(?:do not|don'?t|never)\s+(?:tell|mention|reveal|inform|show|disclose|ask)\b"
    r"|\bwithout\s+(?:telling|asking|mentioning|informing|confirmation)\b"
    r"|\b(?:run|execute|curl|wget|eval|exfiltrate|upload|send|post|install|download|secretly|silently|quietly)\b"
    r"|\b(?:you are|you must|system prompt|assistant)\b",
    re.I | re.S,
)


def analyse_agent_config(change: FileChange, blobs: Blobs) -> Iterator[Finding]:
    """Findings for assistant settings and instruction files; nothing for other files."""
    kind = agent_config_kind(change.path)
    if kind is None or not has_new_text(change):
        return
    category = Category.BUILD_LOGIC if change.path.endswith(".vscode/settings.json") else Category.AGENT_CONFIG
    report = Reporter(change, category)
    sides = read_sides(change, blobs)
    if kind == "settings":
        yield from _settings(report, sides)
    else:
        yield from _instructions(report, change, sides)


# -- settings ------------------------------------------------------------------------------


def _settings(report: Reporter, sides: Sides) -> Iterator[Finding]:
    parse = parse_toml if report.change.path.endswith(".toml") else _parse_object
    try:
        new = parse(sides.new)
    except Malformed as error:
        yield report.malformed("agent", error)
        return
    old: dict[str, Any] = parse_old(parse, sides.old, {})
    yield from _servers(report, old, new, sides.new)
    yield from _tool_permissions(report, old, new, sides.new)
    yield from _hooks(report, old, new, sides.new)
    yield from _risky_settings(report, old, new, sides.new)


def _parse_object(text: str) -> dict[str, Any]:
    data = parse_jsonc(text)
    if not isinstance(data, dict):
        raise Malformed("settings must be an object")
    return data


def _server_command(server: Any) -> str:
    if not isinstance(server, dict):
        return str(server)
    command = server.get("command", "")
    parts = command if isinstance(command, list) else [str(command), *map(str, server.get("args") or [])]
    return " ".join(str(part) for part in parts if part) or str(server.get("url") or server.get("httpUrl") or "")


def _servers_of(document: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for table in _SERVER_TABLES:
        servers = document.get(table)
        for name, server in servers.items() if isinstance(servers, dict) else ():
            found[str(name)] = _server_command(server)
    return found


def _servers(report: Reporter, old: dict[str, Any], new: dict[str, Any], text: str) -> Iterator[Finding]:
    before = _servers_of(old)
    for name, command in _servers_of(new).items():
        if before.get(name) == command:
            continue
        severity = Severity.ERROR if PIPE_TO_SHELL.search(command) else Severity.WARNING
        message = (
            f'new MCP server "{name}": {command}' if name not in before else f'MCP server "{name}" now runs {command}'
        )
        line = key_line(text, name) or line_of(text, rf"""[.\["']{re.escape(name)}["'\]]""")
        yield report("agent.mcp-server", message, line, severity)


def _permission_list(document: dict[str, Any], key: str) -> list[str]:
    permissions = document.get("permissions")
    values = permissions.get(key) if isinstance(permissions, dict) else None
    return [str(value) for value in values] if isinstance(values, list) else []


def _quoted_line(text: str, value: str) -> int | None:
    return line_of(text, re.escape(f'"{value}"')) or line_of(text, re.escape(value))


def _tool_permissions(report: Reporter, old: dict[str, Any], new: dict[str, Any], text: str) -> Iterator[Finding]:
    for key in ("allow", "additionalDirectories"):
        before = set(_permission_list(old, key))
        for entry in _permission_list(new, key):
            if entry not in before:
                severity = Severity.ERROR if _BROAD_TOOL.match(entry) or entry in {"/", "~"} else Severity.WARNING
                message = f'allows tool "{entry}"' if key == "allow" else f'allows access to directory "{entry}"'
                yield report("agent.permissions", message, _quoted_line(text, entry), severity)
    for key in ("deny", "ask"):
        after = set(_permission_list(new, key))
        for entry in _permission_list(old, key):
            if entry not in after:
                yield report("agent.permissions", f'no longer {key}s "{entry}"', None)


def _hook_commands(document: dict[str, Any]) -> list[str]:
    hooks = document.get("hooks")
    return [str(m["command"]) for m in mappings_in(hooks) if isinstance(m.get("command"), str | list)]


def _hooks(report: Reporter, old: dict[str, Any], new: dict[str, Any], text: str) -> Iterator[Finding]:
    before = set(_hook_commands(old))
    for command in _hook_commands(new):
        if command not in before:
            severity = Severity.ERROR if PIPE_TO_SHELL.search(command) else Severity.WARNING
            yield report("agent.hooks", f"new hook runs: {command}", _quoted_line(text, command), severity)


def _flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), value


def _risky(path: str, value: Any) -> bool:
    name = path.rsplit(".", 1)[-1].lower()
    if name not in _RISKY_SETTINGS:
        return False
    wanted = _RISKY_SETTINGS[name]
    return bool(value) if wanted is None else str(value) in wanted


def _risky_settings(report: Reporter, old: dict[str, Any], new: dict[str, Any], text: str) -> Iterator[Finding]:
    before = dict(_flatten(old))
    for path, value in _flatten(new):
        if _risky(path, value) and before.get(path) != value:
            shown = str(value).lower() if isinstance(value, bool) else value
            line = key_line(text, path.rsplit(".", 1)[-1]) or key_line(text, path)
            yield report("agent.permissions", f"sets {path}: {shown}", line, Severity.ERROR)


# -- instruction files ---------------------------------------------------------------------


def _comments(text: str) -> list[tuple[str, int, int]]:
    """Each comment's text (whitespace collapsed) with its first and last line."""
    found = []
    for match in _COMMENT.finditer(text):
        first = text.count("\n", 0, match.start()) + 1
        last = first + match.group(0).count("\n")
        found.append((" ".join((match.group(1) or match.group(2) or "").split()), first, last))
    return found


def _instructions(report: Reporter, change: FileChange, sides: Sides) -> Iterator[Finding]:
    before = {comment for comment, _, _ in _comments(sides.old)}
    hidden: set[int] = set()
    for comment, first, last in _comments(sides.new):
        if comment not in before and _IMPERATIVE.search(comment):
            hidden.update(range(first, last + 1))
            shown = comment if len(comment) <= 80 else comment[:79] + "…"
            message = f'comment hides instructions from reviewers: "{shown}"'
            yield report("agent.hidden-instructions", message, first, Severity.ERROR)
    for added in introduced_lines(change, sides.old, comments=()):
        smuggled = decoded_tags(added.text)
        if smuggled.strip():
            message = f'invisible tag characters spell: "{smuggled.strip()[:80]}"'
            yield report("agent.hidden-instructions", message, added.number, Severity.ERROR)
        if added.number not in hidden and PIPE_TO_SHELL.search(added.text):
            message = "instructions tell the assistant to pipe a download into a shell"
            yield report("agent.instruction-command", message, added.number)

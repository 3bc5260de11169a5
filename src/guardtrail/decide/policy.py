"""The repository's policy, ``.guardtrail.yml``, read from the BASE revision.

A change can never loosen the rules it is judged by: the gate reads this file, the approvers
and their keys as they stand at the base of the range, not as the change leaves them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

from guardtrail.errors import GuardtrailError
from guardtrail.model import DEFAULT_MAX_FILE_BYTES, Category, Person

if TYPE_CHECKING:
    from guardtrail.decide.gate import SecretBaseline

POLICY_FILE = ".guardtrail.yml"
MODES = ("assistant", "unsigned")
_TOP_KEYS = ("mode", "approvers", "paths", "ignore", "assistants", "baseline", "hooks", "max_file_size")
_HOOK_KEYS = ("attribute-assistant",)
_APPROVER_KEYS = ("name", "email", "keys")
_ASSISTANT_KEYS = ("emails", "names")
_PATH_CATEGORIES = tuple(
    c.value for c in Category if c not in (Category.SECRET, Category.HIDDEN_TEXT, Category.INJECTION)
)
SSH_KEY_TYPES = ("ssh-", "sk-ssh-", "ecdsa-sha2-", "sk-ecdsa-sha2-")
_FINGERPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


@dataclass(frozen=True)
class Approver:
    """A human who may approve sensitive changes, and the keys that prove it is them."""

    name: str
    email: str
    ssh_keys: tuple[str, ...] = ()
    """``<type> <base64>`` of each SSH public key (comments dropped)."""
    pgp_fingerprints: tuple[str, ...] = ()
    """Upper-case hex fingerprints of OpenPGP keys listed by fingerprint."""
    pgp_armored: tuple[str, ...] = ()
    """ASCII-armored OpenPGP public keys listed inline."""

    @property
    def person(self) -> Person:
        return Person(self.name, self.email)

    def __str__(self) -> str:
        return str(self.person)


@dataclass(frozen=True)
class Policy:
    mode: str = "assistant"
    approvers: tuple[Approver, ...] = ()
    paths: Mapping[Category, tuple[str, ...]] = field(default_factory=dict)
    """Extra globs per category, added to the shipped path rules."""
    ignore: tuple[str, ...] = ()
    """Globs of paths no path rule applies to."""
    assistant_emails: tuple[str, ...] = ()
    """Extra identities treated as assistants (lower-case emails), e.g. a dependency bot."""
    assistant_names: tuple[str, ...] = ()
    baseline: str = ".secrets.baseline"
    """Path of the detect-secrets baseline, read from the base revision."""
    attribute_assistant: bool = False
    """Client hooks add ``Assisted-by: <agent>`` to commits made in an agent session."""
    source: str = "built-in defaults"
    """Where the policy came from, for reports and the audit log."""
    max_file_size: int = DEFAULT_MAX_FILE_BYTES
    """Files larger than this many bytes are not read; reports name them as skipped."""

    def approver_by_email(self, email: str) -> Approver | None:
        wanted = email.strip().lower()
        return next((a for a in self.approvers if a.email.lower() == wanted), None)


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _error(source: str, node: yaml.Node, problem: str) -> GuardtrailError:
    return GuardtrailError(f"{source}:{_line(node)}: {problem}")


def _mapping(node: yaml.Node, source: str, allowed: tuple[str, ...], what: str) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise _error(source, node, f"{what} must be a mapping")
    result: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key not in allowed:
            raise _error(source, key_node, f"unknown key {key!r} in {what} (expected one of: {', '.join(allowed)})")
        result[key] = value_node
    return result


def _scalar(node: yaml.Node, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _error(source, node, f"{what} must be a non-empty string")
    return str(node.value).strip()


def _strings(node: yaml.Node, source: str, what: str) -> tuple[str, ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise _error(source, node, f"{what} must be a list of strings")
    return tuple(_scalar(item, source, what) for item in node.value)


def _boolean(node: yaml.Node, source: str, what: str) -> bool:
    value = yaml.SafeLoader("").construct_object(node) if isinstance(node, yaml.ScalarNode) else None
    if not isinstance(value, bool):
        raise _error(source, node, f"{what} must be true or false")
    return value


def _keys(node: yaml.Node, source: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    ssh, fingerprints, armored = [], [], []
    for item in _strings(node, source, "keys"):
        if item.startswith(SSH_KEY_TYPES):
            parts = item.split()
            if len(parts) < 2:
                raise _error(source, node, f"SSH key {item[:30]!r} has no key data")
            ssh.append(f"{parts[0]} {parts[1]}")
        elif _FINGERPRINT.match(item.replace(" ", "")):
            fingerprints.append(item.replace(" ", "").upper())
        elif item.startswith(_ARMOR):
            armored.append(item)
        else:
            raise _error(
                source,
                node,
                f"key {item[:30]!r} is neither an SSH public key, an OpenPGP fingerprint nor an armored key",
            )
    return tuple(ssh), tuple(fingerprints), tuple(armored)


def _approver(node: yaml.Node, source: str) -> Approver:
    fields = _mapping(node, source, _APPROVER_KEYS, "an approver")
    for required in ("name", "email", "keys"):
        if required not in fields:
            raise _error(source, node, f"approver needs {required!r}")
    email = _scalar(fields["email"], source, "email")
    if "@" not in email:
        raise _error(source, fields["email"], f"approver email {email!r} is not an email address")
    ssh, fingerprints, armored = _keys(fields["keys"], source)
    if not (ssh or fingerprints or armored):
        raise _error(source, fields["keys"], f"approver {email} lists no keys")
    return Approver(_scalar(fields["name"], source, "name"), email, ssh, fingerprints, armored)


_SIZE = re.compile(r"\s*(\d+)\s*(|b|kb|kib|mb|mib|gb|gib)\s*", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


def _size(node: yaml.Node, source: str, what: str) -> int:
    """A size in bytes written as ``50MB``, ``50 MiB``, ``200kb`` or a plain number of bytes."""
    found = _SIZE.fullmatch(_scalar(node, source, what))
    if found is None or int(found.group(1)) == 0:
        raise _error(source, node, f"{what} must be a size such as 50MB, 512KiB or 1000000 (bytes)")
    return int(found.group(1)) * _SIZE_UNITS[found.group(2).lower()]


def parse_policy(text: str, source: str) -> Policy:
    """Validate the policy text; any problem is a :class:`GuardtrailError` naming file and line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise GuardtrailError(f"{where}: invalid YAML: {problem}") from None
    if root is None:
        return Policy(source=source)
    fields = _mapping(root, source, _TOP_KEYS, "the policy")
    mode = "assistant"
    if "mode" in fields:
        mode = _scalar(fields["mode"], source, "mode")
        if mode not in MODES:
            raise _error(source, fields["mode"], f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    approvers: tuple[Approver, ...] = ()
    if "approvers" in fields:
        node = fields["approvers"]
        if not isinstance(node, yaml.SequenceNode):
            raise _error(source, node, "approvers must be a list")
        approvers = tuple(_approver(item, source) for item in node.value)
    paths: dict[Category, tuple[str, ...]] = {}
    if "paths" in fields:
        for name, node in _mapping(fields["paths"], source, _PATH_CATEGORIES, "paths").items():
            paths[Category(name)] = _strings(node, source, f"paths.{name}")
    assistants: dict[str, tuple[str, ...]] = {}
    if "assistants" in fields:
        for name, node in _mapping(fields["assistants"], source, _ASSISTANT_KEYS, "assistants").items():
            assistants[name] = _strings(node, source, f"assistants.{name}")
    hooks = _mapping(fields["hooks"], source, _HOOK_KEYS, "hooks") if "hooks" in fields else {}
    return Policy(
        mode=mode,
        approvers=approvers,
        paths=paths,
        ignore=_strings(fields["ignore"], source, "ignore") if "ignore" in fields else (),
        assistant_emails=tuple(e.lower() for e in assistants.get("emails", ())),
        assistant_names=assistants.get("names", ()),
        baseline=_scalar(fields["baseline"], source, "baseline") if "baseline" in fields else ".secrets.baseline",
        attribute_assistant=(
            _boolean(hooks["attribute-assistant"], source, "hooks.attribute-assistant")
            if "attribute-assistant" in hooks
            else False
        ),
        source=source,
        max_file_size=(
            _size(fields["max_file_size"], source, "max_file_size")
            if "max_file_size" in fields
            else DEFAULT_MAX_FILE_BYTES
        ),
    )


def policy_from_bytes(data: bytes | None, source: str) -> Policy:
    """The policy from the file's bytes, or the built-in defaults when there is no file."""
    if data is None:
        return Policy()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise GuardtrailError(f"{source}: not UTF-8 text") from None
    return parse_policy(text, source)


FileReader = Callable[[str], "bytes | None"]
"""Reads a repository file's content from wherever a command judges by (a revision, the index's
HEAD, the working tree); None when there is no such file."""


def load_policy(read: FileReader, where: str) -> Policy:
    """The policy from ``read`` (built-in defaults when the file is absent); ``where`` names the
    source in messages: ``at 1a2b3c4d5e``, ``at HEAD``, ``in the working tree``."""
    return policy_from_bytes(read(POLICY_FILE), f"{POLICY_FILE} {where}")


def load_baseline(read: FileReader, where: str, policy: Policy) -> SecretBaseline | None:
    """The policy's secrets baseline from ``read``, or None when there is none."""
    data = read(policy.baseline)
    if data is None:
        return None
    from guardtrail.classify.secrets import load_baseline as parse_baseline

    return parse_baseline(data, f"{policy.baseline} {where}")

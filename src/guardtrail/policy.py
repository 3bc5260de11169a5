"""The repository's policy, ``.guardtrail.yml``, read from the BASE revision.

A change can never loosen the rules it is judged by: the gate reads this file, the approvers
and their keys as they stand at the base of the range, not as the change leaves them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from guardtrail.errors import GuardtrailError
from guardtrail.model import DEFAULT_MAX_FILE_BYTES, Category, Person
from guardtrail.rules import Examples, Rule

if TYPE_CHECKING:
    import yaml

POLICY_FILE = ".guardtrail.yml"
MODES = ("assistant", "unsigned")
_TOP_KEYS = (
    "mode",
    "approvers",
    "paths",
    "ignore",
    "assistants",
    "baseline",
    "hooks",
    "approvals",
    "secrets",
    "max_file_size",
)
MAX_POLICY_DEPTH = 20
"""How deeply ``.guardtrail.yml`` may nest: a real policy nests five levels deep at most."""
_HOOK_KEYS = ("attribute-assistant",)
_APPROVER_KEYS = ("name", "email", "keys")
_ASSISTANT_KEYS = ("emails", "names")
_SECRETS_KEYS = ("rules", "disable")
_SECRET_RULE_KEYS = ("id", "description", "regex", "keywords", "examples")
_EXAMPLE_KEYS = ("match", "no_match")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
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


REQUIRE = ("none", "presence", "verification")
SELF_APPROVAL = ("never", "with-presence")
_APPROVALS_KEYS = ("require", "self_approval", "policy_changes")


@dataclass(frozen=True)
class ApprovalRules:
    """What an approval must carry to count (the policy's ``approvals:`` section)."""

    require: str = "none"
    """``none``; ``presence``: only signatures a FIDO key made with a touch (flag 0x01) count;
    ``verification``: only those made with a touch and a PIN (flags 0x01 and 0x04)."""
    self_approval: str = "never"
    """``never``: an approver never approves a commit they wrote or co-wrote; ``with-presence``:
    they may, with a signature their FIDO key made with a touch."""
    policy_changes: int = 1
    """How many distinct approvers must clear a finding of category ``policy``."""


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
    baseline_line: int | None = None
    """The line of ``baseline:`` in the policy file, when the policy names one: that file must exist."""
    secret_rules: tuple[Rule, ...] = ()
    """The policy's own secret rules (``secrets: rules:``), run beside the shipped ones."""
    disabled_rules: frozenset[str] = frozenset()
    """Secret rule ids switched off (``secrets: disable:``), shipped or detect-secrets' plugins."""
    rule_lines: Mapping[str, int] = field(default_factory=dict)
    """The line of each secret rule id the policy names, its own rules' first, then those it
    disables: the ids guardtrail ships are known only to ``classify/``, which checks them."""
    source: str = "built-in defaults"
    """Where the policy came from, for reports and the audit log."""
    approvals: ApprovalRules = ApprovalRules()
    """What an approval must carry: flags, self-approval, thresholds."""
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
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise _error(source, node, f"{what} must be a mapping")
    result: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value
        if key in result:
            raise _error(source, key_node, f"duplicate key {key!r} in {what}: YAML keeps only the last one")
        if key not in allowed:
            raise _error(source, key_node, f"unknown key {key!r} in {what} (expected one of: {', '.join(allowed)})")
        result[key] = value_node
    return result


def _scalar(node: yaml.Node, source: str, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _error(source, node, f"{what} must be a non-empty string")
    return str(node.value).strip()


def _strings(node: yaml.Node, source: str, what: str) -> tuple[str, ...]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        raise _error(source, node, f"{what} must be a list of strings")
    return tuple(_scalar(item, source, what) for item in node.value)


def _boolean(node: yaml.Node, source: str, what: str) -> bool:
    import yaml

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


def _choice(node: yaml.Node, source: str, what: str, choices: tuple[str, ...]) -> str:
    value = _scalar(node, source, what)
    if value not in choices:
        raise _error(source, node, f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _approvals_section(node: yaml.Node, source: str) -> ApprovalRules:
    """The ``approvals:`` section: required flags, self-approval, the policy-change threshold."""
    import yaml

    fields = _mapping(node, source, _APPROVALS_KEYS, "approvals")
    defaults = ApprovalRules()
    threshold = defaults.policy_changes
    if "policy_changes" in fields:
        value_node = fields["policy_changes"]
        value = yaml.SafeLoader("").construct_object(value_node) if isinstance(value_node, yaml.ScalarNode) else None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _error(source, value_node, "approvals.policy_changes must be a whole number of approvers, 1 or more")
        threshold = value
    return ApprovalRules(
        require=(
            _choice(fields["require"], source, "approvals.require", REQUIRE)
            if "require" in fields
            else defaults.require
        ),
        self_approval=(
            _choice(fields["self_approval"], source, "approvals.self_approval", SELF_APPROVAL)
            if "self_approval" in fields
            else defaults.self_approval
        ),
        policy_changes=threshold,
    )


def _refuse_deep_nesting(text: str, source: str) -> None:
    """Refuse a policy nested deeper than any real one, from PyYAML's event stream (a loop that
    does not recurse) before the composer, which recurses once per level and would otherwise
    die of ``RecursionError`` on a few thousand ``[``: the change under review may have put
    such a policy on the base branch, and that must be a named error, not a crash."""
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_POLICY_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark is not None else 1
                raise GuardtrailError(f"{source}:{line}: nested deeper than {MAX_POLICY_DEPTH} levels: not a policy")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _loader() -> type[yaml.SafeLoader]:
    """libyaml's safe loader when present, else PyYAML's: the same nodes and lines, built in C."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader


def _pure_problem(text: str, error: yaml.YAMLError) -> yaml.YAMLError:
    """The error PyYAML's own parser finds in ``text``, which libyaml found broken (``error``):
    its words and line are the ones a policy's author is shown, whichever loader ran."""
    import yaml

    if _loader() is yaml.SafeLoader:
        return error
    try:
        for _ in yaml.parse(text, Loader=yaml.SafeLoader):  # a loop: deep nesting does not recurse
            pass
        yaml.compose(text, Loader=yaml.SafeLoader)  # parsed: an alias or anchor is what is wrong
    except yaml.YAMLError as pure:
        return pure
    except RecursionError:
        pass
    return error


def parse_policy(text: str, source: str) -> Policy:
    """Validate the policy text; any problem is a :class:`GuardtrailError` naming file and line."""
    import yaml  # loaded by the first policy read: a repository without one never imports it

    try:
        _refuse_deep_nesting(text, source)
        root = yaml.compose(text, Loader=_loader())
    except yaml.YAMLError as exc:
        exc = _pure_problem(text, exc)
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
    secret_rules, disabled, rule_lines = (
        _secrets_section(fields["secrets"], source) if "secrets" in fields else ((), frozenset(), {})
    )
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
        baseline_line=_line(fields["baseline"]) if "baseline" in fields else None,
        secret_rules=secret_rules,
        disabled_rules=disabled,
        rule_lines=rule_lines,
        source=source,
        approvals=_approvals_section(fields["approvals"], source) if "approvals" in fields else ApprovalRules(),
        max_file_size=(
            _size(fields["max_file_size"], source, "max_file_size")
            if "max_file_size" in fields
            else DEFAULT_MAX_FILE_BYTES
        ),
    )


def _secrets_section(node: yaml.Node, source: str) -> tuple[tuple[Rule, ...], frozenset[str], dict[str, int]]:
    """``secrets:``: the policy's own rules, each proven on its examples now, the ids it
    switches off, and the line of each id named. Whether an id is one guardtrail ships is
    checked where the shipped detectors are known (``classify.pipeline.check_secret_rule_ids``)."""
    fields = _mapping(node, source, _SECRETS_KEYS, "secrets")
    rules: dict[str, Rule] = {}
    lines: dict[str, int] = {}
    for item in _nodes(fields["rules"], source, "secrets.rules") if "rules" in fields else ():
        rule = _secret_rule(item, source)
        if rule.id in rules:
            raise _error(source, item, f"secret rule id {rule.id!r} is already taken: choose another")
        rules[rule.id] = rule
        lines[rule.id] = _line(item)
    disabled: list[str] = []
    if "disable" in fields:
        for item in _nodes(fields["disable"], source, "secrets.disable"):
            rule_id = _scalar(item, source, "secrets.disable")
            disabled.append(rule_id)
            lines.setdefault(rule_id, _line(item))
    return tuple(rules.values()), frozenset(disabled), lines


def _nodes(node: yaml.Node, source: str, what: str) -> list[yaml.Node]:
    import yaml

    if not isinstance(node, yaml.SequenceNode):
        raise _error(source, node, f"{what} must be a list")
    return list(node.value)


def _secret_rule(node: yaml.Node, source: str) -> Rule:
    """One ``secrets.rules`` entry as the same :class:`Rule` the shipped rules are."""
    fields = _mapping(node, source, _SECRET_RULE_KEYS, "a secret rule")
    for required in ("id", "regex"):
        if required not in fields:
            raise _error(source, node, f"secret rule needs {required!r}")
    rule_id = _scalar(fields["id"], source, "id")
    if not _RULE_ID.match(rule_id):
        raise _error(source, fields["id"], f"secret rule id {rule_id!r}: use lower-case letters, digits, '.', '-', '_'")
    pattern = _scalar(fields["regex"], source, f"{rule_id}: regex")
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise _error(source, fields["regex"], f"secret rule {rule_id}: invalid regex: {exc}") from None
    examples = _examples(fields["examples"], source, rule_id) if "examples" in fields else Examples()
    rule = Rule(
        id=rule_id,
        description=_scalar(fields["description"], source, "description") if "description" in fields else rule_id,
        category=Category.SECRET,
        pattern=pattern,
        keywords=tuple(w.lower() for w in _strings(fields["keywords"], source, "keywords"))
        if "keywords" in fields
        else (),
        examples=examples,
    )
    _check_examples(rule, compiled, fields.get("examples", node), source)
    return rule


def _examples(node: yaml.Node, source: str, rule_id: str) -> Examples:
    fields = _mapping(node, source, _EXAMPLE_KEYS, f"examples of {rule_id}")
    return Examples(
        match=_strings(fields["match"], source, "examples.match") if "match" in fields else (),
        no_match=_strings(fields["no_match"], source, "examples.no_match") if "no_match" in fields else (),
    )


def _check_examples(rule: Rule, regex: re.Pattern[str], node: yaml.Node, source: str) -> None:
    """Each ``match`` example must hold a match of the regex (and of a keyword, which wakes
    it), each ``no_match`` none. Examples are named by their place, never quoted: they look
    like secrets."""
    for number, text in enumerate(rule.examples.match, start=1):
        woken = not rule.keywords or any(word in text.lower() for word in rule.keywords)
        if not (woken and regex.search(text)):
            raise _error(source, node, f"secret rule {rule.id}: match example {number} is not found by the rule")
    for number, text in enumerate(rule.examples.no_match, start=1):
        if regex.search(text) and (not rule.keywords or any(word in text.lower() for word in rule.keywords)):
            raise _error(source, node, f"secret rule {rule.id}: no_match example {number} is found by the rule")


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

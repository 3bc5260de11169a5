"""The policy file: validated strictly, every error names the file and line."""

from __future__ import annotations

import pytest

from guardtrail.errors import GuardtrailError
from guardtrail.model import Category
from guardtrail.policy import ApprovalRules, Policy, parse_policy, policy_from_bytes

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq2ZmFrZWtleWZvcnRlc3RzMDEyMzQ1Njc4OWFiY2Q alice"
FPR = "0123456789ABCDEF0123456789ABCDEF01234567"


def test_full_policy_parses() -> None:
    text = f"""\
mode: unsigned
approvers:
  - name: Alice Example
    email: alice@example.com
    keys:
      - {KEY}
      - "{FPR[:20].lower()} {FPR[20:].lower()}"
paths:
  auth: ["src/security/**"]
ignore: ["vendor/**"]
assistants:
  emails: ["Bot@Example.com"]
  names: ["release-bot"]
baseline: ci/.secrets.baseline
hooks:
  attribute-assistant: true
"""
    policy = parse_policy(text, ".guardtrail.yml")
    assert policy.mode == "unsigned"
    (alice,) = policy.approvers
    assert alice.ssh_keys == (" ".join(KEY.split()[:2]),)
    assert alice.pgp_fingerprints == (FPR,)
    assert policy.paths == {Category.AUTH: ("src/security/**",)}
    assert policy.ignore == ("vendor/**",)
    assert policy.assistant_emails == ("bot@example.com",)
    assert policy.assistant_names == ("release-bot",)
    assert policy.baseline == "ci/.secrets.baseline"
    assert policy.attribute_assistant is True
    assert policy.approver_by_email("ALICE@example.com") == alice


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mode: assistant\nreviewers: []\n", ".guardtrail.yml:2: unknown key 'reviewers' in the policy"),
        ("mode: yolo\n", ".guardtrail.yml:1: mode must be one of assistant, unsigned, not 'yolo'"),
        ("approvers:\n  - name: A\n    email: a@x.org\n", ".guardtrail.yml:2: approver needs 'keys'"),
        ("approvers:\n  - name: A\n    email: nobody\n    keys: [x]\n", ".guardtrail.yml:3: approver email"),
        ("approvers:\n  - name: A\n    email: a@x.org\n    keys: [hunter2]\n", ".guardtrail.yml:4: key 'hunter2' is"),
        (
            "approvers:\n  - name: A\n    email: a@x.org\n    keys: []\n",
            ".guardtrail.yml:4: approver a@x.org lists no keys",
        ),
        ("paths:\n  secret: [x]\n", ".guardtrail.yml:2: unknown key 'secret' in paths"),
        ("mode: [unclosed\n", ".guardtrail.yml:2: invalid YAML"),
        ("- just\n- a list\n", ".guardtrail.yml:1: the policy must be a mapping"),
        ("ignore: vendor\n", ".guardtrail.yml:1: ignore must be a list of strings"),
        (
            "hooks:\n  attribute-assistant: maybe\n",
            ".guardtrail.yml:2: hooks.attribute-assistant must be true or false",
        ),
        ("approvals:\n  require: touch\n", ".guardtrail.yml:2: approvals.require must be one of none, presence,"),
        ("approvals:\n  self_approval: always\n", ".guardtrail.yml:2: approvals.self_approval must be one of"),
        ("approvals:\n  policy_changes: 0\n", ".guardtrail.yml:2: approvals.policy_changes must be a whole number"),
        ("approvals:\n  policy_changes: two\n", ".guardtrail.yml:2: approvals.policy_changes must be a whole"),
        ("approvals:\n  quorum: 2\n", ".guardtrail.yml:2: unknown key 'quorum' in approvals"),
        ("approvals: presence\n", ".guardtrail.yml:1: approvals must be a mapping"),
    ],
)
def test_malformed_policy_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(GuardtrailError) as error:
        parse_policy(text, ".guardtrail.yml")
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_approvals_section_parses_and_defaults_to_one_unflagged_approver() -> None:
    sk_key = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIA== alice@yubikey"
    text = (
        f"approvers:\n  - name: A\n    email: a@x.org\n    keys: ['{sk_key}']\n"
        "approvals:\n  require: verification\n  self_approval: with-presence\n  policy_changes: 2\n"
    )
    policy = parse_policy(text, ".guardtrail.yml")
    assert policy.approvals == ApprovalRules(require="verification", self_approval="with-presence", policy_changes=2)
    assert policy.approvers[0].ssh_keys == (" ".join(sk_key.split()[:2]),)
    assert parse_policy("mode: assistant\n", "p").approvals == ApprovalRules("none", "never", 1)


def test_missing_or_empty_policy_is_the_built_in_default() -> None:
    assert policy_from_bytes(None, "x") == Policy()
    assert policy_from_bytes(b"", "p").approvers == ()
    with pytest.raises(GuardtrailError, match="not UTF-8"):
        policy_from_bytes(b"\xff\xfe", "p")
